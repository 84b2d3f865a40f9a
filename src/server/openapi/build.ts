import { z } from "zod";

/**
 * OpenAPI 3.1 from zod. Each public route declares its operations in an `openapi.ts` beside
 * its `route.ts` (input and output zod schemas — the same ones the handler parses with);
 * `buildOpenApi` turns them into one document. JSON Schema 2020-12 is OpenAPI 3.1's dialect,
 * which is what `z.toJSONSchema` writes.
 */
export type Auth = "apiToken" | "session" | "ingestToken" | "none";
export type Operation = {
  summary: string;
  description?: string;
  tags: string[];
  auth: Auth;
  query?: z.ZodObject;
  body?: z.ZodType;
  bodyContentTypes?: string[];
  responses: Record<number, { description: string; schema?: z.ZodType; contentTypes?: string[] }>;
};
export type Method = "get" | "post" | "put" | "patch" | "delete";
export type PathSpec = { path: string; methods: Partial<Record<Method, Operation>> };

export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    issues: z.array(z.object({ path: z.string().describe("The field, e.g. events.3.input_tokens"), message: z.string() })).optional(),
  }),
});

function jsonSchema(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any" }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

const SECURITY: Record<Auth, Record<string, string[]>[] | undefined> = {
  apiToken: [{ apiToken: [] }],
  ingestToken: [{ ingestToken: [] }],
  session: [{ session: [] }],
  none: [],
};

const STANDARD_ERRORS: Record<Auth, number[]> = {
  apiToken: [400, 401, 403, 404],
  ingestToken: [400, 401, 413, 429],
  session: [400, 401, 403, 404],
  none: [],
};

function operation(path: string, method: Method, op: Operation) {
  const params: Record<string, unknown>[] = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "string" } }));
  if (op.query) {
    for (const [name, field] of Object.entries(op.query.shape)) {
      const schema = jsonSchema(field as z.ZodType, "input");
      const required = !(field as z.ZodType).safeParse(undefined).success;
      const { description, ...rest } = schema;
      params.push({ name, in: "query", required, ...(description ? { description } : {}), schema: rest, ...(rest.type === "array" || Object.keys(rest).length === 0 ? { style: "form", explode: true } : {}) });
    }
  }
  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(op.responses)) {
    const types = r.contentTypes ?? ["application/json"];
    responses[status] = {
      description: r.description,
      ...(r.schema || r.contentTypes ? { content: Object.fromEntries(types.map((t) => [t, t.includes("json") && r.schema ? { schema: jsonSchema(r.schema, "output") } : { schema: { type: "string" } }])) } : {}),
    };
  }
  for (const status of STANDARD_ERRORS[op.auth]) {
    responses[String(status)] ??= { description: ERROR_TEXT[status] ?? "Error", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } };
  }
  return {
    operationId: `${method}${path.replace(/\{([^}]+)\}/g, "By_$1").replace(/[^a-zA-Z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ""))}`,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    tags: op.tags,
    security: SECURITY[op.auth],
    ...(params.length ? { parameters: params } : {}),
    ...(op.body
      ? { requestBody: { required: true, content: Object.fromEntries((op.bodyContentTypes ?? ["application/json"]).map((t) => [t, { schema: t.includes("json") ? jsonSchema(op.body!, "input") : { type: "string", format: "binary" } }])) } }
      : {}),
    responses,
  };
}

const ERROR_TEXT: Record<number, string> = {
  400: "Bad input; `issues` names each field",
  401: "Missing, unknown or revoked token / no session",
  403: "Authenticated, but not allowed (role or token scope)",
  404: "Not found in your organization (another org's ids are never confirmed)",
  413: "Batch too large",
  429: "Rate limited; see Retry-After",
};

export function buildOpenApi(paths: PathSpec[], opts: { serverUrl: string; version: string }) {
  const out: Record<string, Record<string, unknown>> = {};
  for (const p of [...paths].sort((a, b) => a.path.localeCompare(b.path))) {
    out[p.path] = Object.fromEntries(Object.entries(p.methods).map(([m, op]) => [m, operation(p.path, m as Method, op)]));
  }
  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    info: {
      title: "Tollgate API",
      version: opts.version,
      description:
        "Ingest usage (workspace ingest tokens), pull reports and exports (org API tokens with scope reports:read), manage budgets (signed-in members). Money is integer micro-USD (1 USD = 1,000,000) beside an exact 6-decimal USD string.",
    },
    servers: [{ url: opts.serverUrl }],
    components: {
      securitySchemes: {
        apiToken: { type: "http", scheme: "bearer", description: "Org API token (tg_api_…), Settings → API tokens. Read-only scopes." },
        ingestToken: { type: "http", scheme: "bearer", description: "Workspace ingest token (tg_ingest_…)." },
        session: { type: "apiKey", in: "cookie", name: "next-auth.session-token", description: "A signed-in member's session (the web app)." },
      },
      schemas: { Error: jsonSchema(ErrorBody, "output") },
    },
    paths: out,
  };
}
