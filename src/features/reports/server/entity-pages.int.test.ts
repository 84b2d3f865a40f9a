import { describe, expect, it } from "vitest";
import { pool, prisma } from "@/server/db";
import { getMember } from "@/features/tenancy/server/members";
import { getProjectTag } from "@/features/workspaces/server/project-tags";
import { getConnection } from "@/features/providers/server/connections";
import { listConnectionKeys } from "@/features/providers/server/keys.queries";
import { landUsage, makeBudget, makeConnection, makeKey } from "@/features/budgets/test/fixtures";
import { addMember, createOrg, uniq } from "../../../../test/helpers/factory";
import { entitySpend } from "./entity-spend";

// The member, project tag and connection pages: what their server functions return, against
// sums taken here from the raw events, and nothing of another org.

const HOUR = 3_600_000;

async function rawCost(orgId: string, where: string, args: unknown[]): Promise<bigint> {
  const { rows } = await pool.query<{ c: string }>(`SELECT coalesce(sum("costMicros"),0)::text c FROM usage_events WHERE "orgId" = $1 AND ${where}`, [orgId, ...args]);
  return BigInt(rows[0]!.c);
}

async function setup() {
  const o = await createOrg();
  const m = await addMember(o.org.id, "member");
  const tag = await prisma.projectTag.create({ data: { orgId: o.org.id, workspaceId: o.workspace.id, slug: uniq("tag"), name: "Search" } });
  const conn = await makeConnection(o.org.id, "openrouter", "http://127.0.0.1:9/api/v1", "sk-or-entity");
  const other = await makeConnection(o.org.id, "openrouter", "http://127.0.0.1:9/api/v1", "sk-or-other");
  const k1 = await makeKey(o.org.id, { connectionId: conn.id, provider: "openrouter", providerKeyId: uniq("h"), label: "k1" });
  const k2 = await makeKey(o.org.id, { connectionId: conn.id, provider: "openrouter", providerKeyId: uniq("h"), label: "k2" });
  const k3 = await makeKey(o.org.id, { connectionId: other.id, provider: "openrouter", providerKeyId: uniq("h"), label: "k3" });
  const now = Date.now();
  await landUsage(
    Array.from({ length: 40 }, (_, i) => ({
      orgId: o.org.id,
      workspaceId: o.workspace.id,
      provider: "openrouter" as const,
      projectTagId: i % 2 ? tag.id : o.defaultTag.id,
      memberId: [m.user.id, o.owner.id, null][i % 3]!,
      providerKeyId: [k1.id, k2.id, k3.id, null][i % 4]!,
      // Inside the last 30 days, plus a few in the 30 days before (the "previous" figure).
      at: new Date(now - HOUR - i * (i % 5 === 0 ? 40 : 13) * HOUR),
      costMicros: BigInt(1_000 + 37 * i),
    })),
  );
  return { ...o, member: m, tag, conn, other, keys: [k1, k2, k3] };
}

describe("entity pages", () => {
  it("give a member's, a project tag's and a connection's spend and daily trend equal to the raw events of the last 30 days", async () => {
    const o = await setup();
    const since = new Date(Date.now() - 29 * 24 * HOUR); // well inside 30 local days, and all older events are before 31 days ago
    const { rows } = await pool.query<{ n: string }>(`SELECT count(*)::text n FROM usage_events WHERE "orgId" = $1 AND "occurredAt" < $2 AND "occurredAt" > now() - interval '31 days'`, [o.org.id, since]);
    expect(rows[0]!.n).toBe("0");
    const cases = [
      { ref: { param: "member", id: o.member.user.id } as const, where: `"memberId" = $2`, args: [o.member.user.id] },
      { ref: { param: "tag", id: o.tag.id } as const, where: `"projectTagId" = $2`, args: [o.tag.id] },
      { ref: { param: "conn", id: o.conn.id } as const, where: `"providerKeyId" = ANY($2::text[])`, args: [[o.keys[0]!.id, o.keys[1]!.id]] },
    ];
    for (const c of cases) {
      const s = await entitySpend(o.ctx, c.ref);
      const want = await rawCost(o.org.id, `${c.where} AND "occurredAt" >= $${c.args.length + 2}`, [...c.args, since]);
      expect(want).toBeGreaterThan(0n);
      expect(s.costMicros, c.ref.param).toBe(want);
      expect(s.daily.reduce((a, d) => a + d.costMicros, 0n)).toBe(want);
      expect(s.previousMicros, `${c.ref.param} previous`).toBe(await rawCost(o.org.id, `${c.where} AND "occurredAt" < $${c.args.length + 2}`, [...c.args, since]));
    }
  });

  it("list a budget scoped to the entity, and a connection without keys has no spend (not the org's)", async () => {
    const o = await setup();
    const b = await makeBudget(o.org.id, { name: "Member cap", scope: "member", memberId: o.member.user.id, amountMicros: 5_000_000n });
    const kb = await makeBudget(o.org.id, { name: "Key cap", scope: "key", providerKeyId: o.keys[0]!.id, amountMicros: 5_000_000n });
    expect((await entitySpend(o.ctx, { param: "member", id: o.member.user.id })).budgets.map((x) => x.id)).toEqual([b.id]);
    expect((await entitySpend(o.ctx, { param: "conn", id: o.conn.id })).budgets.map((x) => x.id)).toEqual([kb.id]);
    expect((await entitySpend(o.ctx, { param: "conn", id: o.other.id })).budgets).toEqual([]);
    const empty = await makeConnection(o.org.id, "openai", "http://127.0.0.1:9/v1", "sk-admin-empty");
    const s = await entitySpend(o.ctx, { param: "conn", id: empty.id });
    expect(s.costMicros).toBe(0n);
    expect(s.daily).toEqual([]);
    expect(await listConnectionKeys(o.ctx, empty.id)).toEqual([]);
    expect((await listConnectionKeys(o.ctx, o.conn.id)).map((k) => k.label)).toEqual(["k1", "k2"]);
  });

  it("answer 404 to another org, and show it none of the entity's spend", async () => {
    const a = await setup();
    const b = await createOrg();
    await expect(getMember(b.ctx, a.member.user.id)).rejects.toMatchObject({ status: 404 });
    await expect(getProjectTag(b.ctx, a.tag.id)).rejects.toMatchObject({ status: 404 });
    await expect(getConnection(b.ctx, a.conn.id)).rejects.toMatchObject({ status: 404 });
    expect(await listConnectionKeys(b.ctx, a.conn.id)).toEqual([]);
    for (const ref of [
      { param: "member", id: a.member.user.id },
      { param: "tag", id: a.tag.id },
      { param: "conn", id: a.conn.id },
    ] as const) {
      const s = await entitySpend(b.ctx, ref);
      expect(s.costMicros).toBe(0n);
      expect(s.budgets).toEqual([]);
    }
    // The org's own reads work (the 404 above is the org, not a broken lookup).
    expect((await getMember(a.ctx, a.member.user.id)).email).toBe(a.member.user.email);
    expect((await getProjectTag(a.ctx, a.tag.id)).workspace.name).toBe(a.workspace.name);
  });
});
