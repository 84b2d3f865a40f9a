import { describe, expect, it } from "vitest";
import { createOrg } from "../../../../test/helpers/factory";
import { openExportDownload } from "./exports";
import { runCsv } from "@/features/schedules/server/runs";
import { createApiToken } from "@/features/api-tokens/server/api-tokens";
import { GET as runsGET } from "@/app/api/v1/report-runs/route";

// Found by test/faults/fuzz-reports.fuzz.ts: GET /api/v1/exports/%00/download answered 500
// (PostgreSQL refuses a NUL byte in text). An id no row can have fails validation (a ZodError:
// the gate answers 400 naming the field), before any query.

describe("ids with a NUL byte", () => {
  it("an export or report-run id with a NUL byte is refused as bad input, not a server error", async () => {
    const o = await createOrg();
    for (const call of [() => openExportDownload(o.ctx, { exportId: "\u0000" }), () => runCsv(o.ctx, { runId: "a\u0000b" })]) {
      const e = await call().then(
        () => null,
        (x: unknown) => x,
      );
      expect((e as Error | null)?.name).toBe("ZodError");
    }
  });
});

describe("a report-run list filtered by a schedule id with a NUL byte", () => {
  it("is refused with 400 naming scheduleId, not a server error", async () => {
    const o = await createOrg();
    const { token } = await createApiToken(o.ctx, { name: "pipeline" });
    const res = await runsGET(new Request("http://localhost/api/v1/report-runs?scheduleId=a%00b", { headers: { authorization: `Bearer ${token}` } }), { params: Promise.resolve({}) });
    const body = (await res.json()) as { error: { issues?: { path: string }[] } };
    expect(res.status, JSON.stringify(body)).toBe(400);
    expect(body.error.issues?.map((i) => i.path)).toContain("scheduleId");
  });
});
