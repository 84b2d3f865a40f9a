import { describe, expect, it } from "vitest";
import { createOrg } from "../../../../test/helpers/factory";
import { openExportDownload } from "./exports";
import { runCsv } from "@/features/schedules/server/runs";

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
