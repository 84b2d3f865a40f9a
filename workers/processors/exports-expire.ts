import type { Processor } from "../registry";
import { expireExports } from "@/features/exports/server/exports";

/** exports.expire: export files are kept 7 days. */
export const exportsExpire: Processor<"exports.expire"> = async () => ({ deleted: await expireExports() });
