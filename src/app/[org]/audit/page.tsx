import type { Metadata } from "next";
import Link from "next/link";
import { getPageContextWith } from "@/server/next/page-context";
import { listAudit } from "@/features/audit/server/audit";
import { Card, EmptyState, PageHeader } from "@/components/ui/card";

export const metadata: Metadata = { title: "Audit log · Tollgate" };

const PAGE_SIZE = 50;

function Json({ label, value }: { label: string; value: unknown }) {
  if (value === null || value === undefined) return null;
  return (
    <div className="min-w-0 flex-1">
      <p className="mb-1 text-xs font-medium text-gray-600">{label}</p>
      <pre className="overflow-x-auto rounded bg-gray-50 p-2 font-mono text-xs text-gray-800">{JSON.stringify(value, null, 2)}</pre>
    </div>
  );
}

export default async function AuditPage({ params, searchParams }: { params: Promise<{ org: string }>; searchParams: Promise<{ cursor?: string | string[] }> }) {
  const { org } = await params;
  const { cursor: rawCursor } = await searchParams;
  const cursor = typeof rawCursor === "string" && /^[a-z0-9]{1,64}$/i.test(rawCursor) ? rawCursor : undefined;
  const ctx = await getPageContextWith(org, "audit:read");
  // One extra row tells whether an older page exists. A cursor from another org finds nothing.
  const rows = await listAudit(ctx, { take: PAGE_SIZE + 1, cursor });
  const page = rows.slice(0, PAGE_SIZE);
  const next = rows.length > PAGE_SIZE ? page[page.length - 1]?.id : undefined;
  const fmt = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "medium", timeZone: ctx.timeZone });
  const base = `/${ctx.orgSlug}/audit`;

  return (
    <>
      <PageHeader title="Audit log" description={`Every change to members, workspaces, connections, keys, budgets and settings, newest first. Times in ${ctx.timeZone}.`} />
      <Card>
        {page.length === 0 ? (
          <EmptyState title={cursor ? "No older entries" : "No audit entries yet"}>
            {cursor ? (
              <Link href={base} className="text-blue-700 hover:underline">
                Back to the newest
              </Link>
            ) : (
              "Changes made in this organization will appear here."
            )}
          </EmptyState>
        ) : (
          <ul className="divide-y divide-gray-100" aria-label="Audit entries">
            {page.map((e) => (
              <li key={e.id} className="py-2">
                <details>
                  <summary className="grid cursor-pointer grid-cols-1 gap-1 text-sm sm:grid-cols-[12rem_1fr_14rem_12rem]">
                    <span className="text-gray-600">{fmt.format(e.createdAt)}</span>
                    <span className="font-mono text-xs text-gray-900 sm:text-sm">{e.action}</span>
                    <span className="truncate text-gray-800" title={e.actorLabel}>
                      {e.actorLabel}
                    </span>
                    <span className="truncate text-gray-600" title={e.targetId ?? undefined}>
                      {e.targetType}
                      {e.targetId ? <span className="font-mono text-xs"> {e.targetId.slice(0, 10)}…</span> : null}
                    </span>
                  </summary>
                  <div className="mt-2 flex flex-col gap-3 md:flex-row">
                    <Json label="Before" value={e.before} />
                    <Json label="After" value={e.after} />
                    {e.before === null && e.after === null ? <p className="text-xs text-gray-500">No details recorded.</p> : null}
                  </div>
                </details>
              </li>
            ))}
          </ul>
        )}
        <nav className="mt-4 flex justify-between text-sm" aria-label="Audit pages">
          {cursor ? (
            <Link href={base} className="text-blue-700 hover:underline">
              ← Newest
            </Link>
          ) : (
            <span />
          )}
          {next ? (
            <Link href={`${base}?cursor=${next}`} className="text-blue-700 hover:underline">
              Older →
            </Link>
          ) : null}
        </nav>
      </Card>
    </>
  );
}
