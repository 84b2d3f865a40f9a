import { describe, expect, it } from "vitest";
import { OpenAIAdminClient } from "./client";

/** A Costs API that answers one page of daily buckets with the given USD amounts (JSON floats). */
function costsApi(amounts: number[]): typeof fetch {
  return async () => {
    const day = 86_400;
    const data = amounts.map((value, i) => ({
      object: "bucket", start_time: 1_793_491_200 + i * day, end_time: 1_793_491_200 + (i + 1) * day,
      results: [{ object: "organization.costs.result", amount: { value, currency: "usd" }, project_id: "proj_1" }],
    }));
    return new Response(JSON.stringify({ object: "page", data, has_more: false, next_page: null }), { status: 200, headers: { "content-type": "application/json" } });
  };
}

describe("OpenAI project month-to-date spend", () => {
  it("is summed in integer micro-USD, exact where a float sum of the lines is not", async () => {
    // A float sum of these three lines is 1 micro-USD off (14425304420271784).
    const amounts = [5839505228.198734, 7758954161.454898, 826845030.618151];
    const client = new OpenAIAdminClient({ apiKey: "sk-admin-test", baseUrl: "http://127.0.0.1:9/v1", fetch: costsApi(amounts), maxRetries: 0 });
    expect(await client.projectMonthToDateMicros("proj_1", new Date("2026-11-20T00:00:00Z"))).toBe(14_425_304_420_271_783n);
  });

  it("sums ordinary cents without drift", async () => {
    const client = new OpenAIAdminClient({ apiKey: "sk-admin-test", baseUrl: "http://127.0.0.1:9/v1", fetch: costsApi([0.1, 0.2, 0.000001]), maxRetries: 0 });
    expect(await client.projectMonthToDateMicros("proj_1", new Date("2026-11-20T00:00:00Z"))).toBe(300_001n);
  });
});
