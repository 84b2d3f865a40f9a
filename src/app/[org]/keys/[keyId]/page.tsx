import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AppError } from "@/server/errors";
import { getPageContextWith } from "@/server/next/page-context";
import { formatUsd } from "@/lib/money";
import { whatLimitsKey } from "@/features/enforcement/server/key-limits";
import { BudgetProgress } from "@/features/budgets/components/budget-progress";
import { PauseKeyForm, ResumeKeyForm } from "@/features/enforcement/components/resume-key-form";
import { Badge, Card, EmptyState, PageHeader, Table } from "@/components/ui/card";
import { EntitySpendCard } from "@/features/reports/components/entity-spend-card";
import { pauseKeyAction, resumeKeyAction } from "./actions";
import { PROVIDER_INFO } from "@/features/providers/registry";

export const metadata: Metadata = { title: "What limits this key · Tollgate" };

export default async function KeyPage({ params }: { params: Promise<{ org: string; keyId: string }> }) {
  const { org, keyId } = await params;
  const ctx = await getPageContextWith(org, "keys:read");
  const v = await whatLimitsKey(ctx, { keyId }).catch((e: unknown) => {
    if (e instanceof AppError && e.status === 404) notFound();
    throw e;
  });
  const base = `/${ctx.orgSlug}`;
  const fmt = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: ctx.timeZone });
  const when = (iso: string | null) => (iso ? fmt.format(new Date(iso)) : "—");
  const canResume = ctx.permissions.has("keys:write") && v.pause?.byTollgate;
  const canPause = ctx.permissions.has("keys:write") && v.canPauseByHand;

  return (
    <>
      <PageHeader
        title={`What limits ${v.key.label}`}
        description={
          <>
            {PROVIDER_INFO[v.key.provider].label} key · {v.key.workspace ? `${v.key.workspace}${v.key.projectTag ? ` / ${v.key.projectTag}` : ""}` : "not attributed to a workspace"} ·{" "}
            <Badge tone={v.key.status === "active" ? "green" : v.key.status === "paused" ? "red" : "gray"}>{v.key.status}</Badge>
          </>
        }
        actions={
          <Link href={`${base}/keys`} className="text-sm font-medium text-blue-700 hover:underline">
            All keys
          </Link>
        }
      />
      <div className="mb-6">
        <EntitySpendCard ctx={ctx} entity={{ param: "key", id: v.key.id }} />
      </div>
      <div className="space-y-6">
        {v.enforcementProblem ? (
          <Card title={v.enforcementProblem.action === "pause" ? "Not protected: the pause failed" : "The resume failed"}>
            <p className="text-sm font-medium text-red-700">{v.enforcementProblem.meaning}</p>
            <p className="mt-2 text-sm text-gray-700">
              {when(v.enforcementProblem.requestedAt)} · {v.enforcementProblem.failure === "permanent" ? "the provider refused" : `gave up after ${v.enforcementProblem.attempts} attempts`}
              {v.enforcementProblem.error ? `: ${v.enforcementProblem.error}` : null}
            </p>
          </Card>
        ) : null}
        {v.pause ? (
          <Card title="Paused">
            <dl className="grid gap-4 text-sm sm:grid-cols-3">
              <div>
                <dt className="text-gray-500">By</dt>
                <dd>
                  {v.pause.byHand ? (
                    <span data-testid="paused-by-hand">paused by hand by {v.pause.byHand.by}{v.pause.byHand.status === "pending" ? " (pending at the provider)" : null}</span>
                  ) : v.pause.budgetId ? (
                    <Link href={`${base}/budgets/${v.pause.budgetId}`} className="text-blue-700 hover:underline">
                      {v.pause.budgetName}
                    </Link>
                  ) : v.pause.byTollgate ? (
                    "Tollgate (spend spike or a deleted budget)"
                  ) : (
                    "someone at the provider"
                  )}
                </dd>
              </div>
              <div>
                <dt className="text-gray-500">Since</dt>
                <dd>{when(v.pause.pausedAt)}</dd>
              </div>
              <div>
                <dt className="text-gray-500">Resumes</dt>
                <dd>{v.pause.resumesAt ? when(v.pause.resumesAt) : "by hand"}</dd>
              </div>
            </dl>
            {v.pause.byHand ? (
              <p className="mt-3 text-sm text-gray-700">Reason: {v.pause.byHand.reason}</p>
            ) : v.pause.reason ? (
              <p className="mt-3 text-sm text-gray-700">{v.pause.reason}</p>
            ) : null}
            <p className="mt-2 text-sm text-gray-600">{v.pause.resumeRule}</p>
            {canResume ? (
              <div className="mt-4 border-t border-gray-200 pt-4">
                <ResumeKeyForm org={ctx.orgSlug} keyId={v.key.id} action={resumeKeyAction} />
              </div>
            ) : null}
          </Card>
        ) : null}

        {canPause ? (
          <Card title="Pause by hand">
            <p className="mb-3 text-sm text-gray-600">
              Disables the key at the provider now{PROVIDER_INFO[v.key.provider].pauseScope === "project" ? ` (caps its ${PROVIDER_INFO[v.key.provider].label} project, which stops every key of the project)` : ""}. It stays paused until an admin resumes it: budgets do not resume it.
            </p>
            <PauseKeyForm org={ctx.orgSlug} keyId={v.key.id} action={pauseKeyAction} />
          </Card>
        ) : null}

        <Card title="Budgets that apply">
          <Table
            head={["Budget", "Covers", "Mode", "Spend / limit", "Used", "Resets"]}
            rows={v.budgets.map((b) => [
              <div key="n">
                <Link href={`${base}/budgets/${b.id}`} className="font-medium text-blue-700 hover:underline">
                  {b.name}
                </Link>
                {b.overriddenByHand ? <p className="text-xs text-amber-700">Resumed by hand: not enforced on this key until the period resets</p> : null}
                {b.syncsKeyLimit ? <p className="text-xs text-gray-500">Keeps this key&apos;s credit limit at the remaining {formatUsd(BigInt(b.remainingMicros))}</p> : null}
              </div>,
              <span key="c">
                {b.scopeLabel}
                {b.filters.length ? <span className="text-xs text-gray-500"> · only {b.filters.join(" / ")}</span> : null}
              </span>,
              <Badge key="m" tone={b.mode === "hard" ? "red" : "blue"}>
                {b.mode}
              </Badge>,
              <span key="s" className="whitespace-nowrap tabular-nums">
                {formatUsd(BigInt(b.spendMicros))} / {formatUsd(BigInt(b.amountMicros))}
              </span>,
              <BudgetProgress key="p" percent={b.percent} />,
              b.resetsAt ? when(b.resetsAt) : "never (lifetime)",
            ])}
            empty={<EmptyState title="No budget applies to this key">Create a budget for its workspace, project tag, the key itself or the whole org.</EmptyState>}
          />
        </Card>

        <Card title="How Tollgate stops this key">
          <p className="text-sm text-gray-700">{v.control}</p>
          <dl className="mt-4 grid gap-4 text-sm sm:grid-cols-3">
            <div>
              <dt className="text-gray-500">Provider usage (last poll)</dt>
              <dd className="tabular-nums">{v.key.providerUsageMicros ? formatUsd(BigInt(v.key.providerUsageMicros)) : "—"}</dd>
            </div>
            <div>
              <dt className="text-gray-500">Provider credit limit</dt>
              <dd className="tabular-nums">{v.key.providerLimitMicros ? formatUsd(BigInt(v.key.providerLimitMicros)) : "none"}</dd>
            </div>
            <div>
              <dt className="text-gray-500">Limit synced by Tollgate</dt>
              <dd className="tabular-nums">{v.key.limitSyncActive && v.key.syncedLimitMicros ? formatUsd(BigInt(v.key.syncedLimitMicros)) : "not synced"}</dd>
            </div>
          </dl>
        </Card>

        <Card title="Enforcement history">
          <Table
            head={["Requested", "Action", "Status", "Reason"]}
            rows={v.history.map((h) => [
              when(h.requestedAt),
              `${h.action}${h.manual ? " (by hand)" : ""}`,
              <span key="s">
                <Badge tone={h.status === "confirmed" ? "green" : h.status === "failed" ? "red" : "amber"}>{h.status}</Badge>
                {h.status === "pending" && h.attempts > 0 ? <span className="ml-1 text-xs text-gray-500">attempt {h.attempts}, retrying</span> : null}
                {h.lastError ? <p className="text-xs text-red-600">{h.lastError}</p> : null}
              </span>,
              h.reason,
            ])}
            empty={<EmptyState title="Never paused or resumed by Tollgate" />}
          />
        </Card>
      </div>
    </>
  );
}
