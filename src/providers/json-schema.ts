/**
 * A small JSON Schema validator for the subset the providers' OpenAPI 3.1 documents use:
 * `$ref` into the document (siblings allowed, as 3.1 permits), `type` (string or array, incl.
 * "null" and "integer"), `properties`, `required`, `additionalProperties`, `items`, `enum`,
 * `const`, `nullable` (3.0 style), `oneOf` (exactly one), `anyOf`, `allOf`, `minimum`/`maximum`,
 * `minItems`/`maxItems`. Annotations (`format`, `description`, `example`, `x-*`) are ignored.
 * Used by the contract tests; no dependency needed.
 */

export type Schema = Record<string, unknown>;
export type SchemaError = { path: string; message: string };

type Doc = Record<string, unknown>;

function resolvePointer(doc: Doc, ref: string): Schema {
  if (!ref.startsWith("#/")) throw new Error(`Only local $refs are supported: ${ref}`);
  let node: unknown = doc;
  for (const raw of ref.slice(2).split("/")) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (!node || typeof node !== "object" || !(part in (node as Record<string, unknown>))) throw new Error(`Unresolvable $ref ${ref}`);
    node = (node as Record<string, unknown>)[part];
  }
  return node as Schema;
}

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

function matchesType(v: unknown, t: string): boolean {
  switch (t) {
    case "null":
      return v === null;
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "number":
      return typeof v === "number" && Number.isFinite(v);
    case "array":
      return Array.isArray(v);
    case "object":
      return typeof v === "object" && v !== null && !Array.isArray(v);
    default:
      return typeof v === t;
  }
}

const deepEqual = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function validate(doc: Doc, schema: Schema, value: unknown, path = "$"): SchemaError[] {
  const errors: SchemaError[] = [];
  const err = (message: string, at = path) => errors.push({ path: at, message });

  if (typeof schema.$ref === "string") errors.push(...validate(doc, resolvePointer(doc, schema.$ref), value, path));

  if (schema.nullable === true && value === null) return errors;

  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((t) => matchesType(value, t))) {
      err(`expected ${types.join(" | ")}, got ${typeOf(value)}`);
      return errors;
    }
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => deepEqual(e, value))) err(`expected one of ${JSON.stringify(schema.enum)}, got ${JSON.stringify(value)}`);
  if ("const" in schema && !deepEqual(schema.const, value)) err(`expected ${JSON.stringify(schema.const)}, got ${JSON.stringify(value)}`);

  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) err(`expected >= ${schema.minimum}, got ${value}`);
    if (typeof schema.maximum === "number" && value > schema.maximum) err(`expected <= ${schema.maximum}, got ${value}`);
  }

  if (matchesType(value, "object")) {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const req of (schema.required as string[] | undefined) ?? []) if (!(req in obj)) err(`missing required property "${req}"`);
    for (const [k, v] of Object.entries(obj)) {
      const at = `${path}.${k}`;
      if (props[k]) errors.push(...validate(doc, props[k], v, at));
      else if (schema.additionalProperties === false) err(`unexpected property "${k}"`, at);
      else if (schema.additionalProperties && typeof schema.additionalProperties === "object") errors.push(...validate(doc, schema.additionalProperties as Schema, v, at));
    }
  }

  if (Array.isArray(value)) {
    if (typeof schema.minItems === "number" && value.length < schema.minItems) err(`expected at least ${schema.minItems} items`);
    if (typeof schema.maxItems === "number" && value.length > schema.maxItems) err(`expected at most ${schema.maxItems} items`);
    if (schema.items && typeof schema.items === "object") value.forEach((item, i) => errors.push(...validate(doc, schema.items as Schema, item, `${path}[${i}]`)));
  }

  if (Array.isArray(schema.allOf)) for (const s of schema.allOf as Schema[]) errors.push(...validate(doc, s, value, path));
  if (Array.isArray(schema.anyOf)) {
    const results = (schema.anyOf as Schema[]).map((s) => validate(doc, s, value, path));
    if (!results.some((r) => r.length === 0)) err(`matches none of anyOf (${results.map((r) => r[0]?.message ?? "?").join("; ")})`);
  }
  if (Array.isArray(schema.oneOf)) {
    const results = (schema.oneOf as Schema[]).map((s) => validate(doc, s, value, path));
    const passing = results.filter((r) => r.length === 0).length;
    if (passing !== 1) {
      const best = results.reduce((a, b) => (b.length < a.length ? b : a), results[0] ?? []);
      err(passing === 0 ? `matches none of oneOf (closest: ${best.map((e) => `${e.path}: ${e.message}`).join("; ")})` : `matches ${passing} of oneOf, expected exactly 1`);
    }
  }
  return errors;
}

/** The JSON schema of one documented response: paths[path][method].responses[status] (following $refs). */
export function responseSchema(doc: Doc, apiPath: string, method: string, status: number | string): Schema {
  const paths = doc.paths as Record<string, Record<string, { responses?: Record<string, unknown> }>>;
  const op = paths[apiPath]?.[method.toLowerCase()];
  if (!op) throw new Error(`No operation ${method} ${apiPath} in the document`);
  let res = op.responses?.[String(status)] as Record<string, unknown> | undefined;
  if (!res) throw new Error(`No ${status} response documented for ${method} ${apiPath}`);
  if (typeof res.$ref === "string") res = resolvePointer(doc, res.$ref);
  const schema = (res.content as Record<string, { schema?: Schema }> | undefined)?.["application/json"]?.schema;
  if (!schema) throw new Error(`No JSON schema for ${status} of ${method} ${apiPath}`);
  return schema;
}

/** Validates and throws with every problem listed (handy inside tests). */
export function assertMatches(doc: Doc, schema: Schema, value: unknown, label = "value"): void {
  const errors = validate(doc, schema, value);
  if (errors.length) throw new Error(`${label} does not match the schema:\n${errors.slice(0, 20).map((e) => `  ${e.path}: ${e.message}`).join("\n")}`);
}
