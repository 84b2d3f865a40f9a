import type { Processor } from "../registry";
import { runExport } from "@/features/exports/server/run";

/** exports.run: writes one export's file (claimed once; a crashed run is re-claimed after its lease). */
export const exportsRun: Processor<"exports.run"> = async ({ exportId }) => runExport(exportId);
