import type { Metadata } from "next";
import { getPageContext } from "@/server/next/page-context";
import { Card, PageHeader } from "@/components/ui/card";
import { openApiDocument } from "@/app/api/v1/openapi.json/document";

export const metadata: Metadata = { title: "API reference · Tollgate" };

type Op = { summary: string; description?: string; tags: string[]; security?: Record<string, unknown>[]; parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: unknown }[]; requestBody?: unknown; responses: Record<string, { description: string }> };

const AUTH: Record<string, string> = { apiToken: "Org API token (Bearer tg_api_…)", ingestToken: "Workspace ingest token (Bearer tg_ingest_…)", session: "Signed-in session" };

function typeOf(schema: unknown): string {
  const s = (schema ?? {}) as { type?: string; enum?: unknown[]; items?: { enum?: unknown[] } };
  if (s.enum) return s.enum.join(" | ");
  if (s.type === "array") return s.items?.enum ? `list of ${s.items.enum.join(" | ")}` : "list";
  return s.type ?? "list or value";
}

/** A readable rendering of /api/v1/openapi.json (the same document, generated from the zod schemas). */
export default async function ApiDocsPage({ params }: { params: Promise<{ org: string }> }) {
  await getPageContext((await params).org);
  const doc = openApiDocument();
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op: op as Op })));
  const tags = [...new Set(ops.flatMap((o) => o.op.tags))];
  return (
    <>
      <PageHeader title="API reference" description={<>Generated from the routes&apos; zod schemas. Machine-readable: <a className="text-blue-700 hover:underline" href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3.1).</>} />
      <div className="space-y-6">
        <Card title="Conventions">
          <ul className="list-disc space-y-1 pl-5 text-sm text-gray-700">
            <li>Money: <code>cost_micros</code> is integer micro-USD (1 USD = 1,000,000); <code>cost_usd</code> the same as an exact 6-decimal string.</li>
            <li>Dates: <code>from</code>/<code>to</code> take a date (local midnight in the org&apos;s time zone) or an ISO instant; output times are ISO 8601 with the org&apos;s offset.</li>
            <li>Errors: <code>{"{ error: { code, message, issues: [{ path, message }] } }"}</code>; another org&apos;s ids answer 404.</li>
            <li>CSV cells that start with = + - @ tab or CR are prefixed with &apos; (spreadsheet formula injection).</li>
          </ul>
        </Card>
        {tags.map((tag) => (
          <Card key={tag} title={tag}>
            <div className="space-y-6">
              {ops
                .filter((o) => o.op.tags.includes(tag))
                .map(({ path, method, op }) => (
                  <section key={`${method} ${path}`} aria-label={`${method.toUpperCase()} ${path}`} className="space-y-2">
                    <h3 className="font-mono text-sm">
                      <span className="mr-2 rounded bg-gray-900 px-1.5 py-0.5 text-xs font-semibold text-white">{method.toUpperCase()}</span>
                      {path}
                    </h3>
                    <p className="text-sm font-medium">{op.summary}</p>
                    {op.description ? <p className="text-sm text-gray-600">{op.description}</p> : null}
                    <p className="text-xs text-gray-500">Auth: {(op.security ?? []).map((s) => Object.keys(s).map((k) => AUTH[k] ?? k).join(", ")).join(" or ") || "none"}</p>
                    {op.parameters?.some((p) => p.in === "query") ? (
                      <table className="w-full text-left text-xs">
                        <thead>
                          <tr className="text-gray-500">
                            <th className="py-1">Parameter</th>
                            <th>Type</th>
                            <th>Description</th>
                          </tr>
                        </thead>
                        <tbody>
                          {op.parameters
                            .filter((p) => p.in === "query")
                            .map((p) => (
                              <tr key={p.name} className="border-t border-gray-100">
                                <td className="py-1 font-mono">
                                  {p.name}
                                  {p.required ? " *" : ""}
                                </td>
                                <td>{typeOf(p.schema)}</td>
                                <td>{p.description ?? ""}</td>
                              </tr>
                            ))}
                        </tbody>
                      </table>
                    ) : null}
                    {op.requestBody ? (
                      <details className="text-xs">
                        <summary className="cursor-pointer text-gray-600">Request body schema</summary>
                        <pre className="mt-1 max-h-80 overflow-auto rounded bg-gray-50 p-2">{JSON.stringify(op.requestBody, null, 2)}</pre>
                      </details>
                    ) : null}
                    <p className="text-xs text-gray-600">Responses: {Object.entries(op.responses).map(([code, r]) => `${code} ${r.description}`).join(" · ")}</p>
                  </section>
                ))}
            </div>
          </Card>
        ))}
      </div>
    </>
  );
}
