import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { buildOpenApi } from "@/server/openapi/build";
import { validate, type Schema } from "@/providers/json-schema";
import { PATH_SPECS } from "@/app/api/v1/openapi.json/specs";

const APP = join(__dirname, "..", "src", "app");
const doc = buildOpenApi(PATH_SPECS, { serverUrl: "http://localhost:3000", version: "test" }) as unknown as Record<string, unknown> & { paths: Record<string, Record<string, Record<string, unknown>>> };

function routeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? routeFiles(p) : e === "route.ts" ? [p] : [];
  });
}

/** src/app/api/v1/orgs/[org]/budgets/route.ts → /api/v1/orgs/{org}/budgets */
const apiPath = (file: string) => "/" + relative(APP, file).replace(/\/route\.ts$/, "").replace(/\[([^\]]+)\]/g, "{$1}");

describe("OpenAPI document", () => {
  it("is OpenAPI 3.1 with info, servers, security schemes and operations that each have responses", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc).toMatchObject({ info: { title: expect.any(String), version: "test" }, servers: [{ url: expect.any(String) }] });
    const ids = new Set<string>();
    const schemes = Object.keys((doc.components as { securitySchemes: object }).securitySchemes);
    for (const [path, ops] of Object.entries(doc.paths)) {
      expect(path.startsWith("/api/")).toBe(true);
      for (const [method, op] of Object.entries(ops)) {
        expect(["get", "post", "put", "patch", "delete"]).toContain(method);
        expect(ids.has(op.operationId as string), `duplicate operationId ${String(op.operationId)}`).toBe(false);
        ids.add(op.operationId as string);
        expect(Object.keys(op.responses as object).length).toBeGreaterThan(0);
        for (const s of (op.security as Record<string, unknown>[]) ?? []) for (const k of Object.keys(s)) expect(schemes).toContain(k);
        const pathParams = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
        const declared = ((op.parameters as { name: string; in: string }[]) ?? []).filter((p) => p.in === "path").map((p) => p.name);
        expect(declared.sort()).toEqual(pathParams.sort());
      }
    }
    expect(JSON.stringify(doc)).not.toMatch(/"\$ref":"#\/(?!components\/schemas\/Error")/);
  });

  it("lists every route.ts under src/app/api/v1 and OTLP, with each method it exports", async () => {
    const files = [...routeFiles(join(APP, "api", "v1")), ...routeFiles(join(APP, "api", "otlp"))];
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const path = apiPath(f);
      expect(doc.paths[path], `${path} is missing from the OpenAPI document`).toBeTruthy();
      const mod = (await import(f)) as Record<string, unknown>;
      const methods = ["GET", "POST", "PUT", "PATCH", "DELETE"].filter((m) => typeof mod[m] === "function").map((m) => m.toLowerCase());
      expect(Object.keys(doc.paths[path]!).sort(), path).toEqual(methods.sort());
    }
  }, 30_000); // imports every route module: slow on a busy 2-core machine

  it("describes the report API's query and response from the zod schemas the handler uses", () => {
    const op = doc.paths["/api/v1/reports/usage"]!.get!;
    const names = (op.parameters as { name: string }[]).map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(["from", "to", "bucket", "group_by", "format", "cursor", "limit", "model", "workspace_id"]));
    const schema = ((op.responses as Record<string, { content: Record<string, { schema: Schema }> }>)["200"]!.content["application/json"]!.schema);
    const good = { data: [{ model: "gpt-4o", cost_micros: "12", requests: 3, latency_p95_ms: null }], columns: ["model"], time_zone: "UTC", next_cursor: null, page_size: 1000 };
    expect(validate(doc, schema, good)).toEqual([]);
    expect(validate(doc, schema, { ...good, next_cursor: 5 }).length).toBeGreaterThan(0);
    const ingest = doc.paths["/api/v1/usage"]!.post!;
    expect(JSON.stringify(ingest.requestBody)).toContain("input_tokens");
  });
});
