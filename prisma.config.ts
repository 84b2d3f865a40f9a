import { defineConfig } from "prisma/config";

// Used by the Prisma CLI (generate). Migrations are applied by scripts/db-migrate.ts,
// which records them in _prisma_migrations exactly as `prisma migrate deploy` does.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations", seed: "tsx prisma/seed.ts" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/tollgate" },
});
