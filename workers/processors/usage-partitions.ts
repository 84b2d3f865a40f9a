import type { Processor } from "../registry";
import { ensureUsagePartitions } from "@/features/ingest/server/partitions";

/** usage.partitions (hourly): create usage_events day partitions 14 days ahead. */
export const usagePartitions: Processor<"usage.partitions"> = async () => ({ created: await ensureUsagePartitions() });
