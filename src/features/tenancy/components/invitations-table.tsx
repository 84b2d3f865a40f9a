"use client";

import { useState } from "react";
import { Badge, EmptyState, Table } from "@/components/ui/card";
import { Button } from "@/components/ui/button";
import { InlineError } from "@/components/ui/field";
import { useTenantAction } from "@/components/use-tenant-action";
import type { ActionResult } from "@/server/next/gate";
import { ROLE_LABELS, type InvitationIdInput, type RoleInput } from "../schemas";

export type InvitationView = { id: string; email: string; role: RoleInput; status: "pending" | "expired"; expires: string; invitedBy: string | null };

type Act = (org: string, input: InvitationIdInput) => Promise<ActionResult<unknown>>;

function InvitationActions({ org, inv, resend, revoke }: { org: string; inv: InvitationView; resend: Act; revoke: Act }) {
  const r1 = useTenantAction(resend, org);
  const r2 = useTenantAction(revoke, org);
  const [resent, setResent] = useState(false);
  const error = r1.error ?? r2.error;
  return (
    <div className="flex flex-col items-end gap-1">
      <div className="flex gap-2">
        <Button variant="secondary" pending={r1.pending} disabled={r2.pending} onClick={() => void r1.run({ invitationId: inv.id }, () => setResent(true))}>
          {resent ? "Sent again" : "Resend"}
        </Button>
        <Button variant="ghost" pending={r2.pending} disabled={r1.pending} onClick={() => void r2.run({ invitationId: inv.id })}>
          Revoke
        </Button>
      </div>
      <InlineError message={error} />
    </div>
  );
}

export function InvitationsTable({ org, invitations, canWrite, actions }: { org: string; invitations: InvitationView[]; canWrite: boolean; actions: { resend: Act; revoke: Act } }) {
  if (invitations.length === 0) {
    return <EmptyState title="No pending invitations">{canWrite ? "Invite a teammate by email above." : "Admins can invite teammates by email."}</EmptyState>;
  }
  const head = ["Email", "Role", "Status", "Expires", "Invited by", ...(canWrite ? [<span key="a" className="sr-only">Actions</span>] : [])];
  const rows = invitations.map((i) => [
    <span key="e" className="font-medium text-gray-900">
      {i.email}
    </span>,
    ROLE_LABELS[i.role],
    <Badge key="s" tone={i.status === "pending" ? "green" : "red"}>
      {i.status}
    </Badge>,
    <span key="x" className="text-gray-600">
      {i.expires}
    </span>,
    <span key="b" className="text-gray-600">
      {i.invitedBy ?? "—"}
    </span>,
    ...(canWrite ? [<InvitationActions key="a" org={org} inv={i} resend={actions.resend} revoke={actions.revoke} />] : []),
  ]);
  return <Table head={head} rows={rows} />;
}
