import { z } from "zod";
import { NO_NUL } from "@/lib/form-schemas";

/** Scopes an org API token may hold. All are read-only; `reports:read` covers the report API,
 * exports and scheduled-report runs. */
export const API_SCOPES = ["reports:read"] as const;
export type ApiScope = (typeof API_SCOPES)[number];

// PostgreSQL refuses a NUL byte in text: refused here (400), it would otherwise fail the query (500).
const id = z.string().trim().min(1, "Required").max(64).regex(NO_NUL, "Not a token id");

export const ApiTokenCreateInput = z.object({
  name: z.string().trim().min(1, "Name the token (e.g. the pipeline that uses it)").max(80, "At most 80 characters").regex(NO_NUL, "Remove the NUL character"),
  scopes: z.array(z.enum(API_SCOPES, { message: `Scopes are: ${API_SCOPES.join(", ")}` })).min(1, "Pick at least one scope").default(["reports:read"]),
});
export type ApiTokenCreateInput = z.infer<typeof ApiTokenCreateInput>;

export const ApiTokenRevokeInput = z.object({ tokenId: id });
export type ApiTokenRevokeInput = z.infer<typeof ApiTokenRevokeInput>;
