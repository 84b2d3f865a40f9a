import type { PathSpec } from "@/server/openapi/build";
import { spec as usage } from "../usage/openapi";
import { spec as otlp } from "../../otlp/v1/traces/openapi";
import { spec as reportsUsage } from "../reports/usage/openapi";
import { spec as exportsList } from "../exports/openapi";
import { spec as exportOne } from "../exports/[exportId]/openapi";
import { spec as exportDownload } from "../exports/[exportId]/download/openapi";
import { spec as runs } from "../report-runs/openapi";
import { spec as runDownload } from "../report-runs/[runId]/download/openapi";
import { spec as budgets } from "../orgs/[org]/budgets/openapi";
import { spec as budget } from "../orgs/[org]/budgets/[budgetId]/openapi";
import { spec as orgExportDownload } from "../orgs/[org]/exports/[exportId]/download/openapi";
import { spec as orgRunDownload } from "../orgs/[org]/report-runs/[runId]/download/openapi";
import { spec as self } from "./openapi";

/**
 * Every public route's declared operations (each `openapi.ts` sits beside its `route.ts`).
 * A route added without its spec here fails test/openapi.test.ts.
 */
export const PATH_SPECS: PathSpec[] = [usage, otlp, reportsUsage, exportsList, exportOne, exportDownload, runs, runDownload, budgets, budget, orgExportDownload, orgRunDownload, self];
