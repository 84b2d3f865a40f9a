/**
 * What both pollers share: loading the connection, the cursor bag, and the outcome handling.
 * - A rejected key (401/403) marks the connection broken and alerts its admins (broken.ts).
 * - A 429 the client could not wait out returns `rate_limited` with the provider's Retry-After,
 *   after saving the cursors of the steps that did finish, so the next run resumes there.
 * - Anything else is thrown: the job retries with backoff.
 * - Success sets a broken connection back to active and records lastPolledAt/backfillDoneAt.
 * - A connection younger than CONNECTION_GRACE_MS is `deferred` (queued again when it is old
 *   enough): see fill-guard.ts for why its first fill must wait.
 */
import { prisma } from "@/server/db";
import type { Prisma } from "@/generated/prisma/client";
import { ProviderError } from "@/providers/errors";
import { getConnectionForJob, type ConnectionForJob } from "./connections";
import { brokenReason, markConnectionBroken, markConnectionHealthy } from "./broken";
import { CONNECTION_GRACE_MS } from "./fill-guard";
import { AccountAlreadyConnected } from "./same-account";
import { baseUrlOf } from "./base-url";
import type { Provider } from "@/generated/prisma/enums";

export type PollOptions = {
  /** Injected into the provider client (tests point it at a fake, or count calls). */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  maxRetries?: number;
  now?: () => Date;
};

export type PollResult = {
  status: "ok" | "broken" | "rate_limited" | "skipped" | "deferred";
  detail?: string;
  retryAfterMs?: number;
  stats: Record<string, number>;
};

export type Cursors = Record<string, string>;

export type PollContext = {
  conn: ConnectionForJob;
  now: Date;
  cursors: Cursors;
  backfill: boolean;
  stats: Record<string, number>;
  baseUrl: string;
};

function parseCursors(value: unknown): Cursors {
  if (!value || typeof value !== "object" || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === "string"));
}

async function saveCursors(connectionId: string, cursors: Cursors, extra: Prisma.ProviderConnectionUpdateInput = {}) {
  await prisma.providerConnection.update({ where: { id: connectionId }, data: { cursors: cursors as Prisma.InputJsonValue, ...extra } });
}

export async function runPoll(connectionId: string, provider: Provider, opts: PollOptions, body: (p: PollContext) => Promise<void>): Promise<PollResult> {
  const conn = await getConnectionForJob(connectionId);
  if (conn.provider !== provider) throw new Error(`Connection ${connectionId} is a ${conn.provider} connection, not ${provider}`);
  if (conn.status === "disabled") return { status: "skipped", detail: "connection disabled", stats: {} };
  const now = opts.now?.() ?? new Date();
  // No fill before every ingest process knows the connection exists (fill-guard.ts).
  const age = now.getTime() - conn.createdAt.getTime();
  if (age < CONNECTION_GRACE_MS) return { status: "deferred", detail: "new connection: first poll shortly", retryAfterMs: CONNECTION_GRACE_MS - age, stats: {} };
  const p: PollContext = {
    conn,
    now,
    cursors: parseCursors(conn.cursors),
    backfill: conn.backfillDoneAt === null,
    stats: {},
    baseUrl: baseUrlOf(conn),
  };
  try {
    await body(p);
  } catch (e) {
    if (e instanceof AccountAlreadyConnected) {
      const { transitioned } = await markConnectionBroken(conn.id, e.message, now);
      return { status: "broken", detail: e.message, stats: { ...p.stats, transitioned: transitioned ? 1 : 0 } };
    }
    if (e instanceof ProviderError && e.isAuth) {
      const { transitioned } = await markConnectionBroken(conn.id, brokenReason(provider, e), now);
      return { status: "broken", detail: e.message, stats: { ...p.stats, transitioned: transitioned ? 1 : 0 } };
    }
    if (e instanceof ProviderError && e.isRateLimit) {
      await saveCursors(conn.id, p.cursors);
      return { status: "rate_limited", detail: e.message, retryAfterMs: e.retryAfterMs ?? 60_000, stats: p.stats };
    }
    await saveCursors(conn.id, p.cursors).catch(() => {});
    throw e;
  }
  await markConnectionHealthy(conn.id, now);
  await saveCursors(conn.id, p.cursors, { lastPolledAt: now, ...(p.backfill ? { backfillDoneAt: now } : {}) });
  return { status: "ok", stats: p.stats };
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const floorTo = (ms: number, unit: number) => Math.floor(ms / unit) * unit;

/** True when the step's cursor is missing or older than `everyMs`. */
export function due(cursors: Cursors, name: string, now: Date, everyMs: number): boolean {
  const at = cursors[name] ? Date.parse(cursors[name]) : NaN;
  return Number.isNaN(at) || now.getTime() - at >= everyMs;
}
