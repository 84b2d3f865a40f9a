import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

// Browser journeys (scripts/test-e2e.sh starts the app and sets E2E_BASE_URL). One file at a
// time, one test at a time: they share one app and one browser per file.
export default defineConfig({
  resolve: { alias: { "@": fileURLToPath(new URL("./src", import.meta.url)) } },
  test: {
    include: ["e2e/**/*.spec.ts"],
    fileParallelism: false,
    pool: "forks",
    poolOptions: { forks: { singleFork: true } },
    sequence: { concurrent: false },
    testTimeout: 180_000,
    hookTimeout: 180_000,
    bail: 1,
  },
});
