"use client";

import { useState } from "react";
import { Badge } from "@/components/ui/card";
import { Button } from "@/components/ui/button";
import { InlineError } from "@/components/ui/field";
import { useTenantAction } from "@/components/use-tenant-action";
import type { ActionResult } from "@/server/next/gate";
import type { ProviderWorkspaceMapInput } from "../schemas";
import type { WorkspaceOption } from "./create-connection-form";

export type OpenRouterWorkspaceRow = {
  id: string;
  name: string;
  slug: string;
  gone: boolean;
  workspaceId: string | null;
  workspaceName: string | null;
  keys: number;
  /** Display strings, formatted on the server. */
  lastReconciled: { day: string; provider: string; tollgate: string; drift: string; off: boolean } | null;
};

export type OpenRouterAccountSection = {
  connectionId: string;
  connectionName: string;
  accountType: string | null;
  members: { total: number; matched: number };
  workspaces: OpenRouterWorkspaceRow[];
};

type MapAction = (org: string, input: ProviderWorkspaceMapInput) => Promise<ActionResult<unknown>>;

function MapForm({ org, connectionId, row, workspaces, action }: { org: string; connectionId: string; row: OpenRouterWorkspaceRow; workspaces: WorkspaceOption[]; action: MapAction }) {
  const { run, pending, fieldErrors, error } = useTenantAction(action, org);
  const [target, setTarget] = useState(row.workspaceId ?? "");
  return (
    <span className="inline-flex flex-wrap items-center gap-2">
      <label className="sr-only" htmlFor={`map-${row.id}`}>
        Tollgate workspace for {row.name}
      </label>
      <select id={`map-${row.id}`} value={target} onChange={(e) => setTarget(e.target.value)} className="rounded-md border border-gray-300 bg-white px-2 py-1 text-sm">
        <option value="">Not mapped</option>
        <option value="create">Create “{row.name}”</option>
        {workspaces.map((w) => (
          <option key={w.id} value={w.id}>
            {w.name}
          </option>
        ))}
      </select>
      <Button variant="secondary" pending={pending} disabled={target === (row.workspaceId ?? "")} onClick={() => void run({ connectionId, providerWorkspaceId: row.id, target: target || null })}>
        Map
      </Button>
      <InlineError as="span" message={fieldErrors.target ?? error} />
    </span>
  );
}

/** One OpenRouter connection's account type, its workspaces, where each maps, and the last per-workspace reconciliation. */
export function OpenRouterWorkspaces({ org, section, workspaces, canWrite, action }: { org: string; section: OpenRouterAccountSection; workspaces: WorkspaceOption[]; canWrite: boolean; action: MapAction }) {
  const s = section;
  return (
    <div className="space-y-3">
      <p className="text-sm text-gray-700">
        Account: <Badge tone={s.accountType === "organization" ? "blue" : "gray"}>{s.accountType ?? "not polled yet"}</Badge>
        {s.accountType === "organization" ? (
          <span className="ml-2 text-xs text-gray-600">
            {s.members.matched} of {s.members.total} OpenRouter members matched to Tollgate members by email
          </span>
        ) : null}
      </p>
      {s.workspaces.length === 0 ? (
        <p className="text-sm text-gray-600">No OpenRouter workspaces seen yet. They appear after the next poll.</p>
      ) : (
        <table className="w-full text-left text-sm">
          <thead className="text-xs uppercase text-gray-500">
            <tr>
              <th className="py-1">OpenRouter workspace</th>
              <th className="py-1">Keys</th>
              <th className="py-1">Maps to</th>
              <th className="py-1">Last reconciled day (OpenRouter / Tollgate)</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-gray-100">
            {s.workspaces.map((w) => (
              <tr key={w.id}>
                <td className="py-2">
                  {w.name} <span className="text-xs text-gray-500">{w.slug}</span> {w.gone ? <Badge tone="amber">gone</Badge> : null}
                </td>
                <td className="py-2">{w.keys}</td>
                <td className="py-2">
                  {canWrite ? <MapForm org={org} connectionId={s.connectionId} row={w} workspaces={workspaces} action={action} /> : (w.workspaceName ?? <Badge tone="amber">not mapped</Badge>)}
                </td>
                <td className="py-2">
                  {w.lastReconciled ? (
                    <span>
                      {w.lastReconciled.day}: {w.lastReconciled.provider} / {w.lastReconciled.tollgate}{" "}
                      <Badge tone={w.lastReconciled.off ? "amber" : "green"}>drift {w.lastReconciled.drift}</Badge>
                    </span>
                  ) : (
                    <span className="text-xs text-gray-500">not yet</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
