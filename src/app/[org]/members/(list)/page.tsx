import type { Metadata } from "next";
import { getPageContextWith } from "@/server/next/page-context";
import { assignableRoles } from "@/server/rbac";
import { listMembers } from "@/features/tenancy/server/members";
import { listInvitations } from "@/features/tenancy/server/invitations";
import { Card, PageHeader } from "@/components/ui/card";
import { MembersTable } from "@/features/tenancy/components/members-table";
import { spendByDimension } from "@/features/reports/server/entity-spend";
import { formatUsd } from "@/lib/money";
import { InviteForm } from "@/features/tenancy/components/invite-form";
import { InvitationsTable, type InvitationView } from "@/features/tenancy/components/invitations-table";
import {
  changeMemberRoleAction,
  inviteMemberAction,
  removeMemberAction,
  resendInvitationAction,
  revokeInvitationAction,
} from "../actions";

export const metadata: Metadata = { title: "Members · Tollgate" };

export default async function MembersPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const ctx = await getPageContextWith(org, "members:read");
  const [members, invitations, spend] = await Promise.all([
    listMembers(ctx),
    listInvitations(ctx),
    ctx.permissions.has("reports:read") ? spendByDimension(ctx, "member") : Promise.resolve(null),
  ]);
  const canWrite = ctx.permissions.has("members:write");
  const assignable = ctx.role === "system" ? [] : assignableRoles(ctx.role);
  const date = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: ctx.timeZone });

  const memberViews = members.map((m) => ({ id: m.id, userId: m.userId, email: m.email, name: m.name, role: m.role, joined: date.format(m.joinedAt),
    isYou: m.userId === ctx.userId,
    ...(spend ? { spend: { label: formatUsd(spend.get(m.userId) ?? 0n), href: `/${ctx.orgSlug}/reports?member=${m.userId}` } } : {}),
  }));
  const invitationViews: InvitationView[] = invitations
    .filter((i): i is typeof i & { status: "pending" | "expired" } => i.status === "pending" || i.status === "expired")
    .map((i) => ({ id: i.id, email: i.email, role: i.role, status: i.status, expires: date.format(i.expiresAt), invitedBy: i.invitedBy }));

  return (
    <>
      <PageHeader
        title="Members"
        description={canWrite ? "Invite teammates, change roles and remove access." : "People in this organization. Only admins and owners can change membership."}
      />
      <div className="space-y-6">
        {canWrite ? (
          <Card title="Invite a member">
            <InviteForm org={ctx.orgSlug} assignable={assignable} action={inviteMemberAction} />
          </Card>
        ) : null}
        <Card title={`Members (${memberViews.length})`}>
          <MembersTable
            org={ctx.orgSlug}
            members={memberViews}
            canWrite={canWrite}
            assignable={assignable}
            actions={{ changeRole: changeMemberRoleAction, remove: removeMemberAction }}
          />
        </Card>
        <Card title="Pending invitations">
          <InvitationsTable
            org={ctx.orgSlug}
            invitations={invitationViews}
            canWrite={canWrite}
            actions={{ resend: resendInvitationAction, revoke: revokeInvitationAction }}
          />
        </Card>
      </div>
    </>
  );
}
