-- rollups: service, language, latency histogram (see src/features/usage/README.md).
ALTER TABLE "usage_rollups" DROP CONSTRAINT "usage_rollups_pkey",
ADD COLUMN     "language" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "latencyHist" INTEGER[],
ADD COLUMN     "service" TEXT NOT NULL DEFAULT '',
ADD CONSTRAINT "usage_rollups_pkey" PRIMARY KEY ("granularity", "bucketStart", "orgId", "workspaceId", "projectTagId", "memberId", "providerKeyId", "provider", "model", "statusClass", "service", "language");

-- Existing data. Rollup rows written before this migration have service = language = ''
-- and no histogram. Where the raw events behind them still exist they are rebuilt from
-- those events: per workspace, from the first whole UTC day after its earliest pushed/OTLP
-- event (retention deletes a workspace's raw events oldest first, so every event from that
-- day on is still there; poll rows are never deleted). Older rows keep their sums exactly
-- as they were, with service/language '' and latencyHist NULL: percentiles over ranges that
-- reach back before that day count only the rows that have a histogram.
CREATE TEMP TABLE rebuild_from ON COMMIT DROP AS
  SELECT "workspaceId", date_bin('1 day', min("occurredAt"), TIMESTAMPTZ '2000-01-01 00:00:00+00') + INTERVAL '1 day' AS cutoff
    FROM usage_events WHERE source <> 'poll' GROUP BY 1;

DELETE FROM usage_rollups r USING rebuild_from f
 WHERE r."workspaceId" = f."workspaceId" AND r."bucketStart" >= f.cutoff;

WITH contrib AS (
  SELECT "orgId", "workspaceId", "projectTagId", "memberId", "providerKeyId", provider, model,
      status, "occurredAt", service, language,
      CASE WHEN "latencyMs" IS NOT NULL THEN (CASE WHEN "latencyMs" < 1 THEN 1 WHEN "latencyMs" >= 600000 THEN 64
    ELSE 2 + floor(ln("latencyMs"::float8) * 4.660012642662102)::int END) END AS lidx,
      1 * requests::bigint AS req,
      1 * (CASE WHEN status >= 400 THEN requests ELSE 0 END)::bigint AS err,
      1 * "inputTokens"::bigint AS it, 1 * "outputTokens"::bigint AS ot,
      1 * "cachedTokens"::bigint AS ct, 1 * "cacheWriteTokens"::bigint AS cw,
      1 * "reasoningTokens"::bigint AS rt, 1 * "costMicros" AS cost,
      1 * coalesce("latencyMs", 0)::bigint AS lsum,
      1 * (CASE WHEN "latencyMs" IS NULL THEN 0 ELSE 1 END)::bigint AS lcnt,
      coalesce("latencyMs", 0) AS lmax
    FROM (SELECT e.* FROM usage_events e JOIN rebuild_from f ON f."workspaceId" = e."workspaceId" WHERE e."occurredAt" >= f.cutoff) src
)
INSERT INTO usage_rollups AS r (granularity, "bucketStart", "orgId", "workspaceId",
      "projectTagId", "memberId", "providerKeyId", provider, model, "statusClass", requests, errors,
      "inputTokens", "outputTokens", "cachedTokens", "cacheWriteTokens", "reasoningTokens",
      "costMicros", "latencySumMs", "latencyCount", "latencyMaxMs", service, language, "latencyHist")
    SELECT g.gran, date_bin(g.step, c.minute, TIMESTAMPTZ '2000-01-01 00:00:00+00'), c."orgId", c."workspaceId", c.tag, c.member,
      c.key, c.provider, c.model, c.sc,
      sum(c.req), sum(c.err), sum(c.it), sum(c.ot), sum(c.ct), sum(c.cw), sum(c.rt), sum(c.cost),
      sum(c.lsum), sum(c.lcnt), max(c.lmax), c.svc, c.lang, CASE WHEN bool_or(c.hl) THEN ARRAY[coalesce(sum(c.h1), 0), coalesce(sum(c.h2), 0), coalesce(sum(c.h3), 0), coalesce(sum(c.h4), 0), coalesce(sum(c.h5), 0), coalesce(sum(c.h6), 0), coalesce(sum(c.h7), 0), coalesce(sum(c.h8), 0), coalesce(sum(c.h9), 0), coalesce(sum(c.h10), 0), coalesce(sum(c.h11), 0), coalesce(sum(c.h12), 0), coalesce(sum(c.h13), 0), coalesce(sum(c.h14), 0), coalesce(sum(c.h15), 0), coalesce(sum(c.h16), 0), coalesce(sum(c.h17), 0), coalesce(sum(c.h18), 0), coalesce(sum(c.h19), 0), coalesce(sum(c.h20), 0), coalesce(sum(c.h21), 0), coalesce(sum(c.h22), 0), coalesce(sum(c.h23), 0), coalesce(sum(c.h24), 0), coalesce(sum(c.h25), 0), coalesce(sum(c.h26), 0), coalesce(sum(c.h27), 0), coalesce(sum(c.h28), 0), coalesce(sum(c.h29), 0), coalesce(sum(c.h30), 0), coalesce(sum(c.h31), 0), coalesce(sum(c.h32), 0), coalesce(sum(c.h33), 0), coalesce(sum(c.h34), 0), coalesce(sum(c.h35), 0), coalesce(sum(c.h36), 0), coalesce(sum(c.h37), 0), coalesce(sum(c.h38), 0), coalesce(sum(c.h39), 0), coalesce(sum(c.h40), 0), coalesce(sum(c.h41), 0), coalesce(sum(c.h42), 0), coalesce(sum(c.h43), 0), coalesce(sum(c.h44), 0), coalesce(sum(c.h45), 0), coalesce(sum(c.h46), 0), coalesce(sum(c.h47), 0), coalesce(sum(c.h48), 0), coalesce(sum(c.h49), 0), coalesce(sum(c.h50), 0), coalesce(sum(c.h51), 0), coalesce(sum(c.h52), 0), coalesce(sum(c.h53), 0), coalesce(sum(c.h54), 0), coalesce(sum(c.h55), 0), coalesce(sum(c.h56), 0), coalesce(sum(c.h57), 0), coalesce(sum(c.h58), 0), coalesce(sum(c.h59), 0), coalesce(sum(c.h60), 0), coalesce(sum(c.h61), 0), coalesce(sum(c.h62), 0), coalesce(sum(c.h63), 0), coalesce(sum(c.h64), 0)]::int4[] END
    FROM (
      SELECT date_bin('1 minute', e."occurredAt", TIMESTAMPTZ '2000-01-01 00:00:00+00') AS minute, e."orgId", e."workspaceId",
        coalesce(e."projectTagId", '') AS tag, coalesce(e."memberId", '') AS member,
        coalesce(e."providerKeyId", '') AS key, e.provider, e.model,
        CASE WHEN e.status BETWEEN 200 AND 299 THEN '2xx' WHEN e.status BETWEEN 400 AND 499 THEN '4xx'
             WHEN e.status BETWEEN 500 AND 599 THEN '5xx' ELSE 'other' END AS sc,
        sum(e.req) AS req, sum(e.err) AS err, sum(e.it) AS it, sum(e.ot) AS ot, sum(e.ct) AS ct,
        sum(e.cw) AS cw, sum(e.rt) AS rt, sum(e.cost) AS cost, sum(e.lsum) AS lsum,
        sum(e.lcnt) AS lcnt, max(e.lmax) AS lmax, coalesce(e.service, '') AS svc,
        coalesce(e.language, '') AS lang, bool_or(e.lidx IS NOT NULL) AS hl, sum(e.lcnt) FILTER (WHERE e.lidx = 1) AS h1, sum(e.lcnt) FILTER (WHERE e.lidx = 2) AS h2, sum(e.lcnt) FILTER (WHERE e.lidx = 3) AS h3, sum(e.lcnt) FILTER (WHERE e.lidx = 4) AS h4, sum(e.lcnt) FILTER (WHERE e.lidx = 5) AS h5, sum(e.lcnt) FILTER (WHERE e.lidx = 6) AS h6, sum(e.lcnt) FILTER (WHERE e.lidx = 7) AS h7, sum(e.lcnt) FILTER (WHERE e.lidx = 8) AS h8, sum(e.lcnt) FILTER (WHERE e.lidx = 9) AS h9, sum(e.lcnt) FILTER (WHERE e.lidx = 10) AS h10, sum(e.lcnt) FILTER (WHERE e.lidx = 11) AS h11, sum(e.lcnt) FILTER (WHERE e.lidx = 12) AS h12, sum(e.lcnt) FILTER (WHERE e.lidx = 13) AS h13, sum(e.lcnt) FILTER (WHERE e.lidx = 14) AS h14, sum(e.lcnt) FILTER (WHERE e.lidx = 15) AS h15, sum(e.lcnt) FILTER (WHERE e.lidx = 16) AS h16, sum(e.lcnt) FILTER (WHERE e.lidx = 17) AS h17, sum(e.lcnt) FILTER (WHERE e.lidx = 18) AS h18, sum(e.lcnt) FILTER (WHERE e.lidx = 19) AS h19, sum(e.lcnt) FILTER (WHERE e.lidx = 20) AS h20, sum(e.lcnt) FILTER (WHERE e.lidx = 21) AS h21, sum(e.lcnt) FILTER (WHERE e.lidx = 22) AS h22, sum(e.lcnt) FILTER (WHERE e.lidx = 23) AS h23, sum(e.lcnt) FILTER (WHERE e.lidx = 24) AS h24, sum(e.lcnt) FILTER (WHERE e.lidx = 25) AS h25, sum(e.lcnt) FILTER (WHERE e.lidx = 26) AS h26, sum(e.lcnt) FILTER (WHERE e.lidx = 27) AS h27, sum(e.lcnt) FILTER (WHERE e.lidx = 28) AS h28, sum(e.lcnt) FILTER (WHERE e.lidx = 29) AS h29, sum(e.lcnt) FILTER (WHERE e.lidx = 30) AS h30, sum(e.lcnt) FILTER (WHERE e.lidx = 31) AS h31, sum(e.lcnt) FILTER (WHERE e.lidx = 32) AS h32, sum(e.lcnt) FILTER (WHERE e.lidx = 33) AS h33, sum(e.lcnt) FILTER (WHERE e.lidx = 34) AS h34, sum(e.lcnt) FILTER (WHERE e.lidx = 35) AS h35, sum(e.lcnt) FILTER (WHERE e.lidx = 36) AS h36, sum(e.lcnt) FILTER (WHERE e.lidx = 37) AS h37, sum(e.lcnt) FILTER (WHERE e.lidx = 38) AS h38, sum(e.lcnt) FILTER (WHERE e.lidx = 39) AS h39, sum(e.lcnt) FILTER (WHERE e.lidx = 40) AS h40, sum(e.lcnt) FILTER (WHERE e.lidx = 41) AS h41, sum(e.lcnt) FILTER (WHERE e.lidx = 42) AS h42, sum(e.lcnt) FILTER (WHERE e.lidx = 43) AS h43, sum(e.lcnt) FILTER (WHERE e.lidx = 44) AS h44, sum(e.lcnt) FILTER (WHERE e.lidx = 45) AS h45, sum(e.lcnt) FILTER (WHERE e.lidx = 46) AS h46, sum(e.lcnt) FILTER (WHERE e.lidx = 47) AS h47, sum(e.lcnt) FILTER (WHERE e.lidx = 48) AS h48, sum(e.lcnt) FILTER (WHERE e.lidx = 49) AS h49, sum(e.lcnt) FILTER (WHERE e.lidx = 50) AS h50, sum(e.lcnt) FILTER (WHERE e.lidx = 51) AS h51, sum(e.lcnt) FILTER (WHERE e.lidx = 52) AS h52, sum(e.lcnt) FILTER (WHERE e.lidx = 53) AS h53, sum(e.lcnt) FILTER (WHERE e.lidx = 54) AS h54, sum(e.lcnt) FILTER (WHERE e.lidx = 55) AS h55, sum(e.lcnt) FILTER (WHERE e.lidx = 56) AS h56, sum(e.lcnt) FILTER (WHERE e.lidx = 57) AS h57, sum(e.lcnt) FILTER (WHERE e.lidx = 58) AS h58, sum(e.lcnt) FILTER (WHERE e.lidx = 59) AS h59, sum(e.lcnt) FILTER (WHERE e.lidx = 60) AS h60, sum(e.lcnt) FILTER (WHERE e.lidx = 61) AS h61, sum(e.lcnt) FILTER (WHERE e.lidx = 62) AS h62, sum(e.lcnt) FILTER (WHERE e.lidx = 63) AS h63, sum(e.lcnt) FILTER (WHERE e.lidx = 64) AS h64
      FROM contrib e
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
      "latencyHist" = CASE WHEN EXCLUDED."latencyHist" IS NULL THEN r."latencyHist" WHEN r."latencyHist" IS NULL THEN EXCLUDED."latencyHist" ELSE ARRAY[r."latencyHist"[1] + EXCLUDED."latencyHist"[1], r."latencyHist"[2] + EXCLUDED."latencyHist"[2], r."latencyHist"[3] + EXCLUDED."latencyHist"[3], r."latencyHist"[4] + EXCLUDED."latencyHist"[4], r."latencyHist"[5] + EXCLUDED."latencyHist"[5], r."latencyHist"[6] + EXCLUDED."latencyHist"[6], r."latencyHist"[7] + EXCLUDED."latencyHist"[7], r."latencyHist"[8] + EXCLUDED."latencyHist"[8], r."latencyHist"[9] + EXCLUDED."latencyHist"[9], r."latencyHist"[10] + EXCLUDED."latencyHist"[10], r."latencyHist"[11] + EXCLUDED."latencyHist"[11], r."latencyHist"[12] + EXCLUDED."latencyHist"[12], r."latencyHist"[13] + EXCLUDED."latencyHist"[13], r."latencyHist"[14] + EXCLUDED."latencyHist"[14], r."latencyHist"[15] + EXCLUDED."latencyHist"[15], r."latencyHist"[16] + EXCLUDED."latencyHist"[16], r."latencyHist"[17] + EXCLUDED."latencyHist"[17], r."latencyHist"[18] + EXCLUDED."latencyHist"[18], r."latencyHist"[19] + EXCLUDED."latencyHist"[19], r."latencyHist"[20] + EXCLUDED."latencyHist"[20], r."latencyHist"[21] + EXCLUDED."latencyHist"[21], r."latencyHist"[22] + EXCLUDED."latencyHist"[22], r."latencyHist"[23] + EXCLUDED."latencyHist"[23], r."latencyHist"[24] + EXCLUDED."latencyHist"[24], r."latencyHist"[25] + EXCLUDED."latencyHist"[25], r."latencyHist"[26] + EXCLUDED."latencyHist"[26], r."latencyHist"[27] + EXCLUDED."latencyHist"[27], r."latencyHist"[28] + EXCLUDED."latencyHist"[28], r."latencyHist"[29] + EXCLUDED."latencyHist"[29], r."latencyHist"[30] + EXCLUDED."latencyHist"[30], r."latencyHist"[31] + EXCLUDED."latencyHist"[31], r."latencyHist"[32] + EXCLUDED."latencyHist"[32], r."latencyHist"[33] + EXCLUDED."latencyHist"[33], r."latencyHist"[34] + EXCLUDED."latencyHist"[34], r."latencyHist"[35] + EXCLUDED."latencyHist"[35], r."latencyHist"[36] + EXCLUDED."latencyHist"[36], r."latencyHist"[37] + EXCLUDED."latencyHist"[37], r."latencyHist"[38] + EXCLUDED."latencyHist"[38], r."latencyHist"[39] + EXCLUDED."latencyHist"[39], r."latencyHist"[40] + EXCLUDED."latencyHist"[40], r."latencyHist"[41] + EXCLUDED."latencyHist"[41], r."latencyHist"[42] + EXCLUDED."latencyHist"[42], r."latencyHist"[43] + EXCLUDED."latencyHist"[43], r."latencyHist"[44] + EXCLUDED."latencyHist"[44], r."latencyHist"[45] + EXCLUDED."latencyHist"[45], r."latencyHist"[46] + EXCLUDED."latencyHist"[46], r."latencyHist"[47] + EXCLUDED."latencyHist"[47], r."latencyHist"[48] + EXCLUDED."latencyHist"[48], r."latencyHist"[49] + EXCLUDED."latencyHist"[49], r."latencyHist"[50] + EXCLUDED."latencyHist"[50], r."latencyHist"[51] + EXCLUDED."latencyHist"[51], r."latencyHist"[52] + EXCLUDED."latencyHist"[52], r."latencyHist"[53] + EXCLUDED."latencyHist"[53], r."latencyHist"[54] + EXCLUDED."latencyHist"[54], r."latencyHist"[55] + EXCLUDED."latencyHist"[55], r."latencyHist"[56] + EXCLUDED."latencyHist"[56], r."latencyHist"[57] + EXCLUDED."latencyHist"[57], r."latencyHist"[58] + EXCLUDED."latencyHist"[58], r."latencyHist"[59] + EXCLUDED."latencyHist"[59], r."latencyHist"[60] + EXCLUDED."latencyHist"[60], r."latencyHist"[61] + EXCLUDED."latencyHist"[61], r."latencyHist"[62] + EXCLUDED."latencyHist"[62], r."latencyHist"[63] + EXCLUDED."latencyHist"[63], r."latencyHist"[64] + EXCLUDED."latencyHist"[64]] END;
