import type { Processor } from "../registry";
import { coarsenRollups } from "@/features/usage/server/coarse";

/** usage.coarsen (every 10 min): report rollups for closed UTC days that are new or changed. */
export const usageCoarsen: Processor<"usage.coarsen"> = async () => coarsenRollups();
