import type { Metadata } from "next";
import Link from "next/link";
import { getPageContextWith } from "@/server/next/page-context";
import { AuditFilters, auditDiff, auditFacets, auditTargetLabel, auditTargetLabels, listAuditFiltered } from "@/features/audit/server/audit-view";
import { Card, EmptyState, PageHeader } from "@/components/ui/card";

export const metadata: Metadata = { title: "Audit log · Tollgate" };

const PAGE_SIZE = 50;

export default async function AuditPage({ params, searchParams }: { params: Promise<{ org: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { org } = await params;
  const ctx = await getPageContextWith(org, "audit:read");
  const f = AuditFilters.parse(await searchParams);
  // One extra row tells whether an older page exists. A cursor from another org finds nothing.
  const [rows, facets] = await Promise.all([listAuditFiltered(ctx, f, PAGE_SIZE + 1), auditFacets(ctx)]);
  const page = rows.slice(0, PAGE_SIZE);
  const next = rows.length > PAGE_SIZE ? page[page.length - 1]?.id : undefined;
  const labels = await auditTargetLabels(ctx, page);
  const fmt = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "medium", timeZone: ctx.timeZone });
  const base = `/${ctx.orgSlug}/audit`;
  const qs = (extra: Record<string, string | undefined>) => {
    const sp = new URLSearchParams();
    for (const [k, v] of Object.entries({ actor: f.actor, action: f.action, entity: f.entity, ...extra })) if (v) sp.set(k, v);
    const s = sp.toString();
    return s ? `?${s}` : "";
  };

  return (
    <>
      <PageHeader title="Audit log" description={`Every change to members, workspaces, connections, keys, budgets and settings, newest first. Times in ${ctx.timeZone}.`} />
      <Card>
        <form method="get" action={base} className="mb-4 flex flex-wrap items-end gap-2 text-sm" aria-label="Audit filters">
          <label className="flex flex-col">
            <span className="text-xs text-gray-600">Actor</span>
            <input name="actor" defaultValue={f.actor} placeholder="email contains…" className="rounded-md border border-gray-300 px-2 py-1" />
          </label>
          <label className="flex flex-col">
            <span className="text-xs text-gray-600">Action</span>
            <select name="action" defaultValue={f.action ?? ""} className="rounded-md border border-gray-300 px-2 py-1">
              <option value="">All actions</option>
              {facets.actions.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </label>
          <label className="flex flex-col">
            <span className="text-xs text-gray-600">Entity</span>
            <select name="entity" defaultValue={f.entity ?? ""} className="rounded-md border border-gray-300 px-2 py-1">
              <option value="">All entities</option>
              {facets.entities.map((e) => (
                <option key={e} value={e}>
                  {e.replace(/_/g, " ")}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="rounded-md bg-blue-700 px-3 py-1.5 font-medium text-white hover:bg-blue-800">
            Filter
          </button>
          {f.actor || f.action || f.entity ? (
            <Link href={base} className="pb-1 text-blue-700 hover:underline">
              Clear
            </Link>
          ) : null}
        </form>
        {page.length === 0 ? (
          <EmptyState title={f.cursor ? "No older entries" : "No audit entries match"}>
            {f.cursor ? (
              <Link href={`${base}${qs({})}`} className="text-blue-700 hover:underline">
                Back to the newest
              </Link>
            ) : (
              "Changes made in this organization will appear here."
            )}
          </EmptyState>
        ) : (
          <>
            <div className="hidden grid-cols-[12rem_1fr_14rem_14rem] gap-1 border-b border-gray-200 pb-1 text-xs font-medium uppercase text-gray-500 sm:grid" role="row">
              <span>When</span>
              <span>Action</span>
              <span>Actor</span>
              <span>Entity</span>
            </div>
            <ul className="divide-y divide-gray-100" aria-label="Audit entries">
              {page.map((e) => {
                const changes = auditDiff(e.before, e.after);
                const target = auditTargetLabel(labels, e);
                return (
                  <li key={e.id} className="py-2">
                    <details>
                      <summary className="grid cursor-pointer grid-cols-1 gap-1 text-sm sm:grid-cols-[12rem_1fr_14rem_14rem]">
                        <span className="text-gray-600">{fmt.format(e.createdAt)}</span>
                        <span className="text-gray-900">{e.action.replace(/[._]/g, " ")}</span>
                        <span className="break-words text-gray-800">{e.actorLabel}</span>
                        <span className="break-words text-gray-600">
                          {e.targetType.replace(/_/g, " ")} {target ? <span className="font-medium text-gray-800">{target}</span> : null}
                        </span>
                      </summary>
                      {changes.length === 0 ? (
                        <p className="mt-2 text-xs text-gray-500">No details recorded.</p>
                      ) : (
                        <table className="mt-2 w-full text-left text-xs">
                          <thead>
                            <tr className="text-gray-500">
                              <th className="py-1 pr-4 font-medium">Field</th>
                              <th className="py-1 pr-4 font-medium">Before</th>
                              <th className="py-1 font-medium">After</th>
                            </tr>
                          </thead>
                          <tbody>
                            {changes.map((c) => (
                              <tr key={c.field} className="align-top">
                                <td className="py-1 pr-4 text-gray-700">{c.field}</td>
                                <td className="break-all py-1 pr-4 text-red-800">{c.before}</td>
                                <td className="break-all py-1 text-green-800">{c.after}</td>
                              </tr>
                            ))}
                          </tbody>
                        </table>
                      )}
                    </details>
                  </li>
                );
              })}
            </ul>
          </>
        )}
        <nav className="mt-4 flex justify-between text-sm" aria-label="Audit pages">
          {f.cursor ? (
            <Link href={`${base}${qs({})}`} className="text-blue-700 hover:underline">
              ← Newest
            </Link>
          ) : (
            <span />
          )}
          {next ? (
            <Link href={`${base}${qs({ cursor: next })}`} className="text-blue-700 hover:underline">
              Older →
            </Link>
          ) : null}
        </nav>
      </Card>
    </>
  );
}
