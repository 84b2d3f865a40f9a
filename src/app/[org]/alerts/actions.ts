"use server";

import { tenantAction } from "@/server/next/gate";
import { AcknowledgeAlertInput, AnomalySettingsInput } from "@/features/alerts/schemas";
import { acknowledgeAlert, updateAnomalySettings } from "@/features/alerts/server/feed";

export const acknowledgeAlertAction = tenantAction("alerts:write", AcknowledgeAlertInput, (ctx, input) => acknowledgeAlert(ctx, input));

export const updateAnomalySettingsAction = tenantAction("alerts:write", AnomalySettingsInput, (ctx, input) => updateAnomalySettings(ctx, input));
