"use server";

import { tenantAction } from "@/server/next/gate";
import { WorkspaceCreateInput, WorkspaceDeleteInput, WorkspaceUpdateInput } from "@/features/workspaces/schemas";
import { createWorkspace, deleteWorkspace, updateWorkspace } from "@/features/workspaces/server/workspaces";

export const createWorkspaceAction = tenantAction("workspaces:write", WorkspaceCreateInput, (ctx, input) => createWorkspace(ctx, input));
export const updateWorkspaceAction = tenantAction("workspaces:write", WorkspaceUpdateInput, (ctx, input) => updateWorkspace(ctx, input));
export const deleteWorkspaceAction = tenantAction("workspaces:write", WorkspaceDeleteInput, (ctx, input) => deleteWorkspace(ctx, input));
