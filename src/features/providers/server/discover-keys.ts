/**
 * Key discovery across every OpenRouter workspace (reference provider-updates-2026-12.md §2):
 * `GET /keys` alone lists only the Default workspace's keys, so an organization that uses
 * workspaces would have keys Tollgate never sees and can never pause. The official audit recipe
 * is followed instead: page `GET /workspaces`, then page `GET /keys?workspace_id=…` for each.
 * `GET /key` on the management key tells a personal account (`organization_id` null) from an
 * organization; only organizations have `/organization/members`.
 */
import { ProviderError } from "@/providers/errors";
import type { OpenRouterClient, OpenRouterKey, OpenRouterOrgMember, OpenRouterWorkspace } from "@/providers/openrouter/client";

export type OpenRouterAccount = {
  accountType: "personal" | "organization";
  providerOrgId: string | null;
  /** Empty when the account answers 404 to `/workspaces` (then only the Default workspace's keys are known). */
  workspaces: OpenRouterWorkspace[];
  /** Every key once, with `workspace_id` set to the workspace it was listed under when the key lacks it. */
  keys: OpenRouterKey[];
  members: OpenRouterOrgMember[];
};

const notFound = (e: unknown) => e instanceof ProviderError && e.status === 404;

export async function discoverOpenRouterAccount(client: OpenRouterClient): Promise<OpenRouterAccount> {
  const me = await client.getCurrentKey();
  const providerOrgId = me.organization_id ?? null;
  let workspaces: OpenRouterWorkspace[] = [];
  try {
    workspaces = await client.listWorkspaces();
  } catch (e) {
    // Accounts (or compatible gateways) without the workspaces API still have their Default keys.
    if (!notFound(e)) throw e;
  }
  const keys: OpenRouterKey[] = [];
  const seen = new Set<string>();
  const add = (list: OpenRouterKey[], workspaceId: string | null) => {
    for (const k of list) {
      // A key moved while we paged could be listed twice; the first listing wins.
      if (seen.has(k.hash)) continue;
      seen.add(k.hash);
      keys.push({ ...k, workspace_id: k.workspace_id ?? workspaceId });
    }
  };
  if (workspaces.length === 0) add(await client.listKeys({ includeDisabled: true }), null);
  for (const ws of workspaces) add(await client.listKeys({ includeDisabled: true, workspaceId: ws.id }), ws.id);
  const members = providerOrgId ? await client.listOrganizationMembers() : [];
  return { accountType: providerOrgId ? "organization" : "personal", providerOrgId, workspaces, keys, members };
}
