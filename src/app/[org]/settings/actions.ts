"use server";

import { tenantAction } from "@/server/next/gate";
import { OrgSettingsInput } from "@/features/settings/schemas";
import { updateOrgSettings } from "@/features/settings/server/settings";
import { WorkspaceRetentionInput } from "@/features/workspaces/schemas";
import { setWorkspaceRetention } from "@/features/workspaces/server/workspaces";
import { ApiTokenCreateInput, ApiTokenRevokeInput } from "@/features/api-tokens/schemas";
import { createApiToken, revokeApiToken } from "@/features/api-tokens/server/api-tokens";

export const updateOrgSettingsAction = tenantAction("org:write", OrgSettingsInput, (ctx, input) => updateOrgSettings(ctx, input));
export const setWorkspaceRetentionAction = tenantAction("workspaces:write", WorkspaceRetentionInput, (ctx, input) => setWorkspaceRetention(ctx, input));
export const createApiTokenAction = tenantAction("api_tokens:write", ApiTokenCreateInput, (ctx, input) => createApiToken(ctx, input));
export const revokeApiTokenAction = tenantAction("api_tokens:write", ApiTokenRevokeInput, (ctx, input) => revokeApiToken(ctx, input));
