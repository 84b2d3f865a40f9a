"use server";

import { tenantAction } from "@/server/next/gate";
import {
  IngestTokenCreateInput,
  IngestTokenRevokeInput,
  ProjectTagCreateInput,
  ProjectTagDeleteInput,
  ProjectTagUpdateInput,
} from "@/features/workspaces/schemas";
import { createProjectTag, deleteProjectTag, updateProjectTag } from "@/features/workspaces/server/project-tags";
import { createWorkspaceToken, revokeWorkspaceToken } from "@/features/workspaces/server/ingest-tokens";

export const createProjectTagAction = tenantAction("workspaces:write", ProjectTagCreateInput, (ctx, input) => createProjectTag(ctx, input));
export const updateProjectTagAction = tenantAction("workspaces:write", ProjectTagUpdateInput, (ctx, input) => updateProjectTag(ctx, input));
export const deleteProjectTagAction = tenantAction("workspaces:write", ProjectTagDeleteInput, (ctx, input) => deleteProjectTag(ctx, input));
export const createIngestTokenAction = tenantAction("ingest_tokens:write", IngestTokenCreateInput, (ctx, input) => createWorkspaceToken(ctx, input));
export const revokeIngestTokenAction = tenantAction("ingest_tokens:write", IngestTokenRevokeInput, (ctx, input) => revokeWorkspaceToken(ctx, input));
