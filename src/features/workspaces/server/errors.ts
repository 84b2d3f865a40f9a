import { Prisma } from "@/generated/prisma/client";
import { AppError } from "@/server/errors";

/** True when `e` is Postgres' unique violation surfaced by Prisma (P2002). */
export function isUniqueViolation(e: unknown): boolean {
  return e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002";
}

/** A 409 that the form shows inline under `field`. */
export function fieldConflict(field: string, message: string): AppError {
  return new AppError(409, "conflict", message, [{ path: field, message }]);
}

/** A 400 that the form shows inline under `field`. */
export function fieldError(field: string, message: string): AppError {
  return new AppError(400, "bad_request", message, [{ path: field, message }]);
}

/**
 * A 404 that the form also shows under `field`: an id pointing outside the org is "not
 * found" (never "forbidden"), like every other lookup scoped by orgId.
 */
export function fieldNotFound(field: string, message: string): AppError {
  return new AppError(404, "not_found", message, [{ path: field, message }]);
}
