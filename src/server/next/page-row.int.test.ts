import { describe, expect, it, vi } from "vitest";
import { actAs, sessionMock } from "../../../test/helpers/session";
import { createOrg } from "../../../test/helpers/factory";

vi.mock("@/server/next/session", () => sessionMock);
const { requireOrgRow } = await import("./page-row");

describe("requireOrgRow", () => {
  it("answers an id with a NUL byte with the not-found page (a 404), not a server error", async () => {
    const o = await createOrg();
    actAs(o.owner.id);
    for (const kind of ["schedule", "key", "member", "workspace", "projectTag"] as const) {
      const e = await requireOrgRow(o.org.slug, "reports:read", kind, "a\u0000b").then(
        () => null,
        (x: unknown) => x,
      );
      expect((e as { digest?: string } | null)?.digest, `${kind}: ${String(e)}`).toMatch(/404/);
    }
  });
});
