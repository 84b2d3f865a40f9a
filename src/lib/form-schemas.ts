import { z } from "zod";

// Browser-safe zod pieces that several features' form schemas share.

/**
 * Text PostgreSQL can hold: no NUL (text refuses it) and no lone UTF-16 surrogate (json/jsonb
 * refuse its \u escape). Input that breaks this fails validation (a 400 naming the field)
 * instead of the query (a 500).
 */
export const PG_TEXT = /^(?:[^\u0000\ud800-\udfff]|[\ud800-\udbff][\udc00-\udfff])*$/;
export const PG_TEXT_MESSAGE = "Contains a NUL character or broken Unicode";
/** No NUL only (ids and names whose schemas refuse just that; PG_TEXT also refuses broken Unicode). */
export const NO_NUL = /^[^\u0000]*$/;

/** An optional id from a form or JSON body: blank and missing both mean none (null). */
export const optionalId = z
  .string()
  .trim()
  .max(64)
  .regex(PG_TEXT, PG_TEXT_MESSAGE)
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
