import type { Processor } from "../registry";
import { expireExports, requeueLostExports } from "@/features/exports/server/exports";

/** exports.expire: export files are kept 7 days; exports whose run was lost are queued again. */
export const exportsExpire: Processor<"exports.expire"> = async () => ({ deleted: await expireExports(), requeued: await requeueLostExports() });
