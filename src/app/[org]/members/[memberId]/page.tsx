import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AppError } from "@/server/errors";
import { getPageContextWith } from "@/server/next/page-context";
import { getMember } from "@/features/tenancy/server/members";
import { ROLE_LABELS } from "@/features/tenancy/schemas";
import { Badge, PageHeader } from "@/components/ui/card";
import { EntitySpendCard } from "@/features/reports/components/entity-spend-card";

export const metadata: Metadata = { title: "Member · Tollgate" };

export default async function MemberPage({ params }: { params: Promise<{ org: string; memberId: string }> }) {
  const { org, memberId } = await params;
  const ctx = await getPageContextWith(org, "members:read");
  const m = await getMember(ctx, memberId).catch((e: unknown) => {
    if (e instanceof AppError && e.status === 404) notFound();
    throw e;
  });
  const date = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: ctx.timeZone });
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href={`/${ctx.orgSlug}/members`} className="text-blue-700 hover:underline">
          ← Members
        </Link>
      </p>
      <PageHeader
        title={m.name ?? m.email}
        description={
          <>
            {m.name ? `${m.email} · ` : null}
            <Badge tone="gray">{ROLE_LABELS[m.role]}</Badge> · joined {date.format(m.joinedAt)}
          </>
        }
      />
      <EntitySpendCard ctx={ctx} entity={{ param: "member", id: m.userId }} />
    </>
  );
}
