import { describe, expect, it } from "vitest";
import { isDatabaseUnavailable } from "./db-unavailable";

const pgError = (code: string, message = "x") => Object.assign(new Error(message), { code });

describe("isDatabaseUnavailable", () => {
  it("recognises a lost or refused PostgreSQL connection, also when wrapped", () => {
    expect(isDatabaseUnavailable(pgError("57P01", "terminating connection due to administrator command"))).toBe(true);
    expect(isDatabaseUnavailable(pgError("53300"))).toBe(true);
    expect(isDatabaseUnavailable(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isDatabaseUnavailable(pgError("ECONNREFUSED"))).toBe(true);
    expect(isDatabaseUnavailable(new Error("write failed", { cause: pgError("08006") }))).toBe(true);
    // Prisma (driver adapter): P2039 with the PostgreSQL error under meta.driverAdapterError.cause
    const adapter = Object.assign(new Error("terminating connection due to administrator command"), { name: "DriverAdapterError", cause: { kind: "postgres", code: "57P01", originalCode: "57P01" } });
    expect(isDatabaseUnavailable(Object.assign(new Error("Invalid `prisma.workspace.findUnique()` invocation"), { code: "P2039", meta: { modelName: "Workspace", driverAdapterError: adapter } }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error("x"), { cause: { kind: "ConnectionClosed" } }))).toBe(true);
  });

  it("leaves query errors and everything else to the caller", () => {
    expect(isDatabaseUnavailable(pgError("23505", "duplicate key"))).toBe(false);
    expect(isDatabaseUnavailable(pgError("40001"))).toBe(false);
    expect(isDatabaseUnavailable(new Error("Connection terminated by the user? no"))).toBe(false);
    expect(isDatabaseUnavailable(null)).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new Error("x"), { code: "P2002", meta: { driverAdapterError: { cause: { kind: "UniqueConstraintViolation" } } } }))).toBe(false);
    expect(isDatabaseUnavailable("57P01")).toBe(false);
  });
});
