import { histAddSql, histArraySql, histCountColumnsSql, histIndexSql } from "@/features/usage/server/histogram";

/**
 * SQL shared by every usage writer. Rollups are kept at minute, hour and day granularity
 * (UTC bucket starts) by org, workspace, project tag, member, key, provider, model, status
 * class, service and language; '' stands for "none" so the primary key works without NULLS
 * NOT DISTINCT. Each row also carries a latency histogram (features/usage/server/histogram.ts).
 *
 * Deadlock avoidance: concurrent writers lock rollup rows in one global order (the primary
 * key order, via ORDER BY on the insert), and raw events in (workspaceId, externalId)
 * order (the writer sorts the batch; rows are inserted in array order), so two batches can
 * wait on each other but never in a cycle.
 * Buckets use date_bin from a UTC-midnight origin: UTC minute/hour/day starts without the
 * per-row time-zone conversion date_trunc(…, 'UTC') does.
 */

/**
 * The batch travels as one typed array per column (unnest), the cheapest bulk input for
 * Postgres short of COPY: no per-row JSON object parsing. `occurredAt` is sent as epoch
 * milliseconds (bigint) because parsing timestamp text is the costliest cast per row
 * (as float8 seconds it is exact to the microsecond for any real date).
 *
 * Columns are compacted: a column whose values are all NULL is sent as '{}', one whose
 * values are all equal as a one-element array that every row reads (batches from one
 * workspace repeat org, workspace, source, often project, service…). unnest pads short
 * arrays with NULL, so the row count comes from the longest array — `externalId`, which is
 * never compacted.
 */
export const EVENT_ARRAY_COLUMNS: [name: string, arrayType: string][] = [
  ["orgId", "text[]"],
  ["workspaceId", "text[]"],
  ["externalId", "text[]"],
  ["source", '"UsageSource"[]'],
  ["provider", '"Provider"[]'],
  ["model", "text[]"],
  ["projectTagId", "text[]"],
  ["memberId", "text[]"],
  ["endUser", "text[]"],
  ["providerKeyId", "text[]"],
  ["apiKeyRef", "text[]"],
  ["service", "text[]"],
  ["language", "text[]"],
  ["occurredAtMs", "bigint[]"],
  ["inputTokens", "int[]"],
  ["outputTokens", "int[]"],
  ["cachedTokens", "int[]"],
  ["cacheWriteTokens", "int[]"],
  ["reasoningTokens", "int[]"],
  ["requests", "int[]"],
  ["costMicros", "bigint[]"],
  ["costSource", '"CostSource"[]'],
  ["latencyMs", "int[]"],
  ["status", "int[]"],
  ["errorType", "text[]"],
  ["errorMessage", "text[]"],
  ["generationId", "text[]"],
  ["metadata", "jsonb[]"],
];

/** Columns that must never be compacted (they drive the row count). */
export const UNCOMPACTED_COLUMNS = new Set(["externalId"]);

function columnExpr(name: string, param: string): string {
  if (UNCOMPACTED_COLUMNS.has(name)) return `x."${name}"`;
  return `(CASE WHEN cardinality(${param}) = 1 THEN (${param})[1] ELSE x."${name}" END)`;
}

/** A relation with the usage_events insert columns, from the array parameters $1…$28. */
export const EVENT_INPUT_SQL = `SELECT ${EVENT_ARRAY_COLUMNS.map(([n, t], i) => {
  const expr = columnExpr(n, `$${i + 1}::${t}`);
  return n === "occurredAtMs" ? `to_timestamp(${expr}::float8 / 1000) AS "occurredAt"` : `${expr} AS "${n}"`;
}).join(",\n    ")}
  FROM unnest(${EVENT_ARRAY_COLUMNS.map(([, t], i) => `$${i + 1}::${t}`).join(", ")})
    AS x(${EVENT_ARRAY_COLUMNS.map(([n]) => `"${n}"`).join(", ")})`;

export const EVENT_INSERT_COLUMNS = `"orgId", "workspaceId", "externalId", source, provider, model,
  "projectTagId", "memberId", "endUser", "providerKeyId", "apiKeyRef", service, language,
  "occurredAt", "inputTokens", "outputTokens", "cachedTokens", "cacheWriteTokens",
  "reasoningTokens", requests, "costMicros", "costSource", "latencyMs", status, "errorType",
  "errorMessage", "generationId", metadata`;

/**
 * Claims ids in usage_event_ids, the idempotency key of every event ever accepted (not
 * partitioned, so "(workspace, externalId) counts once" holds across time partitions):
 * returns the ids of `src` that were new. Rows are claimed in `src` order, which writers
 * sort by (workspaceId, externalId): the global lock order (see top of file).
 */
export function claimIdsSql(src: string): string {
  return `INSERT INTO usage_event_ids ("orgId", "workspaceId", "externalId")
    SELECT "orgId", "workspaceId", "externalId" FROM ${src}
    ON CONFLICT ("orgId", "workspaceId", "externalId") DO NOTHING
    RETURNING "workspaceId", "externalId"`;
}

/** Per-event contribution to a rollup row, from a relation with the usage_events columns. */
export function rollupContributionSql(from: string, sign = "1"): string {
  return `SELECT "orgId", "workspaceId", "projectTagId", "memberId", "providerKeyId", provider, model,
      status, "occurredAt", service, language,
      CASE WHEN "latencyMs" IS NOT NULL THEN ${histIndexSql('"latencyMs"')} END AS lidx, ${sign}::int4 AS lone,
      ${sign} * requests::bigint AS req,
      ${sign} * (CASE WHEN status >= 400 THEN requests ELSE 0 END)::bigint AS err,
      ${sign} * "inputTokens"::bigint AS it, ${sign} * "outputTokens"::bigint AS ot,
      ${sign} * "cachedTokens"::bigint AS ct, ${sign} * "cacheWriteTokens"::bigint AS cw,
      ${sign} * "reasoningTokens"::bigint AS rt, ${sign} * "costMicros" AS cost,
      ${sign} * coalesce("latencyMs", 0)::bigint AS lsum,
      ${sign} * (CASE WHEN "latencyMs" IS NULL THEN 0 ELSE 1 END)::bigint AS lcnt,
      coalesce("latencyMs", 0) AS lmax
    FROM ${from}`;
}

/**
 * INSERT … ON CONFLICT DO UPDATE adding the aggregated contributions of relation `src`
 * (columns as produced by rollupContributionSql) to all three granularities.
 */
export function rollupUpsertSql(src: string): string {
  // Events are first summed per minute bucket (hash aggregate over the batch), then the
  // few minute groups are fanned out to minute/hour/day and sorted: far fewer rows to sort
  // than fanning out every event. The histogram is counted per (minute group, latency
  // bucket) first, so its 64 filtered sums run over those few rows, not over every event.
  return `INSERT INTO usage_rollups AS r (granularity, "bucketStart", "orgId", "workspaceId",
      "projectTagId", "memberId", "providerKeyId", provider, model, "statusClass", requests, errors,
      "inputTokens", "outputTokens", "cachedTokens", "cacheWriteTokens", "reasoningTokens",
      "costMicros", "latencySumMs", "latencyCount", "latencyMaxMs", service, language, "latencyHist")
    SELECT g.gran, date_bin(g.step, c.minute, TIMESTAMPTZ '2000-01-01 00:00:00+00'), c."orgId", c."workspaceId", c.tag, c.member,
      c.key, c.provider, c.model, c.sc,
      sum(c.req), sum(c.err), sum(c.it), sum(c.ot), sum(c.ct), sum(c.cw), sum(c.rt), sum(c.cost),
      sum(c.lsum), sum(c.lcnt), max(c.lmax), c.svc, c.lang, ${histArraySql("c")}
    FROM (
      SELECT m.minute, m."orgId", m."workspaceId", m.tag, m.member, m.key, m.provider, m.model, m.sc,
        sum(m.req) AS req, sum(m.err) AS err, sum(m.it) AS it, sum(m.ot) AS ot, sum(m.ct) AS ct,
        sum(m.cw) AS cw, sum(m.rt) AS rt, sum(m.cost) AS cost, sum(m.lsum) AS lsum,
        sum(m.lcnt) AS lcnt, max(m.lmax) AS lmax, m.svc, m.lang, bool_or(m.lidx IS NOT NULL) AS hl, ${histCountColumnsSql("m")}
      FROM (
        SELECT date_bin('1 minute', e."occurredAt", TIMESTAMPTZ '2000-01-01 00:00:00+00') AS minute, e."orgId", e."workspaceId",
          coalesce(e."projectTagId", '') AS tag, coalesce(e."memberId", '') AS member,
          coalesce(e."providerKeyId", '') AS key, e.provider, e.model,
          CASE WHEN e.status BETWEEN 200 AND 299 THEN '2xx' WHEN e.status BETWEEN 400 AND 499 THEN '4xx'
               WHEN e.status BETWEEN 500 AND 599 THEN '5xx' ELSE 'other' END AS sc,
          sum(e.req) AS req, sum(e.err) AS err, sum(e.it) AS it, sum(e.ot) AS ot, sum(e.ct) AS ct,
          sum(e.cw) AS cw, sum(e.rt) AS rt, sum(e.cost) AS cost, sum(e.lsum) AS lsum,
          sum(e.lcnt) AS lcnt, max(e.lmax) AS lmax, coalesce(e.service, '') AS svc,
          coalesce(e.language, '') AS lang, e.lidx, sum(e.lone)::int4 AS lone
        FROM ${src} e
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 21, 22, 23
      ) m
      GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 21, 22
    ) c
    CROSS JOIN (VALUES ('minute'::"Granularity", INTERVAL '1 minute'), ('hour'::"Granularity", INTERVAL '1 hour'),
                       ('day'::"Granularity", INTERVAL '1 day')) AS g(gran, step)
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 22, 23
    ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 22, 23
    ON CONFLICT (granularity, "bucketStart", "orgId", "workspaceId", "projectTagId", "memberId",
                 "providerKeyId", provider, model, "statusClass", service, language)
    DO UPDATE SET requests = r.requests + EXCLUDED.requests, errors = r.errors + EXCLUDED.errors,
      "inputTokens" = r."inputTokens" + EXCLUDED."inputTokens",
      "outputTokens" = r."outputTokens" + EXCLUDED."outputTokens",
      "cachedTokens" = r."cachedTokens" + EXCLUDED."cachedTokens",
      "cacheWriteTokens" = r."cacheWriteTokens" + EXCLUDED."cacheWriteTokens",
      "reasoningTokens" = r."reasoningTokens" + EXCLUDED."reasoningTokens",
      "costMicros" = r."costMicros" + EXCLUDED."costMicros",
      "latencySumMs" = r."latencySumMs" + EXCLUDED."latencySumMs",
      "latencyCount" = r."latencyCount" + EXCLUDED."latencyCount",
      "latencyMaxMs" = GREATEST(r."latencyMaxMs", EXCLUDED."latencyMaxMs"),
      "latencyHist" = ${histAddSql('r."latencyHist"', 'EXCLUDED."latencyHist"')}`;
}

/**
 * The push path's fallback in ONE statement (one round trip, atomic without BEGIN/COMMIT):
 * claim the batch's ids, insert only the events whose id was new (no ON CONFLICT on the
 * partitioned table: the claim already decided), and add exactly those rows to the
 * rollups — duplicates never reach a rollup. Used when the fast statement below met an id
 * that was already claimed.
 */
export const INSERT_EVENTS_WITH_ROLLUPS_SQL = `
WITH input AS (
  ${EVENT_INPUT_SQL}
), claimed AS (
  ${claimIdsSql("input")}
), ins AS (
  INSERT INTO usage_events (${EVENT_INSERT_COLUMNS})
  SELECT ${EVENT_INSERT_COLUMNS.replace(/("?\w+"?)/g, "i.$1")} FROM input i JOIN claimed c USING ("workspaceId", "externalId")
  RETURNING "orgId", "workspaceId", "projectTagId", "memberId", "providerKeyId", provider, model,
    status, "occurredAt", service, language, requests, "inputTokens", "outputTokens", "cachedTokens",
    "cacheWriteTokens", "reasoningTokens", "costMicros", "latencyMs"
), contrib AS (
  ${rollupContributionSql("ins")}
), roll AS (
  ${rollupUpsertSql("contrib")}
)
SELECT count(*)::int AS inserted FROM ins`;

/**
 * The push hot path, for a batch none of whose ids is known yet (the common case): the same
 * statement with a PLAIN insert into usage_event_ids. No ON CONFLICT (speculative insertion)
 * and no join of the claimed ids back to the input (two sorts), which measured ≈ 4 µs of
 * PostgreSQL CPU per event less (≈ 15 %). An id that is already claimed — a retry, a replay,
 * or a concurrent batch holding the same id — raises unique_violation (23505) on
 * usage_event_ids_pkey, which aborts the whole statement (nothing written); the writer then
 * runs INSERT_EVENTS_WITH_ROLLUPS_SQL, which skips the known ids. Same guarantees, one extra
 * round trip only for batches that carry a duplicate.
 */
export const INSERT_NEW_EVENTS_WITH_ROLLUPS_SQL = `
WITH input AS (
  ${EVENT_INPUT_SQL}
), claimed AS (
  INSERT INTO usage_event_ids ("orgId", "workspaceId", "externalId")
  SELECT "orgId", "workspaceId", "externalId" FROM input
), ins AS (
  INSERT INTO usage_events (${EVENT_INSERT_COLUMNS})
  SELECT ${EVENT_INSERT_COLUMNS} FROM input
  RETURNING "orgId", "workspaceId", "projectTagId", "memberId", "providerKeyId", provider, model,
    status, "occurredAt", service, language, requests, "inputTokens", "outputTokens", "cachedTokens",
    "cacheWriteTokens", "reasoningTokens", "costMicros", "latencyMs"
), contrib AS (
  ${rollupContributionSql("ins")}
), roll AS (
  ${rollupUpsertSql("contrib")}
)
SELECT count(*)::int AS inserted FROM ins`;
