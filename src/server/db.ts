import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/generated/prisma/client";
import { env } from "@/env";

// One Prisma client and one raw pg pool per process (hot paths such as ingest use SQL).
const globalForDb = globalThis as unknown as { prisma?: PrismaClient; pgPool?: pg.Pool };

export const pool: pg.Pool =
  globalForDb.pgPool ?? new pg.Pool({ connectionString: env.DATABASE_URL, max: 10, idleTimeoutMillis: 30_000 });

export const prisma: PrismaClient =
  globalForDb.prisma ?? new PrismaClient({ adapter: new PrismaPg({ connectionString: env.DATABASE_URL, max: 10 }) });

if (env.NODE_ENV !== "production") {
  globalForDb.prisma = prisma;
  globalForDb.pgPool = pool;
}

export type Db = PrismaClient;
export { Prisma } from "@/generated/prisma/client";
