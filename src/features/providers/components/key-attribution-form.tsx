"use client";

import { useState } from "react";
import { InlineError } from "@/components/ui/field";
import { InlineSave } from "@/components/ui/inline-save";
import { useTenantAction } from "@/components/use-tenant-action";
import type { ActionResult } from "@/server/next/gate";
import type { KeyAttributionInput } from "../schemas";

export type TagOption = { id: string; workspaceId: string; label: string; isDefault: boolean };

/** Inline workspace + project tag picker for one tracked key (admins only). */
export function KeyAttributionForm({
  org,
  keyId,
  label,
  workspaceId,
  projectTagId,
  workspaces,
  tags,
  action,
}: {
  org: string;
  keyId: string;
  label: string;
  workspaceId: string | null;
  projectTagId: string | null;
  workspaces: { id: string; name: string }[];
  tags: TagOption[];
  action: (org: string, input: KeyAttributionInput) => Promise<ActionResult<unknown>>;
}) {
  const { run, pending, fieldErrors, error } = useTenantAction(action, org);
  // The default tag is the "" option (blank means "the workspace's default tag" on the server).
  const initialTag = tags.find((t) => t.id === projectTagId)?.isDefault ? "" : (projectTagId ?? "");
  const [ws, setWs] = useState(workspaceId ?? "");
  const [tag, setTag] = useState(initialTag);
  const [saved, setSaved] = useState(false);
  const dirty = ws !== (workspaceId ?? "") || tag !== initialTag;
  const wsTags = tags.filter((t) => t.workspaceId === ws);
  const message = fieldErrors.workspaceId ?? fieldErrors.projectTagId ?? error;

  return (
    <div className="space-y-1">
      <div className="flex flex-wrap items-center gap-2">
        <label className="sr-only" htmlFor={`key-${keyId}-ws`}>
          Workspace of {label}
        </label>
        <select
          id={`key-${keyId}-ws`}
          value={ws}
          onChange={(e) => {
            setWs(e.target.value);
            setTag("");
            setSaved(false);
          }}
          className="rounded-md border border-gray-300 bg-white px-2 py-1 text-sm"
        >
          <option value="">Unattributed</option>
          {workspaces.map((w) => (
            <option key={w.id} value={w.id}>
              {w.name}
            </option>
          ))}
        </select>
        <label className="sr-only" htmlFor={`key-${keyId}-tag`}>
          Project tag of {label}
        </label>
        <select
          id={`key-${keyId}-tag`}
          value={tag}
          disabled={!ws}
          onChange={(e) => {
            setTag(e.target.value);
            setSaved(false);
          }}
          className="rounded-md border border-gray-300 bg-white px-2 py-1 text-sm disabled:bg-gray-100"
        >
          <option value="">Default tag</option>
          {wsTags
            .filter((t) => !t.isDefault)
            .map((t) => (
              <option key={t.id} value={t.id}>
                {t.label}
              </option>
            ))}
        </select>
        <InlineSave pending={pending} dirty={dirty} saved={saved} onSave={() => void run({ keyId, workspaceId: ws || null, projectTagId: tag || null }, () => setSaved(true))} />
      </div>
      <InlineError message={message} />
    </div>
  );
}
