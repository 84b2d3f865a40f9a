"use client";

import { useState } from "react";
import { InlineError } from "@/components/ui/field";
import { InlineSave } from "@/components/ui/inline-save";
import { useTenantAction } from "@/components/use-tenant-action";
import type { ActionResult } from "@/server/next/gate";
import type { KeyMemberInput } from "../schemas";

/** Inline member picker for one tracked key (admins only); "No member" clears it. */
export function KeyMemberForm({
  org,
  keyId,
  label,
  memberUserId,
  members,
  action,
}: {
  org: string;
  keyId: string;
  label: string;
  memberUserId: string | null;
  members: { userId: string; email: string }[];
  action: (org: string, input: KeyMemberInput) => Promise<ActionResult<unknown>>;
}) {
  const { run, pending, fieldErrors, error } = useTenantAction(action, org);
  const [member, setMember] = useState(memberUserId ?? "");
  const [saved, setSaved] = useState(false);
  const dirty = member !== (memberUserId ?? "");

  return (
    <div className="space-y-1">
      <div className="flex flex-wrap items-center gap-2">
        <label className="sr-only" htmlFor={`key-${keyId}-member`}>
          Member of {label}
        </label>
        <select
          id={`key-${keyId}-member`}
          value={member}
          onChange={(e) => {
            setMember(e.target.value);
            setSaved(false);
          }}
          className="rounded-md border border-gray-300 bg-white px-2 py-1 text-sm"
        >
          <option value="">No member</option>
          {members.map((m) => (
            <option key={m.userId} value={m.userId}>
              {m.email}
            </option>
          ))}
        </select>
        <InlineSave pending={pending} dirty={dirty} saved={saved} onSave={() => void run({ keyId, memberUserId: member || null }, () => setSaved(true))} />
      </div>
      <InlineError message={fieldErrors.memberUserId ?? error} />
    </div>
  );
}
