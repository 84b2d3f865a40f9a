import type { Processor } from "../registry";
import { deleteExpiredUsage } from "@/features/ingest/server/retention";

/** usage.retention (nightly): drop raw events past each workspace's retention; rollups stay. */
export const usageRetention: Processor<"usage.retention"> = async () => deleteExpiredUsage();
