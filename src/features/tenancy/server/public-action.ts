import type { z } from "zod";
import { AppError, zodIssues } from "@/server/errors";

/** Same shape as a tenantAction's result, so forms handle both alike. */
export type PublicActionResult<T> =
  | { ok: true; data: T }
  | { ok: false; status: number; error: string; fieldErrors?: Record<string, string> };

/**
 * For the few actions that run before there is a tenant (sign-up, onboarding, accepting an
 * invitation): parse with the form's zod schema, run, and turn AppErrors into messages.
 */
export async function runPublicAction<S extends z.ZodType, T>(
  schema: S,
  input: unknown,
  fn: (input: z.infer<S>) => Promise<T>,
): Promise<PublicActionResult<T>> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issues = zodIssues(parsed.error);
    const fieldErrors: Record<string, string> = {};
    for (const i of issues) fieldErrors[i.path || "_"] ??= i.message;
    return { ok: false, status: 400, error: issues[0]?.message ?? "Invalid input", fieldErrors };
  }
  try {
    return { ok: true, data: await fn(parsed.data) };
  } catch (e) {
    if (e instanceof AppError) return { ok: false, status: e.status, error: e.message };
    console.error("[action] unhandled error", e);
    return { ok: false, status: 500, error: "Something went wrong. Try again." };
  }
}
