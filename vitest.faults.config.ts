import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

// npm run test:faults (scripts/test-faults.sh starts the app and sets FAULTS_BASE_URL).
// One file and one test at a time: the suites share one app and count its database rows.
// Each file in a fresh process (no singleFork): pg-terminate ends the test process's own database
// connections too, and a client cached on globalThis must not carry that into the next file.
export default defineConfig({
  resolve: { alias: { "@": fileURLToPath(new URL("./src", import.meta.url)) } },
  test: {
    include: ["test/faults/**/*.fault.ts", "test/faults/**/*.fuzz.ts"],
    fileParallelism: false,
    pool: "forks",
    poolOptions: { forks: { singleFork: false, isolate: true } },
    sequence: { concurrent: false },
    testTimeout: 3_600_000,
    hookTimeout: 120_000,
  },
});
