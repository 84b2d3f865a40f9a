import { join, dirname } from "node:path";
import { migrate } from "./migrate-lib";
import { env } from "../src/env";

const root = join(dirname(new URL(import.meta.url).pathname), "..");
const applied = await migrate(env.DATABASE_URL, join(root, "prisma", "migrations"), (m) => console.log(`[db:migrate] ${m}`));
console.log(`[db:migrate] ${applied.length ? `${applied.length} migration(s) applied` : "database is up to date"}`);
