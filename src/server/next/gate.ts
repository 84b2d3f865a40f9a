import { NextResponse } from "next/server";
import { z } from "zod";
import { AppError, errorBody, unauthorized, zodIssues, type Issue } from "@/server/errors";
import { requirePermission, resolveTenant, type TenantContext } from "@/server/tenant";
import type { Permission } from "@/server/rbac";
import { authenticateApiToken } from "@/features/api-tokens/server/api-tokens";
import { getSessionUserId } from "./session";
import { DB_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from "@/server/db-unavailable";
import { env } from "@/env";
import { PG_TEXT, PG_TEXT_MESSAGE } from "@/lib/form-schemas";

/**
 * The gates. Every route handler under an org goes through `withTenantRoute`, every
 * server action through `tenantAction`: session → membership → role → permission, once.
 * Non-members get 404 (we don't confirm an org exists); members lacking a permission 403.
 */

export function jsonResponse(body: unknown, init?: ResponseInit): NextResponse {
  return new NextResponse(JSON.stringify(body, (_k, v) => (typeof v === "bigint" ? v.toString() : v)), {
    ...init,
    headers: { "content-type": "application/json", ...(init?.headers ?? {}) },
  });
}

export function errorResponse(e: unknown): NextResponse {
  if (e instanceof AppError) return jsonResponse(errorBody(e), { status: e.status, headers: e.headers });
  if (e instanceof z.ZodError) {
    return jsonResponse({ error: { code: "bad_request", message: "Invalid request", issues: zodIssues(e) } }, { status: 400 });
  }
  if (isDatabaseUnavailable(e)) {
    console.warn("[route] database unavailable, answering 503:", (e as Error).message);
    return jsonResponse(
      { error: { code: "unavailable", message: `The database connection was lost before the request completed; retry after ${DB_RETRY_AFTER_SECONDS} s.` } },
      { status: 503, headers: { "Retry-After": String(DB_RETRY_AFTER_SECONDS) } },
    );
  }
  console.error("[route] unhandled error", e);
  return jsonResponse({ error: { code: "internal", message: "Internal error" } }, { status: 500 });
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Cross-site request forgery guard for the cookie-authenticated routes (server actions get the
 * same check from Next.js itself). A mutation is refused (403) when:
 * - its `Origin` is not this app (APP_URL, or the Host the request was sent to), or
 * - it has no `Origin` but the browser says it came from another site (`Sec-Fetch-Site`).
 * A mutation with neither header is allowed: every browser that sends cookies with a cross-site
 * POST/PATCH/DELETE also sends `Origin` (and `Sec-Fetch-Site`), so such a request comes from a
 * non-browser client (curl, a script holding a session cookie), which CSRF can't drive.
 * A body must also be declared JSON: `<form enctype="text/plain">` can't send that cross-site
 * without a CORS preflight, which these routes never grant.
 */
export function assertSameOrigin(req: Request): void {
  if (SAFE_METHODS.has(req.method.toUpperCase())) return;
  const origin = req.headers.get("origin");
  if (origin) {
    const host = req.headers.get("x-forwarded-host") ?? req.headers.get("host");
    let originHost: string | null = null;
    try {
      originHost = origin === "null" ? null : new URL(origin).host;
    } catch {
      originHost = null;
    }
    const ok = origin === new URL(env.APP_URL).origin || (originHost !== null && host !== null && originHost === host);
    if (!ok) throw new AppError(403, "forbidden", `Cross-origin request refused: Origin ${origin} is not this app (${new URL(env.APP_URL).origin})`);
  } else {
    const site = req.headers.get("sec-fetch-site");
    if (site && site !== "same-origin" && site !== "none") throw new AppError(403, "forbidden", "Cross-site request refused: send it from this app (no Origin, Sec-Fetch-Site: " + site + ")");
  }
  const method = req.method.toUpperCase();
  if ((method === "POST" || method === "PUT" || method === "PATCH") && !/^application\/json\b/i.test(req.headers.get("content-type") ?? "")) {
    throw new AppError(415, "unsupported_media_type", "Send the body as JSON (Content-Type: application/json)");
  }
}

type RouteParams = Record<string, string | string[]>;
type RouteHandler<P extends RouteParams> = (req: Request, ctx: TenantContext, params: P) => Promise<Response | unknown>;

export const TENANT_ROUTE = Symbol.for("tollgate.tenantRoute");

export function withTenantRoute<P extends RouteParams & { org: string }>(permission: Permission, handler: RouteHandler<P>) {
  const wrapped = async (req: Request, context: { params: Promise<P> }) => {
    try {
      assertSameOrigin(req);
      const params = await context.params;
      const userId = await getSessionUserId();
      if (!userId) throw unauthorized();
      const ctx = await resolveTenant(userId, params.org);
      requirePermission(ctx, permission);
      const result = await handler(req, ctx, params);
      return result instanceof Response ? result : jsonResponse(result);
    } catch (e) {
      return errorResponse(e);
    }
  };
  Object.assign(wrapped, { [TENANT_ROUTE]: { permission } });
  return wrapped;
}

export const TOKEN_ROUTE = Symbol.for("tollgate.tokenRoute");

type TokenRouteHandler<P extends RouteParams> = (req: Request, ctx: TenantContext & { tokenId: string }, params: P) => Promise<Response | unknown>;

/**
 * The gate for the public, token-authenticated API (`/api/v1/reports/…`, `/api/v1/exports/…`):
 * bearer token → its org → scope, once. The org comes from the token, never from the request,
 * so a token reads its own org only; rows are then looked up by `{id, orgId}` (404 otherwise).
 * No or bad token 401, a token without the permission 403.
 */
export function withTokenRoute<P extends RouteParams>(permission: Permission, handler: TokenRouteHandler<P>) {
  const wrapped = async (req: Request, context: { params: Promise<P> }) => {
    try {
      const params = await context.params;
      const ctx = await authenticateApiToken(req.headers.get("authorization"));
      requirePermission(ctx, permission);
      const result = await handler(req, ctx, params);
      return result instanceof Response ? result : jsonResponse(result);
    } catch (e) {
      return errorResponse(e);
    }
  };
  Object.assign(wrapped, { [TOKEN_ROUTE]: { permission } });
  return wrapped;
}

export type ActionResult<T> =
  | { ok: true; data: T }
  | { ok: false; status: number; error: string; fieldErrors?: Record<string, string> };

export const TENANT_ACTION = Symbol.for("tollgate.tenantAction");

function toFieldErrors(issues: Issue[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of issues) out[i.path || "_"] ??= i.message;
  return out;
}

/**
 * Where a parsed input holds text PostgreSQL can't store (a NUL byte, a lone UTF-16 surrogate),
 * wherever it is: an id or a name with one would otherwise reach a query and fail there (a 500).
 */
function unstorableText(v: unknown, path: string[] = []): Issue[] {
  if (typeof v === "string") return PG_TEXT.test(v) ? [] : [{ path: path.join("."), message: PG_TEXT_MESSAGE }];
  if (Array.isArray(v)) return v.flatMap((x, i) => unstorableText(x, [...path, String(i)]));
  if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.entries(v).flatMap(([k, x]) => unstorableText(x, [...path, k]));
  }
  return [];
}

/**
 * Builds a server action `(orgSlug, input) => ActionResult`. The input is parsed with the
 * same zod schema the form uses, so errors come back keyed by field for inline display.
 */
export function tenantAction<S extends z.ZodType, T>(
  permission: Permission,
  schema: S,
  fn: (ctx: TenantContext, input: z.infer<S>) => Promise<T>,
) {
  const action = async (orgSlug: string, input: unknown): Promise<ActionResult<T>> => {
    try {
      const userId = await getSessionUserId();
      if (!userId) throw unauthorized();
      if (typeof orgSlug !== "string") throw new AppError(404, "not_found", "Organization not found");
      const ctx = await resolveTenant(userId, orgSlug);
      requirePermission(ctx, permission);
      const parsed = schema.safeParse(input);
      if (!parsed.success) {
        const issues = zodIssues(parsed.error);
        return { ok: false, status: 400, error: issues[0]?.message ?? "Invalid input", fieldErrors: toFieldErrors(issues) };
      }
      const unstorable = unstorableText(parsed.data);
      if (unstorable.length) return { ok: false, status: 400, error: PG_TEXT_MESSAGE, fieldErrors: toFieldErrors(unstorable) };
      return { ok: true, data: await fn(ctx, parsed.data) };
    } catch (e) {
      if (e instanceof AppError) {
        return { ok: false, status: e.status, error: e.message, ...(e.issues ? { fieldErrors: toFieldErrors(e.issues) } : {}) };
      }
      console.error("[action] unhandled error", e);
      return { ok: false, status: 500, error: "Something went wrong. Try again." };
    }
  };
  // Metadata for the tenant-isolation test, which builds valid inputs from the schema.
  Object.assign(action, { [TENANT_ACTION]: { permission, schema } });
  return action;
}
