/**
 * Organizations and workspaces in the fake OpenRouter (reference provider-updates-2026-12.md §2,
 * SDK `models/workspace.js`, `operations/listorganizationmembers.js`): `GET /workspaces`,
 * `GET /workspaces/{id-or-slug}`, `GET /workspaces/{id-or-slug}/members` and
 * `GET /organization/members`, all offset/limit paged with `total_count`.
 */
import type { FakeRequest, FakeResponse } from "@/providers/fake-http";
import type { FakeOpenRouterState, FakeWorkspace } from "./fake-state";
import { openRouterErrorBody } from "./fake-chat";

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const fail = (status: number, message: string): FakeResponse => ({ status, body: openRouterErrorBody(status, message) });

export function workspaceJson(w: FakeWorkspace) {
  return {
    id: w.id,
    name: w.name,
    slug: w.slug,
    description: w.description,
    created_at: iso(w.createdAt),
    updated_at: null,
    created_by: w.createdBy,
    default_guardrail_id: `${w.id.slice(0, 8)}-guard`,
    default_image_model: null,
    default_provider_sort: null,
    default_text_model: null,
    disabled_server_tools: null,
    include_byok_in_budgets: false,
    io_logging_api_key_ids: null,
    io_logging_sampling_rate: 1,
    is_data_discount_logging_enabled: false,
    is_observability_broadcast_enabled: false,
    is_observability_io_logging_enabled: false,
  };
}

/** `offset` (default 0) and `limit` (1–100, default 50), as the SDK sends them. */
function page<T>(items: T[], q: URLSearchParams, render: (t: T) => unknown): FakeResponse {
  const offsetRaw = q.get("offset") ?? "0";
  const limitRaw = q.get("limit") ?? "50";
  if (!/^\d+$/.test(offsetRaw)) return fail(400, "offset must be a non-negative integer");
  if (!/^\d+$/.test(limitRaw) || Number(limitRaw) < 1 || Number(limitRaw) > 100) return fail(400, "limit must be an integer between 1 and 100");
  const offset = Number(offsetRaw);
  return { status: 200, body: { data: items.slice(offset, offset + Number(limitRaw)).map(render), total_count: items.length } };
}

/** Routes of this module, or null when the path is not one of them. Management auth is checked by the caller. */
export function handleOrg(state: FakeOpenRouterState, req: FakeRequest): FakeResponse | null {
  const { method, path, query } = req;
  if (method === "GET" && path === "/workspaces") {
    const all = [...state.workspaces.values()].sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    return page(all, query, workspaceJson);
  }
  const ws = /^\/workspaces\/([^/]+)(\/members)?$/.exec(path);
  if (method === "GET" && ws) {
    const w = state.workspace(decodeURIComponent(ws[1]!));
    if (!w) return fail(404, "Workspace not found");
    if (!ws[2]) return { status: 200, body: { data: workspaceJson(w) } };
    // "For the default workspace, returns all organization members (implicit membership)": the fake
    // gives every member implicit membership in every workspace, which is what admins see.
    const members = [...state.members.values()];
    return page(members, query, (m) => ({ id: `${w.id.slice(0, 8)}-${m.id}`, workspace_id: w.id, user_id: m.id, role: m.role === "org:admin" ? "admin" : "member", created_at: iso(w.createdAt) }));
  }
  if (method === "GET" && path === "/organization/members") {
    // Unconfirmed what an individual account gets; the fake answers as for an empty organization.
    const members = state.organizationId ? [...state.members.values()] : [];
    return page(members, query, (m) => ({ id: m.id, email: m.email, first_name: m.firstName, last_name: m.lastName, role: m.role }));
  }
  return null;
}
