"use server";

import { tenantAction } from "@/server/next/gate";
import { ExportIdInput, ExportInput } from "@/features/exports/schemas";
import { createExport, getExport } from "@/features/exports/server/exports";

export const createExportAction = tenantAction("reports:read", ExportInput, (ctx, input) => createExport(ctx, input));
export const exportStatusAction = tenantAction("reports:read", ExportIdInput, (ctx, input) => getExport(ctx, input));
