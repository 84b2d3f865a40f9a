import { z } from "zod";

// Browser-safe zod pieces that several features' form schemas share.

/** An optional id from a form or JSON body: blank and missing both mean none (null). */
export const optionalId = z
  .string()
  .trim()
  .max(64)
  .optional()
  .nullable()
  .transform((v) => (v ? v : null));

/** A list given as an array or as a comma/newline-separated string (form fields). */
export function listOf<T extends z.ZodType>(item: T, max: number, what: string) {
  return z.preprocess(
    (v) =>
      typeof v === "string"
        ? v
            .split(/[\s,;]+/)
            .map((s) => s.trim())
            .filter(Boolean)
        : v,
    z.array(item).max(max, `At most ${max} ${what}`),
  );
}
