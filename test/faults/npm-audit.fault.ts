/**
 * `npm audit --omit=dev`: the production dependencies have no high or critical advisory.
 * It needs the registry's audit endpoint. When the endpoint can't be reached or refuses the
 * request, the check is SKIPPED, loudly (a warning here, `audit: "skipped: …"` in the JSON
 * line), never passed. The counts go to .data/faults/audit.json for the JSON line.
 */
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./harness";

const RESULTS = process.env.FAULTS_AUDIT_RESULTS ?? join(ROOT, ".data/faults/audit.json");
type Counts = Record<"info" | "low" | "moderate" | "high" | "critical" | "total", number>;
type AuditJson = { metadata?: { vulnerabilities?: Counts }; vulnerabilities?: Record<string, { severity: string; via: unknown[] }>; message?: string; error?: { summary?: string } };

function record(r: { status: "ok" | "failed" | "skipped"; reason?: string; counts?: Counts; high_or_critical?: string[] }) {
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, JSON.stringify(r, null, 2));
}

function runAudit(): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("npm", ["audit", "--omit=dev", "--json"], { cwd: ROOT, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe("npm audit --omit=dev", () => {
  it("finds no high or critical advisory in the production dependencies", async (ctx) => {
    const { code, stdout, stderr } = await runAudit();
    let parsed: AuditJson | null = null;
    try {
      parsed = JSON.parse(stdout) as AuditJson;
    } catch {
      parsed = null;
    }
    const counts = parsed?.metadata?.vulnerabilities;
    if (!counts) {
      // No report: the registry (or its audit endpoint) was not reachable. Not a pass.
      const reason = (parsed?.message ?? parsed?.error?.summary ?? stderr.split("\n").find((l) => /error/i.test(l)) ?? `npm audit exited ${code} without a report`).trim();
      record({ status: "skipped", reason });
      console.warn(`\n!!! npm audit NOT CHECKABLE HERE (skipped, not passed): the registry's audit endpoint gave no report (${reason}).\n!!! Run \`npm audit --omit=dev\` where the registry is reachable.\n`);
      ctx.skip();
      return;
    }
    const bad = Object.entries(parsed?.vulnerabilities ?? {})
      .filter(([, v]) => v.severity === "high" || v.severity === "critical")
      .map(([name, v]) => `${name} (${v.severity})`);
    record({ status: counts.high + counts.critical > 0 ? "failed" : "ok", counts, high_or_critical: bad });
    console.log(`npm audit --omit=dev: critical ${counts.critical}, high ${counts.high}, moderate ${counts.moderate}, low ${counts.low}, info ${counts.info}`);
    expect(bad).toEqual([]);
    expect({ high: counts.high, critical: counts.critical }).toEqual({ high: 0, critical: 0 });
  });
});
