import Link from "next/link";
import type { ReactNode } from "react";
import { Card, Table } from "@/components/ui/card";
import { formatUsd } from "@/lib/money";
import { modelFamily } from "@/lib/model-family";
import { NONE } from "@/features/usage/schemas";
import type { UsageEventRow } from "@/features/usage/server/events";
import type { Report, Slice } from "../server/report";

const n = (v: bigint) => v.toLocaleString("en-US");
const ms = (v: number | null | undefined) => (v === null || v === undefined ? "—" : `${Math.round(v).toLocaleString("en-US")} ms`);
const rate = (part: bigint, whole: bigint) => (whole > 0n ? `${(Number((part * 10_000n) / whole) / 100).toFixed(2)} %` : "—");
const SHOWN = 10;

/** Rows beyond the first ten fold into "Show all" (a <details>, no client code needed). */
function Expandable({ head, rows, empty }: { head: ReactNode[]; rows: ReactNode[][]; empty: string }) {
  if (rows.length <= SHOWN) return <Table head={head} rows={rows} empty={<p className="text-sm text-gray-500">{empty}</p>} />;
  return (
    <>
      <Table head={head} rows={rows.slice(0, SHOWN)} />
      <details className="mt-2">
        <summary className="cursor-pointer text-sm text-blue-700">Show all {rows.length}</summary>
        <Table head={head} rows={rows.slice(SHOWN)} />
      </details>
    </>
  );
}

/** A link that narrows the report to this value (drill-down), unless it is "none". */
function Drill({ value, label, href }: { value: string; label: string; href: (v: string) => string }) {
  if (value === NONE) return <span className="text-gray-500">{label}</span>;
  return (
    <Link href={href(value)} className="text-blue-700 hover:underline">
      {label}
    </Link>
  );
}

export function SliceCard({ title, rows, href }: { title: string; rows: Slice[]; href?: (v: string) => string }) {
  return (
    <Card title={title}>
      <Expandable
        head={["", "Cost", "Requests", "Tokens"]}
        rows={rows.map((r) => [href ? <Drill key="l" value={r.value} label={r.label} href={href} /> : r.label, formatUsd(r.costMicros), n(r.requests), n(r.tokens)])}
        empty="No usage in this range."
      />
    </Card>
  );
}

/** Models grouped under their family (dated versions expand beneath it). */
export function ModelsCard({ rows, href }: { rows: Report["models"]; href: (v: string) => string }) {
  const families = new Map<string, Report["models"]>();
  for (const r of rows) {
    const f = `${r.provider} · ${modelFamily(r.value)}`;
    families.set(f, [...(families.get(f) ?? []), r]);
  }
  const sum = (xs: Report["models"], k: "costMicros" | "requests" | "tokens") => xs.reduce((a, x) => a + x[k], 0n);
  const out: ReactNode[][] = [];
  for (const [family, versions] of families) {
    const single = versions.length === 1 && versions[0]!.value === family.split(" · ")[1];
    const name = single ? (
      <Drill value={versions[0]!.value} label={family} href={href} />
    ) : (
      <details>
        <summary className="cursor-pointer">
          {family} <span className="text-xs text-gray-500">({versions.length} versions)</span>
        </summary>
        <ul className="ml-4 mt-1 space-y-1 text-xs">
          {versions.map((v) => (
            <li key={v.value}>
              <Drill value={v.value} label={v.value} href={href} /> — {formatUsd(v.costMicros)}, {n(v.requests)} req
            </li>
          ))}
        </ul>
      </details>
    );
    out.push([name, formatUsd(sum(versions, "costMicros")), n(sum(versions, "requests")), n(sum(versions, "tokens"))]);
  }
  return (
    <Card title="Cost by model">
      <Expandable head={["Model", "Cost", "Requests", "Tokens"]} rows={out} empty="No usage in this range." />
    </Card>
  );
}

/** Route quality: cost per 1k tokens beside error rate and p95, per provider and model. */
export function RouteQualityCard({ rows, href }: { rows: Report["models"]; href: (v: string) => string }) {
  const per1k = (r: Slice) => (r.tokens > 0n ? formatUsd((r.costMicros * 1000n) / r.tokens) : "—");
  const sorted = [...rows].sort((a, b) => (a.tokens > 0n && b.tokens > 0n ? Number((a.costMicros * 1_000_000n) / a.tokens - (b.costMicros * 1_000_000n) / b.tokens) : 0));
  return (
    <Card title="Route quality against cost">
      <Expandable
        head={["Provider · model", "Cost / 1k tokens", "Error rate", "p95 latency"]}
        rows={sorted.map((r) => [<Drill key="m" value={r.value} label={`${r.provider} · ${r.value}`} href={href} />, per1k(r), rate(r.errors, r.requests), ms(r.p95)])}
        empty="No usage in this range."
      />
      <p className="mt-2 text-xs text-gray-500">Cheapest first: a cheaper route with the same error rate and latency is the one to prefer.</p>
    </Card>
  );
}

export function LatencyCard({ rows, href }: { rows: Report["latency"]; href: (v: string) => string }) {
  return (
    <Card title="Request duration by model">
      <Expandable
        head={["Model", "p50", "p95", "p99"]}
        rows={rows.map((r) => [<Drill key="m" value={r.dims.model!} label={r.dims.model!} href={href} />, ms(r.p50), ms(r.p95), ms(r.p99)])}
        empty="No latency recorded in this range."
      />
      <p className="mt-2 text-xs text-gray-500">From rollup histograms: within ±11.3 % of the exact percentile.</p>
    </Card>
  );
}

export function ErrorRecordsCard({ rows, label }: { rows: UsageEventRow[]; label: (dim: "member" | "key", id: string | null) => string }) {
  return (
    <Card title="Error records (newest first)">
      {rows.length === 0 ? (
        <p className="text-sm text-gray-500">No errors in this range.</p>
      ) : (
        <ul className="divide-y divide-gray-100 text-sm">
          {rows.map((e) => (
            <li key={e.id} className="py-2">
              <details>
                <summary className="cursor-pointer">
                  <span className="font-mono text-xs text-gray-500">{e.occurredAt.toISOString().replace("T", " ").slice(0, 19)}</span> · {e.status} ·{" "}
                  {e.provider} · {e.model} {e.errorType ? `· ${e.errorType}` : ""}
                </summary>
                <dl className="mt-2 grid grid-cols-2 gap-x-4 gap-y-1 text-xs sm:grid-cols-4">
                  <dt className="text-gray-500">Model</dt>
                  <dd>{e.model}</dd>
                  <dt className="text-gray-500">Key</dt>
                  <dd>{label("key", e.providerKeyId)}</dd>
                  <dt className="text-gray-500">Member</dt>
                  <dd>{label("member", e.memberId)}</dd>
                  <dt className="text-gray-500">Status</dt>
                  <dd>{e.status}</dd>
                  <dt className="text-gray-500">Error type</dt>
                  <dd>{e.errorType ?? "—"}</dd>
                  <dt className="text-gray-500">Latency</dt>
                  <dd>{ms(e.latencyMs)}</dd>
                  <dt className="text-gray-500">Cost</dt>
                  <dd>{formatUsd(e.costMicros)}</dd>
                  <dt className="text-gray-500">Service</dt>
                  <dd>{e.service ?? "—"}</dd>
                  <dt className="col-span-2 text-gray-500 sm:col-span-4">Message</dt>
                  <dd className="col-span-2 whitespace-pre-wrap break-words font-mono sm:col-span-4">{e.errorMessage ?? "—"}</dd>
                </dl>
              </details>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
