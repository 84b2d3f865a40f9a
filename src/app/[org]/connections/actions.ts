"use server";

import { tenantAction } from "@/server/next/gate";
import { ConnectionCreateInput, ConnectionIdInput, ConnectionRotateInput, ConnectionUpdateInput, ProviderWorkspaceMapInput } from "@/features/providers/schemas";
import { mapOpenRouterWorkspace } from "@/features/providers/server/workspace-mapping";
import {
  createConnection,
  deleteConnection,
  pollConnectionNow,
  rotateConnectionSecret,
  updateConnection,
} from "@/features/providers/server/connections";

export const createConnectionAction = tenantAction("connections:write", ConnectionCreateInput, (ctx, input) => createConnection(ctx, input));
export const updateConnectionAction = tenantAction("connections:write", ConnectionUpdateInput, (ctx, input) => updateConnection(ctx, input));
export const rotateConnectionSecretAction = tenantAction("connections:write", ConnectionRotateInput, (ctx, input) => rotateConnectionSecret(ctx, input));
export const deleteConnectionAction = tenantAction("connections:write", ConnectionIdInput, (ctx, input) => deleteConnection(ctx, input));
export const pollConnectionAction = tenantAction("connections:write", ConnectionIdInput, (ctx, input) => pollConnectionNow(ctx, input));
export const mapProviderWorkspaceAction = tenantAction("connections:write", ProviderWorkspaceMapInput, (ctx, input) => mapOpenRouterWorkspace(ctx, input));
