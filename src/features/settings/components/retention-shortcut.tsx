"use client";

import { useState } from "react";
import { InlineError } from "@/components/ui/field";
import { InlineSave } from "@/components/ui/inline-save";
import { useTenantAction } from "@/components/use-tenant-action";
import type { ActionResult } from "@/server/next/gate";
import { RETENTION_DAYS, type WorkspaceRetentionInput } from "@/features/workspaces/schemas";

/** One row per workspace: change its raw-event retention without leaving settings. */
export function RetentionRow({
  org,
  workspace,
  action,
}: {
  org: string;
  workspace: { id: string; name: string; retentionDays: number };
  action: (org: string, input: WorkspaceRetentionInput) => Promise<ActionResult<unknown>>;
}) {
  const { run, pending, error, fieldErrors } = useTenantAction(action, org);
  const [value, setValue] = useState(String(workspace.retentionDays));
  const [saved, setSaved] = useState(false);
  const dirty = value !== String(workspace.retentionDays);
  return (
    <div className="flex flex-wrap items-center gap-2">
      <label className="sr-only" htmlFor={`retention-${workspace.id}`}>
        Raw-event retention of {workspace.name}
      </label>
      <select
        id={`retention-${workspace.id}`}
        value={value}
        onChange={(e) => {
          setValue(e.target.value);
          setSaved(false);
        }}
        className="rounded-md border border-gray-300 bg-white px-2 py-1 text-sm"
      >
        {RETENTION_DAYS.map((d) => (
          <option key={d} value={String(d)}>
            {d} days
          </option>
        ))}
      </select>
      <InlineSave pending={pending} dirty={dirty} saved={saved} onSave={() => void run({ workspaceId: workspace.id, retentionDays: Number(value) as 30 | 90 }, () => setSaved(true))} />
      <InlineError as="span" message={fieldErrors.retentionDays ?? error} />
    </div>
  );
}
