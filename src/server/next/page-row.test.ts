import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

// The shape that keeps foreign ids a real HTTP 404 (see page-row.ts), checked on the files so a
// new [id] page breaks `npm test`, not only the browser-tier check over HTTP.
const ORG_DIR = join(__dirname, "..", "..", "app", "[org]");

function idSegmentDirs(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (!statSync(p).isDirectory()) continue;
    if (/^\[.+\]$/.test(entry) && existsSync(join(p, "page.tsx"))) out.push(p);
    out.push(...idSegmentDirs(p));
  }
  return out;
}

describe("pages with an id segment", () => {
  const dirs = idSegmentDirs(ORG_DIR);

  it("are found", () => {
    expect(dirs.length).toBeGreaterThanOrEqual(3);
  });

  it.each(dirs.map((d) => [relative(ORG_DIR, d), d]))("%s resolves its row in a layout above every loading.tsx", (_rel, dir) => {
    const layout = join(dir, "layout.tsx");
    expect(existsSync(layout) && readFileSync(layout, "utf8").includes("requireOrgRow("), `${layout} must call requireOrgRow`).toBe(true);
    // Any loading.tsx from the org folder down to (not including) the id folder wraps the layout in
    // a Suspense boundary that streams a 200 before it runs.
    const above: string[] = [];
    for (let d = join(dir, ".."); d.startsWith(ORG_DIR); d = join(d, "..")) {
      if (existsSync(join(d, "loading.tsx"))) above.push(relative(ORG_DIR, join(d, "loading.tsx")) || "loading.tsx");
    }
    expect(above, "move these into a route group beside their page, e.g. budgets/(list)/loading.tsx").toEqual([]);
  });
});
