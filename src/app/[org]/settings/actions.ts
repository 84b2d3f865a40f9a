"use server";

import { tenantAction } from "@/server/next/gate";
import { OrgSettingsInput } from "@/features/settings/schemas";
import { updateOrgSettings } from "@/features/settings/server/settings";
import { WorkspaceRetentionInput } from "@/features/workspaces/schemas";
import { setWorkspaceRetention } from "@/features/workspaces/server/workspaces";

export const updateOrgSettingsAction = tenantAction("org:write", OrgSettingsInput, (ctx, input) => updateOrgSettings(ctx, input));
export const setWorkspaceRetentionAction = tenantAction("workspaces:write", WorkspaceRetentionInput, (ctx, input) => setWorkspaceRetention(ctx, input));
