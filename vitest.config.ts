import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

const src = fileURLToPath(new URL("./src", import.meta.url));

// Defaults so `npx vitest run <file>` works after `npm test` has set things up once.
const testEnv = {
  NODE_ENV: "test" as const,
  DATABASE_URL: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/tollgate_test",
  REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
  REDIS_PREFIX: process.env.REDIS_PREFIX ?? `tgtest-${process.pid}`,
  SMTP_HOST: "127.0.0.1",
  SMTP_PORT: process.env.TEST_SMTP_PORT ?? String(20_000 + (process.pid % 20_000)),
  MAIL_CATCHER_HTTP_PORT: process.env.TEST_MAIL_HTTP_PORT ?? String(40_000 + (process.pid % 20_000)),
  APP_URL: "http://localhost:3000",
  // The fakes and webhook receivers listen on loopback; tests allow exactly that.
  PROVIDER_ALLOWED_HOSTS: "openrouter.ai,api.openai.com,127.0.0.1,localhost",
  OUTBOUND_ALLOW_LOOPBACK: "1",
};
Object.assign(process.env, testEnv);

export default defineConfig({
  resolve: { alias: { "@": src } },
  test: {
    env: testEnv,
    // 2 cores: integration files share one Postgres; two at a time is the sweet spot.
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    projects: [
      {
        extends: true,
        // Property-based unit tests run thousands of cases: seconds, not milliseconds, when the
        // 2 cores are shared with the integration files running beside them.
        test: { name: "unit", testTimeout: 30_000, include: ["src/**/*.test.ts", "workers/**/*.test.ts", "test/**/*.test.ts"], exclude: ["**/*.int.test.ts", "node_modules/**"] },
      },
      {
        extends: true,
        test: {
          name: "int",
          include: ["src/**/*.int.test.ts", "workers/**/*.int.test.ts", "test/**/*.int.test.ts"],
          globalSetup: ["test/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          pool: "forks",

        },
      },
    ],
  },
});
