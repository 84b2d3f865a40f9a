import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import pg from "pg";
import { formatUsd } from "@/lib/money";
import { startFakeOpenRouter, type FakeOpenRouter } from "@/providers/openrouter/fake";
import { startFakeOpenAI, type FakeOpenAI } from "@/providers/openai/fake";
import { BASE_URL, launchBrowser, newPage, shooter, signUp, uniq, waitForMail, watchPage, type PageProblems } from "./support";

/**
 * The team admin's journey (issue 11, steps 2–5, 6's member filter and error record, 8 and 9),
 * in its own org, against the production build and the real workers:
 * connect the fake OpenRouter and the fake OpenAI through the UI (this spec starts both, plus a
 * webhook receiver, on loopback) → their keys are discovered and listed → both keys are
 * attributed to a project tag, and the OpenRouter key to the member → a monthly HARD budget on that tag (80 %, 100 %, an email, the
 * webhook) → traffic from the OpenAI poller's own data, the push API and OTLP → at 80 % one email
 * with the figures and one webhook call → at 100 % the OpenRouter key is disabled at the fake and
 * the OpenAI project is capped, and the UI says which budget paused them → the budget is raised:
 * both resume at the fakes (the project's own limit is back) and in the UI → the admin resumes a
 * re-paused key by hand with a reason, pauses it by hand with a reason (disabled at the fake,
 * "paused by hand" in the UI) and resumes it again → the audit log shows the journey's changes → a viewer sees
 * the budget and cannot change it. Figures are checked against sums the test reads from
 * usage_events, never against a number the app printed.
 */
describe("journey: the team admin connects providers, budgets a project tag, and Tollgate pauses and resumes its keys", () => {
  let browser: Browser;
  let admin: Page;
  let watch: PageProblems;
  let shot: ReturnType<typeof shooter>;
  let db: pg.Client;
  let or: FakeOpenRouter;
  let oa: FakeOpenAI;
  let hooks: Server;
  let hookUrl = "";
  const hookCalls: { at: number; body: { text?: string; tollgate?: { kind?: string; title?: string; percent?: number } } }[] = [];

  const owner = { name: "Ada Admin", email: `${uniq("ada")}@example.test`, password: "admin journey password", org: `Admin ${uniq("co")}` };
  const member = { name: "Bob Builder", email: `${uniq("bob")}@example.test`, password: "member journey password" };
  const viewer = { name: "Vera Viewer", email: `${uniq("vera")}@example.test`, password: "viewer journey password" };
  const alertTo = `${uniq("oncall")}@example.test`;
  const ORIGINAL_LIMIT_CENTS = 50_000; // the customer's own $500 limit on the OpenAI project
  let orgPath = "";
  let slug = "";
  let orgId = "";
  let tagId = "";
  let memberId = "";
  let budgetPath = "";
  let ingestToken = "";
  const keys = { or: { id: "", hash: "", secret: "" }, oa: { id: "", providerId: "", secret: "", projectId: "" } };

  const nav = (p: Page, name: string) => p.getByRole("navigation", { name: "Organization" }).getByRole("link", { name, exact: true }).click();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 60_000, everyMs = 500): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(everyMs);
    }
  }

  /** Σ costMicros of the project tag's events this month (UTC: the org's zone, checked below). */
  async function tagSpend(...sources: ("push" | "otlp" | "broadcast" | "poll")[]): Promise<bigint> {
    const res = await db.query<{ sum: string }>(
      `SELECT COALESCE(SUM("costMicros"), 0)::text AS sum FROM usage_events
        WHERE "orgId" = $1 AND "projectTagId" = $2 AND "occurredAt" >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
          AND (cardinality($3::text[]) = 0 OR source::text = ANY($3))`,
      [orgId, tagId, sources],
    );
    return BigInt(res.rows[0]!.sum);
  }
  /** The fakes' own view, through their HTTP APIs with the connection's credentials. */
  async function orKeyDisabled(): Promise<boolean> {
    const res = await fetch(`${or.url}/keys/${keys.or.hash}`, { headers: { authorization: `Bearer ${or.state.managementKey}` } });
    expect(res.status).toBe(200);
    return ((await res.json()) as { data: { disabled: boolean } }).data.disabled;
  }
  async function oaProjectLimit(): Promise<{ threshold_amount: number; enforcement: { status: string } }> {
    const res = await fetch(`${oa.url}/organization/projects/${keys.oa.projectId}/spend_limit`, { headers: { authorization: `Bearer ${oa.state.adminKey}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as { threshold_amount: number; enforcement: { status: string } };
  }
  const keyRow = (id: string) => db.query<{ status: string; pausedByBudgetId: string | null; label: string }>(`SELECT status::text, "pausedByBudgetId", label FROM provider_keys WHERE id = $1`, [id]).then((r) => r.rows[0]!);
  const thresholdCalls = (percent: number) => hookCalls.filter((c) => c.body.tollgate?.kind === "budget_threshold" && new RegExp(`\\b${percent}%`).test(c.body.tollgate?.title ?? c.body.text ?? ""));

  const push = (events: unknown[]) =>
    fetch(`${BASE_URL}/api/v1/usage`, { method: "POST", headers: { authorization: `Bearer ${ingestToken}`, "content-type": "application/json" }, body: JSON.stringify({ events }) });

  beforeAll(async () => {
    db = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    // A personal OpenRouter account with two keys, and an OpenAI org with one project (its own
    // $500 hard limit) holding one key.
    or = await startFakeOpenRouter({ seed: 1101 });
    const orKey = or.state.createKey({ name: "support-bot-or" });
    or.state.createKey({ name: "batch-jobs" });
    keys.or.hash = orKey.hash;
    keys.or.secret = orKey.secret;
    oa = await startFakeOpenAI({ seed: 1102 });
    const project = oa.state.createProject({ name: "Support", spendLimitCents: ORIGINAL_LIMIT_CENTS });
    const oaKey = oa.state.createApiKey(project.id, { name: "support-bot-oai", serviceAccountName: "support-bot" });
    keys.oa.providerId = oaKey.id;
    keys.oa.secret = oaKey.secret;
    keys.oa.projectId = project.id;

    hooks = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        try {
          hookCalls.push({ at: Date.now(), body: JSON.parse(body) as (typeof hookCalls)[number]["body"] });
        } catch {
          hookCalls.push({ at: Date.now(), body: { text: body } });
        }
        res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      });
    });
    await new Promise<void>((r) => hooks.listen(0, "127.0.0.1", r));
    hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hooks/${randomBytes(6).toString("hex")}`;

    browser = await launchBrowser();
    admin = await newPage(browser);
    await admin.setViewportSize({ width: 1440, height: 900 });
    watch = watchPage(admin);
    shot = shooter("a", watch);
  });
  afterAll(async () => {
    await browser?.close();
    await db?.end();
    await or?.close();
    await oa?.close();
    await new Promise((r) => hooks?.close(r));
  });

  it("signs up, creates a workspace, a project tag and an ingest token, and a member joins", async () => {
    orgPath = await signUp(admin, owner);
    slug = orgPath.slice(1);
    const org = await db.query<{ id: string; timeZone: string }>(`SELECT id, "timeZone" FROM orgs WHERE slug = $1`, [slug]);
    orgId = org.rows[0]!.id;
    expect(org.rows[0]!.timeZone).toBe("UTC"); // tagSpend() counts the UTC month

    await nav(admin, "Workspaces");
    await admin.getByLabel("Workspace name").fill("Production");
    await admin.getByRole("button", { name: "Create workspace" }).click();
    await admin.getByRole("link", { name: "Production" }).click();
    await admin.getByRole("heading", { level: 1, name: "Production" }).waitFor();
    await admin.getByLabel("Tag name").fill("Support bot");
    await admin.getByRole("button", { name: "Add project tag" }).click();
    // The slug links to the tag's page (its accessible name is "Project tag <slug>: …").
    await admin.getByRole("row").filter({ has: admin.getByRole("link", { name: /^Project tag support-bot:/ }) }).filter({ hasText: "Support bot" }).waitFor();
    tagId = (await db.query<{ id: string }>(`SELECT id FROM project_tags WHERE slug = 'support-bot' AND "workspaceId" IN (SELECT id FROM workspaces WHERE "orgId" = $1)`, [orgId])).rows[0]!.id;
    await admin.getByLabel("Token name").fill("gateway");
    await admin.getByRole("button", { name: "Create token" }).click();
    ingestToken = await admin.getByTestId("token-reveal").getByLabel("Ingest token", { exact: true }).inputValue();
    await admin.getByTestId("token-reveal").getByRole("button", { name: "I have copied it" }).click();

    // The member (the pushes below name them as the user).
    await nav(admin, "Members");
    await admin.getByLabel("Email", { exact: true }).fill(member.email);
    await admin.getByLabel("Role", { exact: true }).selectOption("member");
    await admin.getByRole("button", { name: "Send invitation" }).click();
    await admin.getByText(`Invitation sent to ${member.email}.`).waitFor();
    const link = (await waitForMail(member.email, /invited/)).text.match(/https?:\/\/\S+\/invite\/\S+/)?.[0];
    expect(link).toBeTruthy();
    const bob = await newPage(browser);
    await bob.goto(link!);
    await bob.getByLabel("Your name").fill(member.name);
    await bob.getByLabel("Password").fill(member.password);
    await bob.getByRole("button", { name: "Create account and join" }).click();
    await bob.waitForURL((u) => u.pathname === orgPath);
    await bob.context().close();
    memberId = (await db.query<{ id: string }>(`SELECT id FROM users WHERE email = $1`, [member.email])).rows[0]!.id;
    await watch.check();
  });

  it("connects the fake OpenRouter and the fake OpenAI through the UI; their keys are discovered and listed", async () => {
    for (const c of [
      { provider: "openrouter", name: "OpenRouter (fake)", secret: or.state.managementKey, url: or.url },
      { provider: "openai", name: "OpenAI (fake)", secret: oa.state.adminKey, url: oa.url },
    ]) {
      await admin.goto(`${orgPath}/connections`);
      const form = admin.getByRole("form", { name: "Add connection" });
      await form.getByLabel("Provider").selectOption(c.provider);
      await form.getByLabel("Connection name").fill(c.name);
      await form.getByLabel(c.provider === "openrouter" ? "Management key" : "Admin key").fill(c.secret);
      await form.getByLabel("Attribute discovered keys to").selectOption({ label: "Production" });
      await form.getByText("Advanced").click();
      await form.getByLabel("API base URL").fill(c.url);
      await form.getByRole("button", { name: "Save connection" }).click();
      await form.getByRole("status").filter({ hasText: `${c.name} saved` }).waitFor();
    }
    await admin.reload();
    await shot(admin, "connections");

    // A new connection's first poll waits CONNECTION_GRACE_MS (2 s in this run); "Poll now"
    // asks for it at once after that (a deferred poll would also re-queue itself).
    await sleep(2_500);
    for (const name of ["OpenRouter (fake)", "OpenAI (fake)"]) {
      const item = admin.getByRole("listitem").filter({ hasText: name });
      await item.getByRole("button", { name: "Poll now" }).click();
      await item.getByRole("status").filter({ hasText: "Queued" }).waitFor();
    }
    const found = await until(
      "the pollers to discover 3 keys",
      async () => {
        const r = await db.query<{ id: string; providerKeyId: string; provider: string }>(`SELECT id, "providerKeyId", provider::text FROM provider_keys WHERE "orgId" = $1`, [orgId]);
        return r.rows.length >= 3 ? r.rows : null;
      },
      90_000,
      1_000,
    );
    keys.or.id = found.find((k) => k.providerKeyId === keys.or.hash)!.id;
    keys.oa.id = found.find((k) => k.providerKeyId === keys.oa.providerId)!.id;
    expect(found.map((k) => k.provider).sort()).toEqual(["openai", "openrouter", "openrouter"]);

    await nav(admin, "Keys");
    for (const id of [keys.or.id, keys.oa.id]) await admin.locator(`a[href="${orgPath}/keys/${id}"]`).first().waitFor();
    await admin.getByRole("row").filter({ hasText: "batch-jobs" }).waitFor();
    await shot(admin, "keys-discovered");
    await watch.check();
  });

  it("attributes both support-bot keys to the Support bot project tag", async () => {
    for (const id of [keys.or.id, keys.oa.id]) {
      // The row holds two inline forms (place, member): each has its own Save.
      const place = admin.locator(`#key-${id}-tag`).locator("xpath=../..");
      expect(await place.locator(`#key-${id}-ws option:checked`).textContent()).toBe("Production");
      await place.locator(`#key-${id}-tag`).selectOption({ label: "Support bot (support-bot)" });
      await place.getByRole("button", { name: "Save" }).click();
      await place.getByRole("status").filter({ hasText: "Saved" }).waitFor();
    }
    const attributed = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM provider_keys WHERE id = ANY($1) AND "projectTagId" = $2`, [[keys.or.id, keys.oa.id], tagId]);
    expect(attributed.rows[0]!.n).toBe("2");
    await admin.reload();
    expect(await admin.locator(`#key-${keys.or.id}-tag option:checked`).textContent()).toBe("Support bot (support-bot)");

    // The OpenRouter key belongs to Bob: its events that name no member are his.
    const who = admin.locator(`#key-${keys.or.id}-member`).locator("xpath=../..");
    await who.locator(`#key-${keys.or.id}-member`).selectOption({ label: member.email });
    await who.getByRole("button", { name: "Save" }).click();
    await who.getByRole("status").filter({ hasText: "Saved" }).waitFor();
    expect((await db.query<{ m: string | null }>(`SELECT "memberUserId" AS m FROM provider_keys WHERE id = $1`, [keys.or.id])).rows[0]!.m).toBe(memberId);
    await admin.reload();
    expect(await admin.locator(`#key-${keys.or.id}-member option:checked`).textContent()).toBe(member.email);
    expect(await admin.locator(`#key-${keys.oa.id}-member option:checked`).textContent()).toBe("No member");
    await shot(admin, "keys-attributed");
    await watch.check();
  });

  it("sets a monthly hard budget on the project tag: 80 % and 100 %, an email and a webhook", async () => {
    await nav(admin, "Budgets");
    await admin.getByRole("link", { name: "New budget" }).first().click();
    const form = admin.getByRole("form", { name: "New budget" });
    await form.getByLabel("Name", { exact: true }).fill("Support bot monthly");
    await form.getByLabel("Amount (USD)").fill("10");
    await form.getByLabel("Covers").selectOption("project");
    await form.getByLabel("Project tag", { exact: true }).selectOption({ label: "Production / Support bot" });
    await form.getByLabel("Period (org time zone)").selectOption("monthly");
    await form.getByLabel("Thresholds (%)").fill("80, 100");
    await form.getByLabel("Mode", { exact: true }).selectOption("hard");
    await form.getByLabel("Emails").fill(alertTo);
    await form.getByLabel(/^Webhook URL/).fill(hookUrl);
    await shot(admin, "budget-form");
    await form.getByRole("button", { name: "Create budget" }).click();
    await admin.waitForURL((u) => u.pathname.startsWith(`${orgPath}/budgets/`) && !u.pathname.endsWith("/new"));
    budgetPath = new URL(admin.url()).pathname;
    await admin.getByRole("heading", { level: 1, name: "Support bot monthly" }).waitFor();
    await admin.getByText("80%, 100%").waitFor();
    const b = await db.query<{ mode: string; period: string; amountMicros: string; thresholds: number[]; webhookUrl: string | null }>(
      `SELECT mode::text, period::text, "amountMicros"::text, thresholds, "webhookUrl" FROM budgets WHERE "orgId" = $1`,
      [orgId],
    );
    expect(b.rows).toHaveLength(1);
    expect(b.rows[0]).toMatchObject({ mode: "hard", period: "monthly", amountMicros: "10000000", thresholds: [80, 100] });
    await shot(admin, "budget-created");
    await watch.check();
  });

  it("traffic from the OpenAI poller, the push API and OTLP crosses 80 %: one email with the figures, one webhook call", async () => {
    // 1. The poller's own data: a request through the fake OpenAI with the project key, which
    //    Tollgate only learns about from the usage API (200k in + 100k out of gpt-4o = $1.50).
    const chat = await fetch(`${oa.url}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${keys.oa.secret}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "hello" }], fake_usage: { prompt_tokens: 200_000, completion_tokens: 100_000 } }),
    });
    expect(chat.status).toBe(200);
    await admin.goto(`${orgPath}/connections`);
    const polled = await until(
      "the OpenAI poll to bring the request in",
      async () => {
        const v = await tagSpend("poll");
        if (v > 0n) return v;
        const item = admin.getByRole("listitem").filter({ hasText: "OpenAI (fake)" });
        await item.getByRole("button", { name: "Poll now" }).click();
        await sleep(3_000);
        return null;
      },
      120_000,
      0,
    );
    expect(polled).toBe(1_500_000n);

    // 2. Push: $3.00 by the member through the OpenRouter key, and a failed request (no cost).
    const now = Date.now() - 1_000;
    const res = await push([
      { id: uniq("p"), timestamp: new Date(now).toISOString(), provider: "openrouter", model: "anthropic/claude-3.5-sonnet", project: "support-bot", user: member.email, api_key: keys.or.hash, input_tokens: 3000, output_tokens: 900, cost_usd: "3" },
      {
        id: uniq("p"),
        timestamp: new Date(now).toISOString(),
        provider: "openrouter",
        model: "anthropic/claude-3.5-sonnet",
        project: "support-bot",
        user: member.email,
        api_key: keys.or.hash,
        input_tokens: 10,
        output_tokens: 0,
        cost_usd: 0,
        status: 502,
        error: { type: "upstream_error", message: "Provider returned 502: upstream overloaded" },
      },
    ]);
    expect(res.status, await res.clone().text()).toBe(202);

    // 3. OTLP: the rest up to $8.50 (85 %), as a GenAI span with its cost.
    const otlpUsd = 8.5 - Number(polled) / 1e6 - 3;
    const start = BigInt(Date.now() - 2_000) * 1_000_000n;
    const s = (key: string, v: string) => ({ key, value: { stringValue: v } });
    const otlp = await fetch(`${BASE_URL}/api/otlp/v1/traces`, {
      method: "POST",
      headers: { authorization: `Bearer ${ingestToken}`, "content-type": "application/json" },
      body: JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [s("service.name", "support-bot")] },
            scopeSpans: [
              {
                scope: { name: "e2e" },
                spans: [
                  {
                    traceId: randomBytes(16).toString("hex"),
                    spanId: randomBytes(8).toString("hex"),
                    name: "chat",
                    kind: 3,
                    startTimeUnixNano: String(start),
                    endTimeUnixNano: String(start + 900_000_000n),
                    attributes: [
                      s("gen_ai.system", "openrouter"),
                      s("gen_ai.request.model", "openai/gpt-4o"),
                      { key: "gen_ai.usage.input_tokens", value: { intValue: "4000" } },
                      { key: "gen_ai.usage.output_tokens", value: { intValue: "1000" } },
                      { key: "gen_ai.usage.cost", value: { doubleValue: otlpUsd } },
                      s("tollgate.project", "support-bot"),
                      s("tollgate.api_key", keys.or.hash),
                      s("user.id", member.email),
                    ],
                  },
                ],
              },
            ],
          },
        ],
      }),
    });
    expect(otlp.status, await otlp.clone().text()).toBe(200);
    expect(otlp.headers.get("x-tollgate-spans")).toBe("accepted=1 duplicates=0 ignored=0 rejected=0");

    const spend = await tagSpend();
    expect(spend).toBe(8_500_000n);
    expect(await tagSpend("push")).toBe(3_000_000n);
    // A GenAI span from OpenRouter is stored as a Broadcast span (map-spans.ts).
    expect(await tagSpend("otlp", "broadcast")).toBe(BigInt(Math.round(otlpUsd * 1e6)));
    const mail = await waitForMail(alertTo, /reached 80%/, 60_000);
    expect(mail.subject).toBe(`[Tollgate] Budget "Support bot monthly" reached 80% (${formatUsd(spend)} of ${formatUsd(10_000_000n)})`);
    expect(mail.text).toContain("85%");
    const first = await until("the 80 % webhook", async () => thresholdCalls(80).length > 0, 30_000);
    expect(first).toBe(true);
    await sleep(3_000); // a duplicate would have arrived by now
    expect(thresholdCalls(80)).toHaveLength(1);
    expect(await orKeyDisabled()).toBe(false);

    await admin.goto(budgetPath);
    await admin.getByText("of $10.00").locator("..").getByText(formatUsd(spend)).first().waitFor();
    await shot(admin, "budget-at-85");
    await watch.check();
  });

  it("at 100 % the OpenRouter key is disabled at the fake, the OpenAI project is capped, and the UI names the budget", async () => {
    const res = await push([
      { id: uniq("p"), timestamp: new Date(Date.now() - 1_000).toISOString(), provider: "openrouter", model: "anthropic/claude-3.5-sonnet", project: "support-bot", user: member.email, api_key: keys.or.hash, input_tokens: 2000, output_tokens: 500, cost_usd: "2" },
    ]);
    expect(res.status).toBe(202);
    expect(await tagSpend()).toBe(10_500_000n);

    await until("the OpenRouter key to be disabled at the fake", () => orKeyDisabled(), 60_000);
    const capped = await until("the OpenAI project limit to change", async () => {
      const l = await oaProjectLimit();
      return l.threshold_amount !== ORIGINAL_LIMIT_CENTS ? l : null;
    });
    // Capped at the project's month-to-date spend ($1.50), so the next request is refused.
    expect(capped).toMatchObject({ threshold_amount: 150, enforcement: { status: "enforcing" } });
    const refused = await fetch(`${oa.url}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${keys.oa.secret}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(refused.status).toBe(429);
    const budgetId = budgetPath.split("/").at(-1)!;
    await until("both keys paused in Tollgate", async () => {
      const [a, b] = await Promise.all([keyRow(keys.or.id), keyRow(keys.oa.id)]);
      return a.status === "paused" && b.status === "paused" && a.pausedByBudgetId === budgetId && b.pausedByBudgetId === budgetId;
    });
    await waitForMail(alertTo, /reached 100%/, 60_000);
    expect(thresholdCalls(80)).toHaveLength(1);

    await nav(admin, "Keys");
    for (const id of [keys.or.id, keys.oa.id]) {
      const row = admin.getByRole("row").filter({ has: admin.locator(`a[href="${orgPath}/keys/${id}"]`) });
      await row.getByText("paused", { exact: true }).waitFor();
      await row.getByRole("link", { name: "Support bot monthly" }).waitFor();
    }
    expect(await admin.getByRole("row").filter({ hasText: "batch-jobs" }).getByText("active", { exact: true }).count()).toBe(1);
    await shot(admin, "keys-paused");

    for (const id of [keys.or.id, keys.oa.id]) {
      await admin.goto(`${orgPath}/keys/${id}`);
      const paused = admin.locator("section").filter({ has: admin.getByRole("heading", { name: "Paused", exact: true }) });
      await paused.getByRole("link", { name: "Support bot monthly" }).waitFor();
      const applies = admin.getByRole("row").filter({ hasText: "Support bot monthly" });
      await applies.getByText(`${formatUsd(10_500_000n)} / ${formatUsd(10_000_000n)}`).waitFor();
      await shot(admin, id === keys.or.id ? "key-or-paused" : "key-oai-paused");
    }
    await watch.check();
  });

  it("raising the budget resumes both keys at the fakes and in the UI; the project's own limit is back", async () => {
    await admin.goto(budgetPath);
    const form = admin.getByRole("form", { name: "Edit budget" });
    await form.getByLabel("Amount (USD)").fill("50");
    await form.getByRole("button", { name: "Save changes" }).click();
    await form.getByRole("status").filter({ hasText: "Saved." }).waitFor();

    await until("the OpenRouter key to be enabled at the fake", async () => !(await orKeyDisabled()), 60_000);
    const restored = await until("the OpenAI project's own limit to be back", async () => {
      const l = await oaProjectLimit();
      return l.threshold_amount === ORIGINAL_LIMIT_CENTS ? l : null;
    });
    expect(restored.enforcement.status).toBe("enforcing");
    await until("both keys active in Tollgate", async () => (await keyRow(keys.or.id)).status === "active" && (await keyRow(keys.oa.id)).status === "active");

    await nav(admin, "Keys");
    for (const id of [keys.or.id, keys.oa.id]) {
      const row = admin.getByRole("row").filter({ has: admin.locator(`a[href="${orgPath}/keys/${id}"]`) });
      await row.getByText("active", { exact: true }).waitFor();
    }
    await shot(admin, "keys-resumed");
    await admin.goto(`${orgPath}/keys/${keys.oa.id}`);
    expect(await admin.getByRole("heading", { name: "Paused", exact: true }).count()).toBe(0);
    await admin.getByRole("row").filter({ hasText: "resume" }).getByText("confirmed").first().waitFor();
    await shot(admin, "key-oai-resumed");
    await watch.check();
  });

  it("the admin resumes a re-paused key by hand with a reason; the audit log shows the journey with actors and before/after", async () => {
    // Lowering the budget below the spend pauses the keys again (the claims were freed).
    await admin.goto(budgetPath);
    const form = admin.getByRole("form", { name: "Edit budget" });
    await form.getByLabel("Amount (USD)").fill("10");
    await form.getByRole("button", { name: "Save changes" }).click();
    await form.getByRole("status").filter({ hasText: "Saved." }).waitFor();
    await until("the OpenRouter key to be disabled again", () => orKeyDisabled(), 60_000);
    await until("the key paused again in Tollgate", async () => (await keyRow(keys.or.id)).status === "paused");

    await admin.goto(`${orgPath}/keys/${keys.or.id}`);
    const resume = admin.getByRole("form", { name: "Resume key" });
    await resume.getByLabel("Reason").fill("Approved by finance for the launch");
    await shot(admin, "key-resume-by-hand");
    await resume.getByRole("button", { name: "Resume key" }).click();
    await until("the OpenRouter key to be enabled by hand", async () => !(await orKeyDisabled()), 60_000);
    await until("the key active in Tollgate", async () => (await keyRow(keys.or.id)).status === "active");
    await admin.reload();
    await admin.getByRole("row").filter({ hasText: "resume (by hand)" }).getByText("confirmed").waitFor();
    await admin.getByText("Resumed by hand: not enforced on this key until the period resets").waitFor();
    await shot(admin, "key-resumed-by-hand");

    // Pause by hand, with a reason: disabled at the fake, shown as paused by hand.
    const pause = admin.getByRole("form", { name: "Pause key" });
    await pause.getByLabel("Reason").fill("Suspicious traffic, investigating");
    await pause.getByRole("button", { name: "Pause key" }).click();
    await until("the OpenRouter key to be disabled by hand", () => orKeyDisabled(), 60_000);
    await until("the key paused by hand in Tollgate", async () => (await keyRow(keys.or.id)).status === "paused");
    await admin.reload();
    await admin.getByTestId("paused-by-hand").filter({ hasText: "paused by hand" }).waitFor();
    await admin.getByText("Reason: Suspicious traffic, investigating").waitFor();
    await admin.getByRole("row").filter({ hasText: "pause (by hand)" }).getByText("confirmed").waitFor();
    await shot(admin, "key-paused-by-hand");
    // And resumed by hand again.
    const resumeAgain = admin.getByRole("form", { name: "Resume key" });
    await resumeAgain.getByLabel("Reason").fill("False alarm, traffic explained");
    await resumeAgain.getByRole("button", { name: "Resume key" }).click();
    await until("the OpenRouter key to be enabled again by hand", async () => !(await orKeyDisabled()), 60_000);
    await until("the key active again in Tollgate", async () => (await keyRow(keys.or.id)).status === "active");

    // The audit log: every change of the journey, with who did it and what changed.
    const audit = await db.query<{ action: string; actor: string | null; before: unknown; after: unknown }>(
      `SELECT a.action, u.email AS actor, a.before, a.after FROM audit_logs a LEFT JOIN users u ON u.id = a."actorUserId" WHERE a."orgId" = $1 ORDER BY a."createdAt"`,
      [orgId],
    );
    const actions = audit.rows.map((r) => r.action);
    for (const a of ["connection.created", "budget.created", "budget.updated", "key.paused", "key.resumed"]) expect(actions, a).toContain(a);
    expect(audit.rows.find((r) => r.action === "connection.created")?.actor).toBe(owner.email);
    const raised = audit.rows.find((r) => r.action === "budget.updated")!;
    expect(raised.actor).toBe(owner.email);
    expect(JSON.stringify(raised.before)).toContain("10000000");
    expect(JSON.stringify(raised.after)).toContain("50000000");
    expect(JSON.stringify(audit.rows)).toContain("Approved by finance for the launch");
    const pausedByHand = audit.rows.find((r) => r.action === "key.pause_requested")!;
    expect(pausedByHand.actor).toBe(owner.email);
    expect(pausedByHand.after).toMatchObject({ reason: "Suspicious traffic, investigating" });
    const resumedAgain = audit.rows.filter((r) => r.action === "key.resume_requested").at(-1)!;
    expect(resumedAgain.actor).toBe(owner.email);
    expect(resumedAgain.after).toMatchObject({ reason: "False alarm, traffic explained" });
    const keyMember = audit.rows.find((r) => r.action === "key.member_changed")!;
    expect(keyMember.actor).toBe(owner.email);
    expect(keyMember.after).toMatchObject({ memberUserId: memberId });

    await nav(admin, "Audit log");
    const entries = admin.getByRole("list", { name: "Audit entries" });
    for (const a of ["connection created", "budget created", "budget updated", "key paused", "key pause requested", "key resume requested", "key resumed", "key member changed"])
      await entries.getByText(a, { exact: true }).first().waitFor();
    // Newest first: the admin lowering the budget from $50 to $10, with its before/after.
    const lowered = entries.getByRole("listitem").filter({ hasText: "budget updated" }).first();
    const who = (await lowered.locator("summary").textContent()) ?? "";
    expect(who.includes(owner.email) || who.includes(owner.name), who).toBe(true);
    await lowered.locator("summary").click();
    const amount = lowered.getByRole("row").filter({ hasText: "amountMicros" });
    await amount.getByRole("cell", { name: /50000000/ }).waitFor();
    await amount.getByRole("cell", { name: /^\W*10000000\W*$/ }).waitFor();
    await shot(admin, "audit");
    await watch.check();
  });

  it("the report page filters by member and opens the error record", async () => {
    await admin.goto(`${orgPath}/reports?range=7d`);
    await admin.getByRole("heading", { level: 1, name: "Reports" }).waitFor();
    await admin.locator(`a[href*="member=${memberId}"]:visible`).first().click();
    await admin.waitForURL((u) => u.searchParams.get("member") === memberId);
    await admin.getByRole("link", { name: "Remove Member filter" }).waitFor();
    const memberSpend = await db.query<{ sum: string }>(`SELECT COALESCE(SUM("costMicros"),0)::text AS sum FROM usage_events WHERE "orgId" = $1 AND "memberId" = $2`, [orgId, memberId]);
    const kpi = admin.locator("div").filter({ has: admin.locator(`p:text-is("Cost")`) }).last();
    await kpi.getByText(formatUsd(BigInt(memberSpend.rows[0]!.sum)), { exact: true }).waitFor();
    const errors = admin.locator("section").filter({ has: admin.getByRole("heading", { name: "Error records (newest first)" }) });
    await errors.getByText("upstream_error").first().click();
    await errors.getByText("Provider returned 502: upstream overloaded").waitFor();
    await errors.getByText(member.name).or(errors.getByText(member.email)).first().waitFor();
    await shot(admin, "report-member-error");
    await watch.check();
  });

  it("a viewer sees the budget but cannot change it", async () => {
    await nav(admin, "Members");
    await admin.getByLabel("Email", { exact: true }).fill(viewer.email);
    await admin.getByLabel("Role", { exact: true }).selectOption("viewer");
    await admin.getByRole("button", { name: "Send invitation" }).click();
    await admin.getByText(`Invitation sent to ${viewer.email}.`).waitFor();
    const link = (await waitForMail(viewer.email, /invited/)).text.match(/https?:\/\/\S+\/invite\/\S+/)?.[0];
    expect(link).toBeTruthy();
    const vera = await newPage(browser);
    await vera.setViewportSize({ width: 1440, height: 900 });
    const veraWatch = watchPage(vera);
    const veraShot = shooter("a-viewer-", veraWatch);
    await vera.goto(link!);
    await vera.getByLabel("Your name").fill(viewer.name);
    await vera.getByLabel("Password").fill(viewer.password);
    await vera.getByRole("button", { name: "Create account and join" }).click();
    await vera.waitForURL((u) => u.pathname === orgPath);

    await vera.goto(`${orgPath}/budgets`);
    await vera.getByRole("row").filter({ hasText: "Support bot monthly" }).waitFor();
    expect(await vera.getByRole("link", { name: "New budget" }).count()).toBe(0);
    await veraShot(vera, "budgets");
    await vera.goto(budgetPath);
    await vera.getByText("80%, 100%").waitFor();
    expect(await vera.getByRole("form", { name: "Edit budget" }).count()).toBe(0);
    expect(await vera.getByRole("button", { name: "Delete budget" }).count()).toBe(0);
    await veraShot(vera, "budget");
    await veraWatch.check();

    const budgetId = budgetPath.split("/").at(-1)!;
    const before = (await db.query<{ amountMicros: string }>(`SELECT "amountMicros"::text FROM budgets WHERE id = $1`, [budgetId])).rows[0]!.amountMicros;
    const post = await vera.request.post(`/api/v1/orgs/${slug}/budgets`, { data: { name: "Sneaky", scope: "org", period: "monthly", amountUsd: "1" } });
    expect(post.status()).toBe(403);
    const patch = await vera.request.patch(`/api/v1/orgs/${slug}/budgets/${budgetId}`, { data: { amountUsd: "1000" } });
    expect([403, 404]).toContain(patch.status());
    expect((await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM budgets WHERE "orgId" = $1`, [orgId])).rows[0]!.n).toBe("1");
    expect((await db.query<{ amountMicros: string }>(`SELECT "amountMicros"::text FROM budgets WHERE id = $1`, [budgetId])).rows[0]!.amountMicros).toBe(before);
    await vera.context().close();
  });
});
