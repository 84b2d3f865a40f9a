import { describe, expect, it } from "vitest";
import { auditDiff } from "./audit-view";

describe("auditDiff", () => {
  it("lists only changed fields, readable, and every field of a create", () => {
    expect(auditDiff({ role: "member", email: "a@x" }, { role: "admin", email: "a@x" })).toEqual([{ field: "role", before: "member", after: "admin" }]);
    expect(auditDiff(null, { name: "Prod", amountMicros: "5000000" })).toEqual([
      { field: "name", before: "—", after: "Prod" },
      { field: "amountMicros", before: "—", after: "5000000" },
    ]);
    expect(auditDiff({ thresholds: [50, 80] }, { thresholds: [50, 90] })).toEqual([{ field: "thresholds", before: "[50,80]", after: "[50,90]" }]);
  });
});
