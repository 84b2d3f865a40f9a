import { describe, expect, it } from "vitest";
import { prisma } from "@/server/db";
import { createApiToken } from "@/features/api-tokens/server/api-tokens";
import { GET as runsGET } from "@/app/api/v1/report-runs/route";
import { GET as runCsvGET } from "@/app/api/v1/report-runs/[runId]/download/route";
import { createOrg } from "../../../../test/helpers/factory";

// The run history through the token API: what it lists is what it serves.

describe("report runs through the API", () => {
  it("lists hasCsv true exactly for the runs whose CSV downloads (a run still sending, or failed before its content was built, has none)", async () => {
    const o = await createOrg();
    const { token } = await createApiToken(o.ctx, { name: "pipeline" });
    const schedule = await prisma.reportSchedule.create({ data: { orgId: o.org.id, name: "Daily", frequency: "daily", recipients: ["f@example.test"] } });
    const period = { periodStart: new Date("2026-11-01T00:00:00Z"), periodEnd: new Date("2026-11-02T00:00:00Z") };
    const runs = [
      { status: "pending", csv: null },
      { status: "sending", csv: null },
      { status: "failed", csv: null },
      { status: "sent", csv: Buffer.from("a\r\n") },
      { status: "none", csv: Buffer.from("a\r\n") },
    ];
    for (const [i, r] of runs.entries()) {
      await prisma.reportRun.create({ data: { orgId: o.org.id, scheduleId: schedule.id, dedupeKey: `${schedule.id}:${i}`, ...period, status: r.status, csv: r.csv } });
    }
    const auth = { headers: { authorization: `Bearer ${token}` } };
    const res = await runsGET(new Request("http://localhost/api/v1/report-runs", auth), { params: Promise.resolve({}) });
    const { data } = (await res.json()) as { data: { id: string; status: string; hasCsv: boolean }[] };
    expect(data).toHaveLength(runs.length);
    for (const run of data) {
      const file = await runCsvGET(new Request(`http://localhost/api/v1/report-runs/${run.id}/download`, auth), { params: Promise.resolve({ runId: run.id }) });
      expect(file.status === 200, `${run.status}: hasCsv ${run.hasCsv}, download ${file.status}`).toBe(run.hasCsv);
    }
  });
});
