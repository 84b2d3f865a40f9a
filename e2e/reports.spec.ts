import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import pg from "pg";
import { formatUsd, usdToMicros } from "@/lib/money";
import { BASE_URL, launchBrowser, newPage, shooter, signUp, uniq, waitForMail, watchPage, type PageProblems } from "./support";

/**
 * The finance lead's journey, in its own org: usage pushed through the ingest API → the
 * report page's totals, filtered by provider and model, drilled down from a model and
 * compared with the previous period → a CSV export (taken by the workers) → a read-only API
 * token pulling /api/v1/reports/usage → the OpenAPI document → a weekly scheduled report sent
 * now by email with its CSV. Every figure is checked against
 * a sum the test computes from usage_events itself, never against a number the app printed.
 */
describe("journey: pushed usage → reports → export → API token → OpenAPI → scheduled report", () => {
  let browser: Browser;
  let admin: Page;
  let watch: PageProblems;
  let shot: ReturnType<typeof shooter>;
  let db: pg.Client;
  const owner = { name: "Fin Lead", email: `${uniq("fin")}@example.test`, password: "finance lead password", org: `Reports ${uniq("co")}` };
  let orgPath = "";
  let orgId = "";
  let tz = "UTC";
  let apiToken = "";
  let ingestToken = "";

  const DAY = 86_400_000;
  // Range "7d" is the last 7 local days including today; the previous period the 7 before.
  const now = Date.now() - 60_000;
  const before = Date.now() - 9 * DAY;
  const ev = (at: number, provider: string, model: string, cost_usd: number | string, input_tokens: number, output_tokens: number) => ({
    id: uniq("fin"),
    timestamp: new Date(at).toISOString(),
    provider,
    model,
    cost_usd,
    input_tokens,
    output_tokens,
  });
  const events = [
    ev(now, "openrouter", "anthropic/claude-3.5-sonnet", 1.25, 1000, 400),
    ev(now, "openrouter", "anthropic/claude-3.5-sonnet", "0.75", 800, 200),
    ev(now, "openrouter", "openai/gpt-4o-mini", 0.1, 300, 90),
    ev(now, "openai", "gpt-4o", 2, 1500, 500),
    ev(now, "openai", "gpt-4o-mini", "0.333333", 700, 120),
    ev(before, "openrouter", "anthropic/claude-3.5-sonnet", 1, 900, 300),
    // A week ago is always inside the last complete week (Monday–Sunday): the weekly report's "Send now" period.
    ev(now - 7 * DAY, "openai", "gpt-4o", "0.5", 400, 100),
  ];

  /** Local date (YYYY-MM-DD) in the org's zone, `days` from today. */
  const localDate = (days: number) => new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(Date.now() + days * DAY));

  /** Σ costMicros of this org's events in [from, to) (local dates), optionally filtered. */
  async function dbSum(from: string, to: string, where: { provider?: string; model?: string } = {}): Promise<bigint> {
    const res = await db.query<{ sum: string }>(
      `SELECT COALESCE(SUM("costMicros"), 0)::text AS sum FROM usage_events
        WHERE "orgId" = $1 AND "occurredAt" >= ($2::date::timestamp AT TIME ZONE $4) AND "occurredAt" < ($3::date::timestamp AT TIME ZONE $4)
          AND ($5::text IS NULL OR provider::text = $5) AND ($6::text IS NULL OR model = $6)`,
      [orgId, from, to, tz, where.provider ?? null, where.model ?? null],
    );
    return BigInt(res.rows[0]!.sum);
  }
  /** Σ costMicros of this org's events in [from, to) (instants). */
  async function dbSumBetween(from: Date, to: Date): Promise<bigint> {
    const res = await db.query<{ sum: string }>(`SELECT COALESCE(SUM("costMicros"), 0)::text AS sum FROM usage_events WHERE "orgId" = $1 AND "occurredAt" >= $2 AND "occurredAt" < $3`, [orgId, from, to]);
    return BigInt(res.rows[0]!.sum);
  }
  const last7 = () => [localDate(-6), localDate(1)] as const;
  const prev7 = () => [localDate(-13), localDate(-6)] as const;

  /** The value of a KPI tile on the report page ("Cost", "Requests", …). */
  const kpi = (label: string) => admin.locator("div").filter({ has: admin.locator(`p:text-is("${label}")`) }).last();

  /** A minimal RFC 4180 reader (quoted fields may hold commas, quotes and newlines). */
  function parseCsv(text: string): Record<string, string>[] {
    const rows: string[][] = [[]];
    let field = "";
    let quoted = false;
    text = text.replace(/^\uFEFF/, "");
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (quoted) {
        if (c === '"' && text[i + 1] === '"') {
          field += '"';
          i++;
        } else if (c === '"') quoted = false;
        else field += c;
      } else if (c === '"') quoted = true;
      else if (c === "," || c === "\n") {
        rows.at(-1)!.push(c === "\n" ? field.replace(/\r$/, "") : field);
        field = "";
        if (c === "\n") rows.push([]);
      } else field += c;
    }
    if (field !== "" || rows.at(-1)!.length) rows.at(-1)!.push(field);
    const [head, ...body] = rows.filter((r) => r.length > 1 || (r.length === 1 && r[0] !== ""));
    return body.map((r) => Object.fromEntries(head!.map((h, i) => [h, r[i] ?? ""])));
  }
  const sumMicros = (rows: { cost_micros?: unknown }[]) => rows.reduce((a, r) => a + BigInt(String(r.cost_micros)), 0n);

  beforeAll(async () => {
    db = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    browser = await launchBrowser();
    admin = await newPage(browser);
    await admin.setViewportSize({ width: 1440, height: 900 });
    watch = watchPage(admin);
    shot = shooter("r", watch);
  });
  afterAll(async () => {
    await browser?.close();
    await db?.end();
  });

  it("signs up, creates a workspace and an ingest token, and pushes usage", async () => {
    orgPath = await signUp(admin, owner);
    const org = await db.query<{ id: string; timeZone: string }>(`SELECT id, "timeZone" FROM orgs WHERE slug = $1`, [orgPath.slice(1)]);
    orgId = org.rows[0]!.id;
    tz = org.rows[0]!.timeZone;

    await admin.goto(`${orgPath}/workspaces`);
    await admin.getByLabel("Workspace name").fill("Production");
    await admin.getByRole("button", { name: "Create workspace" }).click();
    await admin.getByRole("link", { name: "Production" }).click();
    await admin.getByRole("heading", { level: 1, name: "Production" }).waitFor();
    await admin.getByLabel("Token name").fill("gateway");
    await admin.getByRole("button", { name: "Create token" }).click();
    ingestToken = await admin.getByTestId("token-reveal").getByLabel("Ingest token", { exact: true }).inputValue();

    const res = await fetch(`${BASE_URL}/api/v1/usage`, { method: "POST", headers: { authorization: `Bearer ${ingestToken}`, "content-type": "application/json" }, body: JSON.stringify({ events }) });
    expect(res.status, await res.clone().text()).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: events.length, duplicates: 0 });
    expect(await dbSum(...last7())).toBe(4_433_333n);
    await watch.check();
  });

  it("the report page's total, provider filter, model drill-down and previous period match the database", async () => {
    await admin.goto(`${orgPath}/reports?range=7d`);
    await admin.getByRole("heading", { level: 1, name: "Reports" }).waitFor();
    await kpi("Cost").getByText(formatUsd(await dbSum(...last7())), { exact: true }).waitFor();
    await kpi("Requests").getByText("5", { exact: true }).waitFor();
    await shot(admin, "report");

    // Filter by provider through the form: the URL carries it, the total follows.
    const filters = admin.getByRole("form", { name: "Report filters" });
    await filters.getByLabel("Provider").selectOption("openrouter");
    await filters.getByRole("button", { name: "Apply" }).click();
    await admin.waitForURL((u) => u.searchParams.get("provider") === "openrouter");
    await kpi("Cost").getByText(formatUsd(await dbSum(...last7(), { provider: "openrouter" })), { exact: true }).waitFor();
    await admin.getByRole("link", { name: "Remove Provider filter" }).waitFor();
    await shot(admin, "report-openrouter");

    // Drill down from a model: its link narrows the view to that model.
    await admin.locator('a[href*="model=anthropic%2Fclaude-3.5-sonnet"]:visible').first().click();
    await admin.waitForURL((u) => u.searchParams.get("model") === "anthropic/claude-3.5-sonnet");
    const model = { provider: "openrouter", model: "anthropic/claude-3.5-sonnet" };
    await kpi("Cost").getByText(formatUsd(await dbSum(...last7(), model)), { exact: true }).waitFor();
    await kpi("Requests").getByText("2", { exact: true }).waitFor();
    await shot(admin, "report-model");

    // Compare with the previous 7 days (one event of $1.00 there for this model).
    await filters.getByLabel("Compare with previous period").check();
    await filters.getByRole("button", { name: "Apply" }).click();
    await admin.waitForURL((u) => u.searchParams.get("compare") === "1" && u.searchParams.get("model") === model.model);
    const prevSum = await dbSum(...prev7(), model);
    expect(prevSum).toBe(1_000_000n);
    await kpi("Cost").getByText(`vs previous period: ${formatUsd(prevSum)} (+100.0 %)`).waitFor();
    await shot(admin, "report-compare");
    await watch.check();
  });

  it("exports a CSV of the range through the workers; its total matches", async () => {
    await admin.goto(`${orgPath}/exports`);
    const form = admin.getByRole("form", { name: "New export" });
    const [from, to] = last7();
    await form.getByLabel("Bucket").selectOption("");
    await form.getByLabel("From (inclusive)").fill(from);
    await form.getByLabel("To (exclusive)").fill(to);
    await form.getByLabel("model", { exact: true }).uncheck();
    await form.getByLabel("provider", { exact: true }).check();
    await form.getByRole("button", { name: "Start export" }).click();
    // The page refreshes itself while the export runs; the worker finishes it.
    const download = admin.getByRole("link", { name: "Download" });
    await download.waitFor({ timeout: 60_000 });
    await shot(admin, "exports");

    const res = await admin.request.get((await download.getAttribute("href"))!);
    expect(res.status()).toBe(200);
    const rows = parseCsv(await res.text());
    expect(rows.map((r) => `${r.provider}`).sort()).toEqual(["openai", "openrouter"]);
    expect(sumMicros(rows)).toBe(await dbSum(from, to));
    for (const p of ["openai", "openrouter"]) expect(sumMicros(rows.filter((r) => r.provider === p))).toBe(await dbSum(from, to, { provider: p }));
    await watch.check();
  });

  it("a read-only API token pulls the same report from /api/v1/reports/usage", async () => {
    await admin.goto(`${orgPath}/settings`);
    const form = admin.getByRole("form", { name: "Create API token" });
    await form.getByLabel("Token name").fill("finance-pipeline");
    await form.getByRole("button", { name: "Create read-only token" }).click();
    apiToken = await admin.getByTestId("api-token-reveal").getByLabel("API token", { exact: true }).inputValue();
    expect(apiToken.length).toBeGreaterThan(20);
    await shot(admin, "api-token");

    const [from, to] = last7();
    const get = (auth: string, q: string) => fetch(`${BASE_URL}/api/v1/reports/usage?${q}`, { headers: { authorization: auth } });
    expect((await get("Bearer not-a-token", `from=${from}&to=${to}`)).status).toBe(401);
    const res = await get(`Bearer ${apiToken}`, `from=${from}&to=${to}&group_by=provider,model`);
    expect(res.status, await res.clone().text()).toBe(200);
    const body = (await res.json()) as { data: { provider: string; model: string; cost_micros: string | number }[]; next_cursor: string | null };
    expect(body.next_cursor).toBeNull();
    expect(sumMicros(body.data)).toBe(await dbSum(from, to));
    const claude = body.data.filter((r) => r.model === "anthropic/claude-3.5-sonnet");
    expect(sumMicros(claude)).toBe(await dbSum(from, to, { model: "anthropic/claude-3.5-sonnet" }));

    // The token reads; it cannot write (an ingest push with it is refused).
    const push = await fetch(`${BASE_URL}/api/v1/usage`, { method: "POST", headers: { authorization: `Bearer ${apiToken}`, "content-type": "application/json" }, body: JSON.stringify({ events: [ev(now, "openai", "gpt-4o", 1, 1, 1)] }) });
    expect(push.status).toBeGreaterThanOrEqual(400);
    expect(push.status).toBeLessThan(500);
    expect(await dbSum(from, to)).toBe(4_433_333n);
    await watch.check();
  });

  it("/api/v1/openapi.json is an OpenAPI 3.1 document describing the report API", async () => {
    const res = await fetch(`${BASE_URL}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; info: { title: string; version: string }; paths: Record<string, Record<string, { responses?: object; parameters?: { name: string }[] }>> };
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).toBeTruthy();
    expect(doc.info.version).toBeTruthy();
    const op = doc.paths["/api/v1/reports/usage"]?.get;
    expect(op?.responses).toBeTruthy();
    expect(op?.parameters?.map((p) => p.name)).toEqual(expect.arrayContaining(["from", "to", "group_by"]));
    // Every $ref resolves inside the document.
    const text = JSON.stringify(doc);
    for (const ref of new Set([...text.matchAll(/"\$ref":"#\/([^"]+)"/g)].map((m) => m[1]!))) {
      const target = ref.split("/").reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k.replace(/~1/g, "/").replace(/~0/g, "~")], doc);
      expect(target, `$ref #/${ref}`).toBeTruthy();
    }
  });

  it("a weekly scheduled report, sent now, arrives by email with a CSV whose total matches", async () => {
    const to = `${uniq("finance")}@example.test`;
    await admin.goto(`${orgPath}/schedules`);
    const form = admin.getByRole("form", { name: "New scheduled report" });
    await form.getByLabel("Name").fill("Weekly spend");
    await form.getByLabel("Frequency").selectOption("weekly");
    await form.getByLabel("Recipient emails").fill(to);
    await form.getByRole("button", { name: "Create scheduled report" }).click();
    // One more event a week before now, pushed just before "Send now": the one pushed when the
    // suite began can fall out of "last Monday–Sunday" if a Monday 00:00 passed since.
    const weekAgo = ev(Date.now() - 7 * DAY, "openai", "gpt-4o", "0.5", 400, 100);
    const pushedNow = await fetch(`${BASE_URL}/api/v1/usage`, { method: "POST", headers: { authorization: `Bearer ${ingestToken}`, "content-type": "application/json" }, body: JSON.stringify({ events: [weekAgo] }) });
    expect(pushedNow.status, await pushedNow.clone().text()).toBe(202);
    events.push(weekAgo);
    const row = admin.getByRole("row").filter({ hasText: "Weekly spend" });
    await row.getByRole("button", { name: "Send now" }).click();

    const mail = await waitForMail(to, /./, 60_000);
    expect(mail.attachments).toHaveLength(1);
    const run = await db.query<{ periodStart: Date; periodEnd: Date }>(`SELECT "periodStart", "periodEnd" FROM report_runs WHERE "orgId" = $1 AND test ORDER BY "createdAt" DESC LIMIT 1`, [orgId]);
    const { periodStart, periodEnd } = run.rows[0]!;
    const expected = await dbSumBetween(periodStart, periodEnd);
    // The test's own sum of the events it pushed into that period. The event pushed just now
    // (a week ago) is there; the suite's first ones too, depending on the weekday.
    const pushed = events
      .filter((e) => Date.parse(e.timestamp) >= periodStart.getTime() && Date.parse(e.timestamp) < periodEnd.getTime())
      .reduce((a, e) => a + usdToMicros(e.cost_usd), 0n);
    expect(pushed).toBeGreaterThanOrEqual(500_000n);
    expect(expected).toBe(pushed);
    expect(sumMicros(parseCsv(mail.attachments[0]!.text))).toBe(expected);
    expect(mail.subject).toContain(formatUsd(expected));
    await admin.reload();
    await admin.getByRole("row").filter({ hasText: "Weekly spend" }).filter({ has: admin.getByText("test", { exact: true }) }).getByText("sent", { exact: true }).waitFor();
    await shot(admin, "schedules");
    await watch.check();
  });
});
