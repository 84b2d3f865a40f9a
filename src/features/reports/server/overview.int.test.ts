import { describe, expect, it } from "vitest";
import { pool } from "@/server/db";
import { createOrg } from "../../../../test/helpers/factory";
import { spendOverview } from "./overview";

async function rollup(orgId: string, workspaceId: string, at: Date, provider: string, model: string, cost: bigint, extra: Record<string, unknown> = {}) {
  await pool.query(
    `INSERT INTO usage_rollups (granularity,"bucketStart","orgId","workspaceId","memberId",provider,model,"statusClass",requests,errors,"inputTokens","outputTokens","cachedTokens","costMicros")
     VALUES ('hour',$1,$2,$3,$4,$5::"Provider",$6,'2xx',$7,$8,$9,$10,$11,$12)`,
    [at, orgId, workspaceId, extra.memberId ?? "", provider, model, extra.requests ?? 1, extra.errors ?? 0, extra.input ?? 100, extra.output ?? 10, extra.cached ?? 0, cost],
  );
}

describe("spendOverview", () => {
  it("sums both providers exactly, cuts days in the org's time zone and stays inside the org", async () => {
    const a = await createOrg();
    const other = await createOrg();
    await pool.query(`UPDATE orgs SET "timeZone" = 'Asia/Kolkata' WHERE id = $1`, [a.org.id]);
    a.ctx.timeZone = "Asia/Kolkata";
    const h = new Date();
    h.setUTCMinutes(0, 0, 0);
    const earlier = new Date(h.getTime() - 3 * 86_400_000);
    await rollup(a.org.id, a.workspace.id, h, "openai", "gpt-4o", 1_000_001n, { memberId: a.owner.id, cached: 40 });
    await rollup(a.org.id, a.workspace.id, earlier, "openrouter", "anthropic/claude-sonnet-4", 2_500_000n, { requests: 3, errors: 1 });
    await rollup(other.org.id, other.workspace.id, h, "openai", "gpt-4o", 9_999_999n);

    const r = await spendOverview(a.ctx, { days: 30 });
    expect(r.totals.costMicros).toBe(3_500_001n);
    expect(r.totals.requests).toBe(4n);
    expect(r.totals.errors).toBe(1n);
    expect(r.totals.cachedTokens).toBe(40n);
    expect(r.models.map((m) => [m.label, m.costMicros])).toEqual([
      ["openrouter · anthropic/claude-sonnet-4", 2_500_000n],
      ["openai · gpt-4o", 1_000_001n],
    ]);
    expect(r.members.find((m) => m.key === a.owner.id)?.label).toBe(a.owner.email);
    // The day label is the org's local day (UTC+5:30).
    const local = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Kolkata", year: "numeric", month: "2-digit", day: "2-digit" }).format(h);
    expect(r.daily.find((d) => d.provider === "openai")?.day).toBe(local);

    const onlyOpenAI = await spendOverview(a.ctx, { days: 30, provider: "openai" });
    expect(onlyOpenAI.totals.costMicros).toBe(1_000_001n);
  });
});
