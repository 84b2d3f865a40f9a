import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { startFakeOpenRouter, type FakeOpenRouter } from "@/providers/openrouter/fake";
import { BASE_URL, launchBrowser, newPage, screenshotter, signUp, uniq, waitForMail, watchPage, type PageProblems } from "./support";

/**
 * The second journey, in its own fresh org: overview empty state → an OpenRouter connection
 * pointed at a fake OpenRouter this spec starts → a workspace with an ingest token → budgets
 * (inline validation, create, detail, edit, delete) → alerts and keys pages → usage pushed
 * with the token shows on the overview and in the budget → a viewer sees budgets read-only.
 * Nothing here waits for a job (the workers run, but no step depends on one).
 */
describe("journey: connection → budgets → pushed usage → read-only viewer", () => {
  const shot = screenshotter("b");
  let browser: Browser;
  let admin: Page;
  let fake: FakeOpenRouter;
  let watch: PageProblems;
  const owner = { name: "Grace Owner", email: `${uniq("grace")}@example.test`, password: "a long enough password", org: `Budgets ${uniq("co")}` };
  const viewer = { name: "Vic Viewer", email: `${uniq("vic")}@example.test`, password: "viewer long password" };
  let orgPath = "";
  let slug = "";
  let budgetPath = "";
  let ingestToken = "";
  const nav = (p: Page, name: string) => p.getByRole("navigation", { name: "Organization" }).getByRole("link", { name, exact: true }).click();
  const listBudgets = async (p: Page) => {
    const res = await p.request.get(`/api/v1/orgs/${slug}/budgets`);
    expect(res.status()).toBe(200);
    return ((await res.json()) as { data: { id: string; name: string; amountUsd: string }[] }).data;
  };

  beforeAll(async () => {
    fake = await startFakeOpenRouter({ seed: 7 });
    browser = await launchBrowser();
    admin = await newPage(browser);
    watch = watchPage(admin);
  });
  // Every step's pages: no console error, failed request or error overlay.
  afterEach(async () => {
    await watch?.check();
  });
  afterAll(async () => {
    await browser?.close();
    await fake?.close();
  });

  it("a new org's overview shows the empty state", async () => {
    orgPath = await signUp(admin, owner);
    slug = orgPath.slice(1);
    await admin.getByText("No usage yet").waitFor();
    await admin.getByRole("link", { name: "Connect OpenRouter or OpenAI" }).waitFor();
    await admin.getByRole("link", { name: "Create an ingest token" }).waitFor();
    await shot(admin, "overview-empty");
  });

  it("adds an OpenRouter connection pointed at the fake; the page shows only the last 4 of the key", async () => {
    await nav(admin, "Connections");
    await admin.waitForURL((u) => u.pathname === `${orgPath}/connections`);
    await admin.getByText("No provider connections yet").waitFor();
    const secret = fake.state.managementKey;
    expect(secret.length).toBeGreaterThan(20);

    const form = admin.getByRole("form", { name: "Add connection" });
    await form.getByLabel("Provider").selectOption("openrouter");
    await form.getByLabel("Connection name").fill("OpenRouter fake");
    await form.getByLabel("Management key").fill(secret);
    await form.getByText("Advanced").click();
    await form.getByLabel("API base URL").fill(fake.url);
    await shot(admin, "connection-form");
    await form.getByRole("button", { name: "Save connection" }).click();
    await form.getByRole("status").filter({ hasText: `OpenRouter fake saved (key ••••${secret.slice(-4)}).` }).waitFor();

    const item = admin.getByRole("listitem").filter({ hasText: "OpenRouter fake" });
    await item.getByText(`••••${secret.slice(-4)}`).waitFor();
    await item.getByText(fake.url).waitFor();
    expect(await admin.content()).not.toContain(secret);
    await shot(admin, "connection-saved");

    // "Poll now" queues the poll job; nothing below depends on it having run.
    await item.getByRole("button", { name: "Poll now" }).click();
    await item.getByRole("status").filter({ hasText: "Queued" }).waitFor();

    // The server-rendered page (HTML and its RSC payload) never carries the secret either.
    await admin.reload();
    await admin.getByText(`••••${secret.slice(-4)}`).waitFor();
    expect(await admin.content()).not.toContain(secret);
    const raw = await (await admin.request.get(`${orgPath}/connections`)).text();
    expect(raw).toContain(`••••`);
    expect(raw).toContain(secret.slice(-4));
    expect(raw).not.toContain(secret);
  });

  it("creates a workspace and an ingest token, shown once", async () => {
    await nav(admin, "Workspaces");
    await admin.getByLabel("Workspace name").fill("Production");
    await admin.getByRole("button", { name: "Create workspace" }).click();
    await admin.getByRole("link", { name: "Production" }).click();
    await admin.getByRole("heading", { level: 1, name: "Production" }).waitFor();

    await admin.getByLabel("Token name").fill("gateway");
    await admin.getByRole("button", { name: "Create token" }).click();
    const reveal = admin.getByTestId("token-reveal");
    await reveal.waitFor();
    ingestToken = await reveal.getByLabel("Ingest token", { exact: true }).inputValue();
    expect(ingestToken.length).toBeGreaterThan(20);
    await shot(admin, "ingest-token-revealed");

    // Once dismissed (or on reload) only the prefix is left.
    await reveal.getByRole("button", { name: "I have copied it" }).click();
    await admin.reload();
    await admin.getByRole("cell", { name: "gateway" }).waitFor();
    expect(await admin.content()).not.toContain(ingestToken);
  });

  it("the budget form shows inline errors and creates nothing until they are fixed", async () => {
    await nav(admin, "Budgets");
    await admin.waitForURL((u) => u.pathname === `${orgPath}/budgets`);
    await admin.getByText("No budgets yet").waitFor();
    await shot(admin, "budgets-empty");
    await admin.getByRole("link", { name: "New budget" }).first().click();
    await admin.waitForURL((u) => u.pathname === `${orgPath}/budgets/new`);

    const form = admin.getByRole("form", { name: "New budget" });
    await form.getByLabel("Name", { exact: true }).fill("Production daily");
    await form.getByLabel("Covers").selectOption("workspace");
    await form.getByLabel("Workspace", { exact: true }).selectOption({ label: "Production" });
    await form.getByLabel("Period (org time zone)").selectOption("daily");
    await form.getByLabel("Amount (USD)").fill("abc");
    await form.getByLabel("Thresholds (%)").fill("80,100");
    await form.getByLabel("Mode", { exact: true }).selectOption("hard");
    await form.getByRole("button", { name: "Create budget" }).click();

    // The error sits next to the amount field and is wired to it for screen readers.
    const amount = form.getByLabel("Amount (USD)");
    const amountError = admin.locator("#f-amountUsd-error");
    await amountError.waitFor();
    expect(await amountError.textContent()).toBe("Enter an amount in USD, e.g. 250 or 19.99 (at most 6 decimals)");
    expect(await amount.getAttribute("aria-invalid")).toBe("true");
    expect(await amount.getAttribute("aria-describedby")).toBe("f-amountUsd-error");
    expect(new URL(admin.url()).pathname).toBe(`${orgPath}/budgets/new`);
    expect(await listBudgets(admin)).toEqual([]);
    await shot(admin, "budget-form-errors");

    await amount.fill("5");
    await form.getByRole("button", { name: "Create budget" }).click();
    await admin.waitForURL((u) => u.pathname.startsWith(`${orgPath}/budgets/`) && !u.pathname.endsWith("/new"));
    budgetPath = new URL(admin.url()).pathname;
    await admin.getByRole("heading", { level: 1, name: "Production daily" }).waitFor();
    const created = await listBudgets(admin);
    expect(created.map((b) => [b.name, b.amountUsd])).toEqual([["Production daily", "5"]]);
    expect(budgetPath).toBe(`${orgPath}/budgets/${created[0]!.id}`);
  });

  it("the list shows the budget at 0% used, and its detail page opens from there", async () => {
    await nav(admin, "Budgets");
    const row = admin.getByRole("row").filter({ hasText: "Production daily" });
    await row.waitFor();
    await row.getByText("$0.00 / $5.00").waitFor();
    await row.locator('[aria-label="0% used"]').waitFor();
    expect(await row.textContent()).toMatch(/daily/i);
    expect(await row.textContent()).toMatch(/hard/);
    await shot(admin, "budgets-list");

    await row.getByRole("link", { name: "Production daily" }).click();
    await admin.waitForURL((u) => u.pathname === budgetPath);
    await admin.getByText("80%, 100%").waitFor();
    await admin.getByText("No alerts yet").waitFor();
    await shot(admin, "budget-detail");
  });

  it("edits the budget's amount", async () => {
    const form = admin.getByRole("form", { name: "Edit budget" });
    expect(await form.getByLabel("Amount (USD)").inputValue()).toBe("5");
    await form.getByLabel("Amount (USD)").fill("10");
    await form.getByRole("button", { name: "Save changes" }).click();
    await form.getByRole("status").filter({ hasText: "Saved." }).waitFor();
    await admin.reload();
    await admin.getByText("of $10.00").waitFor();
    expect((await listBudgets(admin)).map((b) => b.amountUsd)).toEqual(["10"]);
    await shot(admin, "budget-edited");
  });

  it("deletes another budget", async () => {
    await admin.goto(`${orgPath}/budgets/new`);
    const form = admin.getByRole("form", { name: "New budget" });
    await form.getByLabel("Name", { exact: true }).fill("Scratch monthly");
    await form.getByLabel("Amount (USD)").fill("100");
    await form.getByRole("button", { name: "Create budget" }).click();
    await admin.getByRole("heading", { level: 1, name: "Scratch monthly" }).waitFor();
    expect((await listBudgets(admin)).map((b) => b.name).sort()).toEqual(["Production daily", "Scratch monthly"]);

    admin.once("dialog", (d) => {
      expect(d.message()).toContain('Delete the budget "Scratch monthly"?');
      void d.accept();
    });
    await admin.getByRole("button", { name: "Delete budget" }).click();
    await admin.waitForURL((u) => u.pathname === `${orgPath}/budgets`);
    await admin.getByRole("row").filter({ hasText: "Production daily" }).waitFor();
    expect(await admin.getByRole("row").filter({ hasText: "Scratch monthly" }).count()).toBe(0);
    expect((await listBudgets(admin)).map((b) => b.name)).toEqual(["Production daily"]);
    await shot(admin, "budgets-after-delete");
  });

  it("the alerts and keys pages render their empty states", async () => {
    await nav(admin, "Alerts");
    await admin.getByRole("heading", { level: 1, name: "Alerts" }).waitFor();
    await admin.getByText("No alerts yet").waitFor();
    // "Poll now" above may have run by now (the workers run, and test:e2e shortens a new
    // connection's first-poll wait to 2 s): either no credit history yet, or its chart.
    await admin.getByText("No credit data yet").or(admin.locator('[data-chart="credit balance"]')).first().waitFor();
    await shot(admin, "alerts");

    await nav(admin, "Keys");
    await admin.getByRole("heading", { level: 1, name: "Keys" }).waitFor();
    await admin.getByText("No tracked keys yet").waitFor();
    await shot(admin, "keys");
  });

  it("usage pushed with the ingest token shows on the overview and in the budget", async () => {
    // The budget is daily (UTC): don't push a minute before midnight and look after it.
    const toMidnight = 86_400_000 - (Date.now() % 86_400_000);
    if (toMidnight < 120_000) await new Promise((r) => setTimeout(r, toMidnight + 1_000));
    const at = new Date(Date.now() - 1_000).toISOString();
    const events = [
      { id: uniq("e2e"), timestamp: at, provider: "openrouter", model: "anthropic/claude-3.5-sonnet", input_tokens: 1200, output_tokens: 300, cost_usd: 0.75 },
      { id: uniq("e2e"), timestamp: at, provider: "openrouter", model: "anthropic/claude-3.5-sonnet", input_tokens: 800, output_tokens: 200, cost_usd: "0.5" },
      { id: uniq("e2e"), timestamp: at, provider: "openrouter", model: "openai/gpt-4o-mini", input_tokens: 400, output_tokens: 100, cost_usd: 0.25 },
    ];
    const push = (authorization: string) =>
      fetch(`${BASE_URL}/api/v1/usage`, { method: "POST", headers: { authorization, "content-type": "application/json" }, body: JSON.stringify({ events }) });
    expect((await push("Bearer not-a-token")).status).toBe(401);
    const res = await push(`Bearer ${ingestToken}`);
    expect(res.status, await res.clone().text()).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: 3, duplicates: 0 });

    await nav(admin, "Overview");
    await admin.waitForURL((u) => u.pathname === orgPath);
    const spend = admin.getByText("Spend, last 30 days").locator("..");
    await spend.getByText("$1.50").waitFor();
    const models = admin.locator("section").filter({ has: admin.getByRole("heading", { name: "Top models" }) });
    await models.getByRole("cell", { name: "anthropic/claude-3.5-sonnet" }).waitFor();
    await models.getByRole("cell", { name: "openai/gpt-4o-mini" }).waitFor();
    await shot(admin, "overview-with-usage");

    // Budgets read the rollups the push wrote; no worker is needed for the number.
    await nav(admin, "Budgets");
    const row = admin.getByRole("row").filter({ hasText: "Production daily" });
    await row.getByText("$1.50 / $10.00").waitFor();
    await row.locator('[aria-label="15% used"]').waitFor();
    await shot(admin, "budgets-with-spend");
    await admin.goto(budgetPath);
    await admin.getByText("of $10.00").locator("..").getByText("$1.50").waitFor();
  });

  it("a viewer sees budgets read-only", async () => {
    await nav(admin, "Members");
    await admin.getByLabel("Email", { exact: true }).fill(viewer.email);
    await admin.getByLabel("Role", { exact: true }).selectOption("viewer");
    await admin.getByRole("button", { name: "Send invitation" }).click();
    await admin.getByText(`Invitation sent to ${viewer.email}.`).waitFor();
    const mail = await waitForMail(viewer.email, /invited/);
    const link = mail.text.match(/https?:\/\/\S+\/invite\/\S+/)?.[0];
    expect(link, mail.text).toBeTruthy();

    const vic = await newPage(browser);
    await vic.goto(link!);
    await vic.getByLabel("Your name").fill(viewer.name);
    await vic.getByLabel("Password").fill(viewer.password);
    await vic.getByRole("button", { name: "Create account and join" }).click();
    await vic.waitForURL((u) => u.pathname === orgPath);

    await vic.goto(`${orgPath}/budgets`);
    const row = vic.getByRole("row").filter({ hasText: "Production daily" });
    await row.getByText("$1.50 / $10.00").waitFor();
    expect(await vic.getByRole("link", { name: "New budget" }).count()).toBe(0);
    await shot(vic, "viewer-budgets");

    await row.getByRole("link", { name: "Production daily" }).click();
    await vic.waitForURL((u) => u.pathname === budgetPath);
    await vic.getByText("80%, 100%").waitFor();
    expect(await vic.getByRole("form").count()).toBe(0);
    expect(await vic.getByRole("button", { name: "Delete budget" }).count()).toBe(0);
    await shot(vic, "viewer-budget-detail");

    // The create page is not there for a viewer (404, like anything they may not use).
    await vic.goto(`${orgPath}/budgets/new`);
    await vic.getByRole("heading", { name: "Not found" }).waitFor();
    // And the REST API refuses a viewer's write.
    const res = await vic.request.post(`/api/v1/orgs/${slug}/budgets`, { data: { name: "Sneaky", scope: "org", period: "monthly", amountUsd: "1" } });
    expect(res.status()).toBeGreaterThanOrEqual(400);
    expect((await listBudgets(admin)).map((b) => b.name)).toEqual(["Production daily"]);
    await vic.context().close();
  });
});
