import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AppError } from "@/server/errors";
import { getPageContextWith } from "@/server/next/page-context";
import { getProjectTag } from "@/features/workspaces/server/project-tags";
import { Badge, PageHeader } from "@/components/ui/card";
import { EntitySpendCard } from "@/features/reports/components/entity-spend-card";

export const metadata: Metadata = { title: "Project tag · Tollgate" };

export default async function ProjectTagPage({ params }: { params: Promise<{ org: string; tagId: string }> }) {
  const { org, tagId } = await params;
  const ctx = await getPageContextWith(org, "workspaces:read");
  const t = await getProjectTag(ctx, tagId).catch((e: unknown) => {
    if (e instanceof AppError && e.status === 404) notFound();
    throw e;
  });
  const workspace = `/${ctx.orgSlug}/workspaces/${t.workspaceId}`;
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href={workspace} className="text-blue-700 hover:underline">
          ← {t.workspace.name}
        </Link>
      </p>
      <PageHeader
        title={`${t.workspace.name} / ${t.name}`}
        description={
          <>
            Slug <code className="rounded bg-gray-100 px-1">{t.slug}</code> {t.isDefault ? <Badge tone="blue">default</Badge> : null} · owner{" "}
            {t.owner ? (t.owner.name ?? t.owner.email) : "none"}
          </>
        }
      />
      <EntitySpendCard ctx={ctx} entity={{ param: "tag", id: t.id }} />
    </>
  );
}
