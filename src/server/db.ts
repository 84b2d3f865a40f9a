import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/generated/prisma/client";
import { env } from "@/env";

// One Prisma client and one raw pg pool per process (hot paths such as ingest use SQL).
const globalForDb = globalThis as unknown as { prisma?: PrismaClient; pgPool?: pg.Pool };

export const pool: pg.Pool =
  globalForDb.pgPool ?? new pg.Pool({ connectionString: env.DATABASE_URL, max: 10, idleTimeoutMillis: 30_000 });

// An idle pooled connection that PostgreSQL ends (restart, failover, pg_terminate_backend, idle
// timeouts in a proxy) makes pg.Pool emit 'error'; with no listener that is an uncaught exception
// and the web or worker process dies. The pool already dropped the client: log and go on.
if (pool.listenerCount("error") === 0) {
  pool.on("error", (e) => console.error(`[db] idle connection lost (${e.message}); the pool reconnects`));
}

export const prisma: PrismaClient =
  globalForDb.prisma ?? new PrismaClient({ adapter: new PrismaPg({ connectionString: env.DATABASE_URL, max: 10 }) });

if (env.NODE_ENV !== "production") {
  globalForDb.prisma = prisma;
  globalForDb.pgPool = pool;
}

export type Db = PrismaClient;
export { Prisma } from "@/generated/prisma/client";
