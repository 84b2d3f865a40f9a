import { join, dirname } from "node:path";
import { migrate } from "../scripts/migrate-lib";
import { startMailCatcher } from "../src/dev/mail-catcher";

// Integration tests: a migrated local database and a real SMTP server on loopback.
export default async function setup() {
  const url = process.env.DATABASE_URL ?? "";
  const host = new URL(url).hostname;
  if (!["127.0.0.1", "localhost", "::1"].includes(host)) throw new Error(`Tests refuse a non-local database (${host})`);
  const root = join(dirname(new URL(import.meta.url).pathname), "..");
  await migrate(url, join(root, "prisma", "migrations"));
  const catcher = await startMailCatcher({
    smtpPort: Number(process.env.SMTP_PORT),
    httpPort: Number(process.env.MAIL_CATCHER_HTTP_PORT),
    quiet: true,
  });
  return async () => {
    await catcher.close();
  };
}
