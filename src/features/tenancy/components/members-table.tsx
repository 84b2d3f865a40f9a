"use client";

import Link from "next/link";
import { Badge, Table } from "@/components/ui/card";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { InlineError } from "@/components/ui/field";
import { useTenantAction } from "@/components/use-tenant-action";
import type { ActionResult } from "@/server/next/gate";
import { ROLE_LABELS, type ChangeRoleInput, type MembershipIdInput, type RoleInput } from "../schemas";

export type MemberView = { id: string; userId: string; email: string; name: string | null; role: RoleInput; joined: string; isYou: boolean; spend?: { label: string; href: string } };

type Actions = {
  changeRole: (org: string, input: ChangeRoleInput) => Promise<ActionResult<unknown>>;
  remove: (org: string, input: MembershipIdInput) => Promise<ActionResult<unknown>>;
};

const ROLE_TONE = { owner: "blue", admin: "amber", member: "gray", viewer: "gray" } as const;

function RoleCell({ org, member, assignable, locked, action }: { org: string; member: MemberView; assignable: RoleInput[]; locked: string | null; action: Actions["changeRole"] }) {
  const { run, pending, error } = useTenantAction(action, org);
  const manageable = assignable.includes(member.role) && !locked;
  if (!manageable) {
    return (
      <span title={locked ?? undefined}>
        <Badge tone={ROLE_TONE[member.role]}>{ROLE_LABELS[member.role]}</Badge>
      </span>
    );
  }
  return (
    <div>
      <label className="sr-only" htmlFor={`role-${member.id}`}>
        Role of {member.email}
      </label>
      <select
        id={`role-${member.id}`}
        value={member.role}
        disabled={pending}
        onChange={(e) => void run({ membershipId: member.id, role: e.target.value as RoleInput })}
        className="rounded-md border border-gray-300 bg-white px-2 py-1 text-sm"
      >
        {assignable.map((r) => (
          <option key={r} value={r}>
            {ROLE_LABELS[r]}
          </option>
        ))}
      </select>
      <InlineError className="mt-1" message={error} />
    </div>
  );
}

function RemoveCell({ org, member, action }: { org: string; member: MemberView; action: Actions["remove"] }) {
  const { run, pending, error } = useTenantAction(action, org);
  const verb = member.isYou ? "Leave" : "Remove";
  return (
    <ConfirmButton
      label={verb}
      confirmLabel={
        <>
          {verb} {member.email}
        </>
      }
      pending={pending}
      error={error}
      onConfirm={(close) => void run({ membershipId: member.id }, close)}
    />
  );
}

export function MembersTable({ org, members, canWrite, assignable, actions }: { org: string; members: MemberView[]; canWrite: boolean; assignable: RoleInput[]; actions: Actions }) {
  const owners = members.filter((m) => m.role === "owner").length;
  const lastOwner = (m: MemberView) => (m.role === "owner" && owners <= 1 ? "The last owner can't be demoted or removed" : null);
  const withSpend = members.some((m) => m.spend);
  const head = ["Member", "Role", "Joined", ...(withSpend ? ["Spend (30 d)"] : []), ...(canWrite ? [<span key="a" className="sr-only">Actions</span>] : [])];
  const rows = members.map((m) => [
    <div key="who">
      <div className="font-medium text-gray-900">
        <Link href={`/${org}/members/${m.userId}`} className="text-blue-700 hover:underline">
          {m.name ?? m.email}
        </Link>{" "}
        {m.isYou ? <span className="text-xs font-normal text-gray-500">(you)</span> : null}
      </div>
      {m.name ? <div className="text-xs text-gray-500">{m.email}</div> : null}
    </div>,
    canWrite ? (
      <RoleCell key="role" org={org} member={m} assignable={assignable} locked={lastOwner(m)} action={actions.changeRole} />
    ) : (
      <Badge key="role" tone={ROLE_TONE[m.role]}>
        {ROLE_LABELS[m.role]}
      </Badge>
    ),
    <span key="joined" className="text-gray-600">
      {m.joined}
    </span>,
    ...(withSpend
      ? [
          m.spend ? (
            <a key="spend" href={m.spend.href} className="whitespace-nowrap text-blue-700 hover:underline">
              {m.spend.label}
            </a>
          ) : (
            <span key="spend" />
          ),
        ]
      : []),
    ...(canWrite
      ? [assignable.includes(m.role) && !lastOwner(m) ? <RemoveCell key="rm" org={org} member={m} action={actions.remove} /> : <span key="rm" />]
      : []),
  ]);
  return <Table head={head} rows={rows} />;
}
