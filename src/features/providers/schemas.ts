import { z } from "zod";
import { PROVIDERS } from "./registry";

// Browser-safe: the connection and key-attribution forms and their server actions share these.

export { PROVIDERS, PROVIDER_LABELS } from "./registry";
export const providerSchema = z.enum(PROVIDERS, { error: "Choose OpenRouter or OpenAI" });

const id = z.string().trim().min(1, "Required").max(64);
const blankToNull = (v: unknown) => (v === undefined || (typeof v === "string" && v.trim() === "") ? null : v);

const nameSchema = z.string().trim().min(1, "Enter a name").max(80, "At most 80 characters");

/** The management/admin key. Prefixes vary (sk-or-v1-, sk-admin-, the fakes' own), so only the shape is checked. */
export const secretSchema = z
  .string()
  .trim()
  .min(8, "Paste the whole key (at least 8 characters)")
  .max(512, "That is too long for an API key")
  .regex(/^\S+$/, "An API key has no spaces");

/** Optional override of the provider's API base URL (the demo and tests point it at the local fakes). */
export const baseUrlSchema = z.preprocess(
  blankToNull,
  z
    .string()
    .trim()
    .max(300, "At most 300 characters")
    .url("Enter a full URL, e.g. http://127.0.0.1:4010/api/v1")
    .refine((u) => /^https?:\/\//i.test(u), "Use an http:// or https:// URL")
    .transform((u) => u.replace(/\/+$/, ""))
    .nullable(),
);

const optionalId = z.preprocess(blankToNull, id.nullable());

export const ConnectionCreateInput = z.object({
  provider: providerSchema,
  name: nameSchema,
  secret: secretSchema,
  workspaceId: optionalId,
  baseUrl: baseUrlSchema,
  // OpenRouter organizations: create a Tollgate workspace for each OpenRouter workspace (true), or
  // map them to existing workspaces by hand (false). Checkbox values arrive as "on".
  createWorkspaces: z.preprocess((v) => v === "on" || v === "true" || v === true, z.boolean()).default(false),
});
export type ConnectionCreateInput = z.infer<typeof ConnectionCreateInput>;

export const ConnectionUpdateInput = z.object({
  connectionId: id,
  name: nameSchema,
  workspaceId: optionalId,
  baseUrl: baseUrlSchema,
  // Required when the base URL changes: whoever sends the stored key to a new host must know it.
  secret: z.preprocess(blankToNull, secretSchema.nullable()).optional(),
  // false → status "disabled" (never polled, never used to enforce); true → back to "active".
  enabled: z.boolean(),
});
export type ConnectionUpdateInput = z.infer<typeof ConnectionUpdateInput>;

export const ConnectionRotateInput = z.object({ connectionId: id, secret: secretSchema });
export type ConnectionRotateInput = z.infer<typeof ConnectionRotateInput>;

export const ConnectionIdInput = z.object({ connectionId: id });
export type ConnectionIdInput = z.infer<typeof ConnectionIdInput>;

/** Which workspace and project tag a tracked provider key's spend is attributed to. */
export const KeyAttributionInput = z.object({
  keyId: id,
  workspaceId: optionalId,
  // Blank with a workspace → the workspace's default tag.
  projectTagId: optionalId,
});
export type KeyAttributionInput = z.infer<typeof KeyAttributionInput>;

/** The member a key's spend is attributed to (blank: none). */
export const KeyMemberInput = z.object({
  keyId: id,
  memberUserId: optionalId,
});
export type KeyMemberInput = z.infer<typeof KeyMemberInput>;

/**
 * Where an OpenRouter workspace's keys land: an existing Tollgate workspace, "create" (a new
 * matching one), or blank (not mapped).
 */
export const ProviderWorkspaceMapInput = z.object({
  connectionId: id,
  providerWorkspaceId: id,
  target: z.preprocess(blankToNull, z.string().trim().min(1).max(64).nullable()),
});
export type ProviderWorkspaceMapInput = z.infer<typeof ProviderWorkspaceMapInput>;
