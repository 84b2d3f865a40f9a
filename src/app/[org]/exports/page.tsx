import type { Metadata } from "next";
import { getPageContextWith } from "@/server/next/page-context";
import { defaultExportRange, listExports } from "@/features/exports/server/exports";
import { Badge, Card, EmptyState, PageHeader, Table } from "@/components/ui/card";
import { ExportForm, RefreshWhileRunning } from "@/features/exports/components/export-form";
import { createExportAction } from "./actions";

export const metadata: Metadata = { title: "Exports · Tollgate" };

const TONE = { done: "green", queued: "amber", running: "blue", failed: "red" } as const;

function size(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : bytes < 1 << 20 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / (1 << 20)).toFixed(1)} MiB`;
}

export default async function ExportsPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const ctx = await getPageContextWith(org, "reports:read");
  const exports = await listExports(ctx);
  const range = defaultExportRange(ctx.timeZone);
  const fmt = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: ctx.timeZone });
  const running = exports.some((e) => e.status === "queued" || e.status === "running");

  return (
    <>
      <PageHeader title="Exports" description={`CSV, JSON or NDJSON of any range (dates are local midnight in ${ctx.timeZone}). Files are kept 7 days. The column set is documented in the API reference.`} />
      <RefreshWhileRunning running={running} />
      <div className="space-y-6">
        <Card title="New export">
          <ExportForm org={ctx.orgSlug} defaultFrom={range.from} defaultTo={range.to} action={createExportAction} />
        </Card>
        <Card title="Recent exports">
          <Table
            head={["Started", "Shape", "Range", "Status", "Rows", "Size", "Expires", ""]}
            empty={<EmptyState title="No exports in the last 7 days" />}
            rows={exports.map((e) => {
              const q = e.query as { from?: string; to?: string; bucket?: string; group_by?: string[] };
              return [
                fmt.format(new Date(e.createdAt)),
                `${e.shape} · ${e.format}${q.bucket ? ` · ${q.bucket}` : ""}${q.group_by?.length ? ` × ${q.group_by.join(", ")}` : ""}`,
                `${q.from} → ${q.to}`,
                <span key="s" className="flex items-center gap-2">
                  <Badge tone={TONE[e.status as keyof typeof TONE] ?? "gray"}>{e.status}</Badge>
                  {e.status === "running" ? <progress max={100} value={e.progress} aria-label="Export progress" className="h-2 w-24" /> : null}
                  {e.error ? <span className="text-xs text-red-600">{e.error}</span> : null}
                </span>,
                e.rows.toLocaleString("en"),
                size(e.bytes),
                fmt.format(new Date(e.expiresAt)),
                e.status === "done" ? (
                  <a key="d" className="text-blue-700 hover:underline" href={`/api/v1/orgs/${ctx.orgSlug}/exports/${e.id}/download`}>
                    Download
                  </a>
                ) : null,
              ];
            })}
          />
        </Card>
      </div>
    </>
  );
}
