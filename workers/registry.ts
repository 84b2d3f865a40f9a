import type { Job } from "bullmq";
import type { JobName, JobPayload } from "@/server/jobs/definitions";
import { budgetsEvaluate } from "./processors/budgets-evaluate";
import { budgetsSweep } from "./processors/budgets-sweep";
import { alertsDeliver } from "./processors/alerts-deliver";
import { alertsCreditsSweep } from "./processors/alerts-credits-sweep";
import { alertsAnomalySweep } from "./processors/alerts-anomaly-sweep";
import { enforcementApply } from "./processors/enforcement-apply";
import { enforcementSyncLimits } from "./processors/enforcement-sync-limits";
import { usageRetention } from "./processors/usage-retention";
import { usagePartitions } from "./processors/usage-partitions";
import { usageCoarsen } from "./processors/usage-coarsen";
import { pricingSync } from "./processors/pricing-sync";
import { providersPollOpenRouter } from "./processors/providers-poll-openrouter";
import { providersPollOpenAI } from "./processors/providers-poll-openai";
import { providersSweep } from "./processors/providers-sweep";
import { providersKeyUsageSweep, providersReadKeyUsage } from "./processors/providers-key-usage";
import { providersFillCosts } from "./processors/providers-fill-costs";
import { exportsRun } from "./processors/exports-run";
import { exportsExpire } from "./processors/exports-expire";
import { reportsSweep } from "./processors/reports-sweep";
import { reportsDeliver } from "./processors/reports-deliver";

export type Processor<N extends JobName> = (payload: JobPayload<N>, job: Job) => Promise<unknown>;
export type ProcessorMap = { [N in JobName]?: Processor<N> };

/**
 * Job name → processor. Each processor lives in processors/<name>.ts and only parses its
 * payload and calls a features/<domain>/server function. Add new ones here.
 */
export const PROCESSORS: ProcessorMap = {
  // budgets, alerts, enforcement
  "budgets.evaluate": budgetsEvaluate,
  "budgets.sweep": budgetsSweep,
  "alerts.deliver": alertsDeliver,
  "alerts.credits-sweep": alertsCreditsSweep,
  "alerts.anomaly-sweep": alertsAnomalySweep,
  "enforcement.apply": enforcementApply,
  "enforcement.sync-limits": enforcementSyncLimits,
  // ingest, pricing
  "usage.retention": usageRetention,
  "usage.partitions": usagePartitions,
  "usage.coarsen": usageCoarsen,
  "pricing.sync": pricingSync,
  // providers (pollers)
  "providers.poll-openrouter": providersPollOpenRouter,
  "providers.poll-openai": providersPollOpenAI,
  "providers.sweep": providersSweep,
  "providers.key-usage-sweep": providersKeyUsageSweep,
  "providers.read-key-usage": providersReadKeyUsage,
  "usage.fill-costs": providersFillCosts,
  // exports, scheduled reports
  "exports.run": exportsRun,
  "exports.expire": exportsExpire,
  "reports.sweep": reportsSweep,
  "reports.deliver": reportsDeliver,
};
