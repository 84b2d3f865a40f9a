import { z } from "zod";

/** Scopes an org API token may hold. All are read-only; `reports:read` covers the report API,
 * exports and scheduled-report runs. */
export const API_SCOPES = ["reports:read"] as const;
export type ApiScope = (typeof API_SCOPES)[number];

const id = z.string().trim().min(1, "Required").max(64);

export const ApiTokenCreateInput = z.object({
  name: z.string().trim().min(1, "Name the token (e.g. the pipeline that uses it)").max(80, "At most 80 characters"),
  scopes: z.array(z.enum(API_SCOPES, { message: `Scopes are: ${API_SCOPES.join(", ")}` })).min(1, "Pick at least one scope").default(["reports:read"]),
});
export type ApiTokenCreateInput = z.infer<typeof ApiTokenCreateInput>;

export const ApiTokenRevokeInput = z.object({ tokenId: id });
export type ApiTokenRevokeInput = z.infer<typeof ApiTokenRevokeInput>;
