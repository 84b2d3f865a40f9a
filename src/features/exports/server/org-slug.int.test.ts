import { describe, expect, it, vi } from "vitest";
import { actAs, sessionMock } from "../../../../test/helpers/session";
import { createOrg } from "../../../../test/helpers/factory";

// The signed-in download routes resolve the org from the URL: a slug no org can have is a 404
// like any other org the member does not belong to.

vi.mock("@/server/next/session", () => sessionMock);
const { GET: runDownload } = await import("@/app/api/v1/orgs/[org]/report-runs/[runId]/download/route");
const { GET: exportDownload } = await import("@/app/api/v1/orgs/[org]/exports/[exportId]/download/route");
const { createExportAction } = await import("@/app/[org]/exports/actions");

describe("an org slug with a NUL byte", () => {
  it("is answered 404 by the report-run and export downloads and the export action, not 500", async () => {
    const o = await createOrg();
    actAs(o.owner.id);
    const runs = await runDownload(new Request("http://localhost/api/v1/orgs/%00/report-runs/x/download"), { params: Promise.resolve({ org: "\u0000", runId: "x" }) });
    expect(runs.status).toBe(404);
    const exp = await exportDownload(new Request(`http://localhost/api/v1/orgs/${o.org.slug}%00/exports/x/download`), { params: Promise.resolve({ org: `${o.org.slug}\u0000`, exportId: "x" }) });
    expect(exp.status).toBe(404);
    expect(await createExportAction(`${o.org.slug}\u0000`, { from: "2026-11-01", to: "2026-11-02" })).toMatchObject({ ok: false, status: 404 });
  });
});
