import { z } from "zod";
import { slugSchema } from "@/features/tenancy/schemas";

// Browser-safe: the workspace, project-tag and ingest-token forms and their server actions
// parse with these same schemas, so an error shows inline under the field that caused it.

export const RETENTION_DAYS = [30, 90] as const;
export type RetentionDays = (typeof RETENTION_DAYS)[number];

/** The slug of the tag that events without a `project` land in (one per workspace). */
export const DEFAULT_TAG_SLUG = "untagged";

// PostgreSQL refuses a NUL byte in text: refused here (400), it would otherwise fail the query (500).
const NO_NUL = /^[^\u0000]*$/;
const id = z.string().trim().min(1, "Required").max(64).regex(NO_NUL, "Not a valid id");
const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const blankToNull = (v: unknown) => (v === undefined || (typeof v === "string" && v.trim() === "") ? null : v);

const nameSchema = z.string().trim().min(1, "Enter a name").max(80, "At most 80 characters");
/** Slug left blank → derived from the name on the server (the form pre-fills it the same way). */
const optionalSlug = z.preprocess(blankToUndefined, slugSchema.optional());

export const retentionSchema = z.preprocess(
  (v) => (typeof v === "string" && v !== "" ? Number(v) : v),
  z.union([z.literal(30), z.literal(90)], { error: "Choose 30 or 90 days" }),
);

/** "My Team's API" → "my-team-s-api"; too short or empty → `fallback`. */
export function slugFromName(name: string, fallback: string): string {
  const s = name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/g, "");
  return s.length >= 2 ? s : fallback;
}

export const WorkspaceCreateInput = z.object({
  name: nameSchema,
  slug: optionalSlug,
  retentionDays: retentionSchema.default(30),
});
export type WorkspaceCreateInput = z.infer<typeof WorkspaceCreateInput>;

export const WorkspaceUpdateInput = z.object({
  workspaceId: id,
  name: nameSchema,
  slug: slugSchema,
  retentionDays: retentionSchema,
});
export type WorkspaceUpdateInput = z.infer<typeof WorkspaceUpdateInput>;

export const WorkspaceRetentionInput = z.object({ workspaceId: id, retentionDays: retentionSchema });
export type WorkspaceRetentionInput = z.infer<typeof WorkspaceRetentionInput>;

export const WorkspaceDeleteInput = z.object({
  workspaceId: id,
  // The user types the slug to confirm; checked against the row on the server.
  confirmSlug: z.string().trim().min(1, "Type the workspace slug to confirm"),
});
export type WorkspaceDeleteInput = z.infer<typeof WorkspaceDeleteInput>;

export const ProjectTagCreateInput = z.object({
  workspaceId: id,
  name: nameSchema,
  slug: optionalSlug,
  ownerId: z.preprocess(blankToNull, id.nullable()),
});
export type ProjectTagCreateInput = z.infer<typeof ProjectTagCreateInput>;

export const ProjectTagUpdateInput = z.object({
  projectTagId: id,
  name: nameSchema,
  slug: slugSchema,
  ownerId: z.preprocess(blankToNull, id.nullable()),
});
export type ProjectTagUpdateInput = z.infer<typeof ProjectTagUpdateInput>;

export const ProjectTagDeleteInput = z.object({ projectTagId: id });
export type ProjectTagDeleteInput = z.infer<typeof ProjectTagDeleteInput>;

export const IngestTokenCreateInput = z.object({
  workspaceId: id,
  name: z.string().trim().min(1, "Name the token (e.g. where it is used)").max(80, "At most 80 characters").regex(NO_NUL, "Remove the NUL character"),
});
export type IngestTokenCreateInput = z.infer<typeof IngestTokenCreateInput>;

export const IngestTokenRevokeInput = z.object({ tokenId: id });
export type IngestTokenRevokeInput = z.infer<typeof IngestTokenRevokeInput>;
