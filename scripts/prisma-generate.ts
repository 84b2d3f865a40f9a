/**
 * `prisma generate` offline: generate never runs the schema engine, but the CLI insists on a
 * path to one and would try to download it; any existing file satisfies it.
 */
import { spawnSync } from "node:child_process";

const r = spawnSync("npx", ["prisma", "generate"], {
  stdio: "inherit",
  env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath },
});
process.exit(r.status ?? 1);
