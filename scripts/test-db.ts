import { join, dirname } from "node:path";
import { dropDatabase, migrate } from "./migrate-lib";

const url = process.env.DATABASE_URL ?? "";
const host = new URL(url).hostname;
if (!["127.0.0.1", "localhost", "::1"].includes(host)) {
  console.error(`Refusing to reset a non-local database (${host}).`);
  process.exit(1);
}
const root = join(dirname(new URL(import.meta.url).pathname), "..");
if (process.argv[2] === "reset") await dropDatabase(url);
await migrate(url, join(root, "prisma", "migrations"));
