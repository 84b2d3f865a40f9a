import type { z } from "zod";

/** Client-side check with the server's own schema: the parsed input, or field → first message. */
export function checkForm<S extends z.ZodType>(schema: S, input: unknown): { data: z.infer<S>; errors: null } | { data: null; errors: Record<string, string> } {
  const parsed = schema.safeParse(input);
  if (parsed.success) return { data: parsed.data, errors: null };
  const errors: Record<string, string> = {};
  for (const i of parsed.error.issues) errors[i.path.map(String).join(".") || "_"] ??= i.message;
  return { data: null, errors };
}

/** A form's string fields as a plain object (what the schemas parse). */
export function formFields(form: HTMLFormElement): Record<string, string> {
  const out: Record<string, string> = {};
  new FormData(form).forEach((v, k) => {
    if (typeof v === "string") out[k] = v;
  });
  return out;
}
