import { z } from "zod";

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  minItems?: number;
  default?: unknown;
};

/**
 * A plausible valid input for a zod schema, with every id-like field set by `idFor(name)`.
 * Used to call every server action with another org's ids.
 */
export function sampleInput(schema: z.ZodType, idFor: (field: string) => string | undefined): unknown {
  let js: JsonSchema;
  try {
    js = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  } catch {
    return {};
  }
  return sample(js, "", idFor);
}

function sample(s: JsonSchema, name: string, idFor: (field: string) => string | undefined): unknown {
  if (s.const !== undefined) return s.const;
  if (s.enum?.length) return s.enum[0];
  const alt = s.anyOf ?? s.oneOf;
  if (alt?.length) return sample(alt.find((a) => a.type !== "null") ?? alt[0]!, name, idFor);
  if (s.allOf?.length) return Object.assign({}, ...s.allOf.map((a) => sample(a, name, idFor) as object));
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type;
  switch (type) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(s.properties ?? {})) out[k] = sample(v, k, idFor);
      return out;
    }
    case "array": {
      const n = Math.max(s.minItems ?? 0, /ids$/i.test(name) ? 1 : 0);
      return Array.from({ length: n }, () => sample(s.items ?? {}, name.replace(/s$/, ""), idFor));
    }
    case "integer":
    case "number": {
      const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : undefined);
      if (min !== undefined) return min;
      if (s.maximum !== undefined) return Math.min(1, s.maximum);
      return 1;
    }
    case "boolean":
      return false;
    case "string":
    default: {
      const id = idFor(name);
      if (id) return id;
      if (s.format === "email" || /email/i.test(name)) return `isolation-${Date.now()}@example.test`;
      if (s.format === "uri" || s.format === "url" || /url$/i.test(name)) return "https://example.test/hook";
      if (s.format === "date-time") return new Date().toISOString();
      if (/zone/i.test(name)) return "UTC";
      if (/amount|usd|price|cost/i.test(name)) return "1";
      if (s.pattern && /a-z0-9/.test(s.pattern)) return `iso-${Math.random().toString(36).slice(2, 8)}`;
      const len = Math.max(s.minLength ?? 0, 12);
      return "isolation-test-value".padEnd(len, "x").slice(0, s.maxLength ?? len);
    }
  }
}
