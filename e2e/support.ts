import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { chromium, type Browser, type Page } from "playwright-core";

// Set by scripts/test-e2e.sh.
export const BASE_URL = must("E2E_BASE_URL");
const MAIL_API = `http://127.0.0.1:${must("MAIL_CATCHER_HTTP_PORT")}/api/messages`;

function must(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run browser tests with npm run test:e2e`);
  return v;
}

export const uniq = (p: string) => `${p}-${randomBytes(4).toString("hex")}`;

/**
 * Debian's Chromium with the flags from ENVIRONMENT.md. playwright-core refuses a
 * --user-data-dir argument to launch(); it gives every launch a fresh temporary profile
 * itself (and deletes it on close), which is the isolation that flag was for.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ baseURL: BASE_URL, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  page.setDefaultNavigationTimeout(60_000);
  return page;
}

const SHOTS = join(process.cwd(), "artifacts", "e2e");
let shot = 0;

/** Full-page screenshot as artifacts/e2e/<nn>-<name>.png, numbered in visiting order. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SHOTS, { recursive: true });
  shot += 1;
  const path = join(SHOTS, `${String(shot).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * A screenshot function of its own with a file prefix (artifacts/e2e/<prefix><nn>-<name>.png), so
 * specs don't overwrite each other's numbered shots (each spec file gets a fresh module).
 */
export function screenshotter(prefix: string): (page: Page, name: string) => Promise<string> {
  let n = 0;
  return async (page, name) => {
    mkdirSync(SHOTS, { recursive: true });
    n += 1;
    // A full-page shot of a scrolled page paints the sticky top bar mid-page.
    await page.evaluate(() => window.scrollTo(0, 0));
    const path = join(SHOTS, `${prefix}${String(n).padStart(2, "0")}-${name}.png`);
    await page.screenshot({ path, fullPage: true });
    return path;
  };
}

export type NewAccount = { name: string; email: string; password: string; org: string };

/** Signs up through the form and waits for the new org's overview; returns the org path ("/slug"). */
export async function signUp(page: Page, a: NewAccount): Promise<string> {
  await page.goto("/sign-up");
  await page.getByLabel("Your name").fill(a.name);
  await page.getByLabel("Work email").fill(a.email);
  await page.getByLabel("Password").fill(a.password);
  await page.getByLabel("Organization name").fill(a.org);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("heading", { level: 1, name: a.org }).waitFor();
  return new URL(page.url()).pathname;
}

type CaughtMail = { to: string[]; subject: string; text: string; html: string; attachments: { filename: string; contentType: string; text: string }[] };

/** Polls the mail catcher's HTTP API until a message for `to` matching `subject` arrives. */
export async function waitForMail(to: string, subject: RegExp, timeoutMs = 20_000): Promise<CaughtMail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${MAIL_API}?to=${encodeURIComponent(to.toLowerCase())}`);
    const hit = ((await res.json()) as CaughtMail[]).find((m) => subject.test(m.subject));
    if (hit) return hit;
    if (Date.now() > deadline) throw new Error(`No mail to ${to} matching ${subject} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export type PageProblems = { problems: string[]; check: () => Promise<void> };

/**
 * Records what a person would see go wrong on a page: console errors, uncaught exceptions and
 * same-origin requests answered 4xx/5xx (unless `allow` matches "<status> <path>"), and
 * `check()` also fails on a Next.js error overlay. Call `check()` after each page is shown.
 */
export function watchPage(page: Page, allow: RegExp[] = []): PageProblems {
  const problems: string[] = [];
  const origin = new URL(BASE_URL).origin;
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    // Chromium also logs every 4xx/5xx response as "Failed to load resource: … status of N";
    // one the spec allows (below) is not a problem twice.
    const status = /^Failed to load resource: the server responded with a status of (\d{3})/.exec(m.text())?.[1];
    if (status && m.location().url.startsWith(origin) && allow.some((a) => a.test(`${status} ${new URL(m.location().url).pathname}`))) return;
    problems.push(`console error on ${page.url()}: ${m.text()} (${m.location().url})`);
  });
  page.on("pageerror", (e) => problems.push(`uncaught exception on ${page.url()}: ${e.message}`));
  page.on("response", (r) => {
    const u = new URL(r.url());
    if (u.origin !== origin || r.status() < 400) return;
    const what = `${r.status()} ${u.pathname}`;
    if (!allow.some((a) => a.test(what))) problems.push(`failed request on ${page.url()}: ${what}`);
  });
  page.on("requestfailed", (r) => {
    const u = new URL(r.url());
    // A navigation away aborts the old page's prefetches; that is not a failure a person sees.
    if (u.origin === origin && r.failure()?.errorText !== "net::ERR_ABORTED") problems.push(`request failed on ${page.url()}: ${u.pathname} ${r.failure()?.errorText}`);
  });
  return {
    problems,
    async check() {
      if ((await page.locator("nextjs-portal").count()) > 0) problems.push(`error overlay on ${page.url()}`);
      problems.push(...(await layoutProblems(page)));
      if (problems.length) throw new Error(problems.join("\n"));
    },
  };
}

/**
 * What a person would see drawn wrong on the page as it is now:
 * - an empty chart where data exists: a chart frame (`data-chart`, src/components/ui/chart-frame.tsx)
 *   whose data has non-zero points but whose SVG has no bar, area, line or single-value dot (waited
 *   for up to 5 s: charts draw after hydration);
 * - text overflowing its table cell: a `td`/`th` whose content is wider than the cell, unless
 *   the cell (or something in it) truncates on purpose (`text-overflow: ellipsis`) or scrolls.
 */
export async function layoutProblems(page: Page): Promise<string[]> {
  const out: string[] = [];
  const where = `${page.url()} at ${page.viewportSize()?.width ?? "?"} px`;
  const blank = () =>
    [...document.querySelectorAll<HTMLElement>("[data-chart]")]
      .filter((c) => Number(c.dataset.points ?? "0") > 0)
      .filter((c) => {
        const marks = [...c.querySelectorAll<SVGGraphicsElement>("svg .recharts-bar-rectangle rect, svg .recharts-bar-rectangle path, svg .recharts-area-area, svg .recharts-area-curve, svg .recharts-line-curve, svg circle.recharts-dot")];
        return !marks.some((m) => {
          const b = m.getBoundingClientRect();
          return (m.getAttribute("d") ?? "x") !== "" && (b.width > 0 || b.height > 0);
        });
      })
      .map((c) => `${c.dataset.chart} (${c.dataset.points} points)`);
  let empty = await page.evaluate(blank);
  for (let waited = 0; empty.length && waited < 5_000; waited += 250) {
    await page.waitForTimeout(250);
    empty = await page.evaluate(blank);
  }
  for (const c of empty) out.push(`empty chart where data exists on ${where}: ${c}`);

  const overflowing = await page.evaluate(() => {
    const intended = (el: Element) => {
      const cs = getComputedStyle(el);
      return cs.textOverflow === "ellipsis" || cs.overflowX === "auto" || cs.overflowX === "scroll";
    };
    return [...document.querySelectorAll<HTMLElement>("td, th")]
      .filter((cell) => cell.getClientRects().length > 0 && cell.scrollWidth > cell.clientWidth + 1)
      .filter((cell) => !intended(cell) && ![...cell.querySelectorAll("*")].some(intended))
      .map((cell) => `"${(cell.textContent ?? "").trim().slice(0, 60)}" (${cell.scrollWidth} px in ${cell.clientWidth} px)`);
  });
  for (const c of overflowing) out.push(`text overflows its table cell on ${where}: ${c}`);
  return out;
}

/**
 * The page at a desktop 1440×900 and at a phone's 390×844, full page each, as
 * artifacts/e2e/<prefix><nn>-<name>.png and …-<name>.phone.png; the viewport is restored.
 * A page still wider than the viewport once its charts have re-laid out (up to 10 s: on a loaded
 * machine the re-layout after a resize took longer than 3 s) is a problem for `watch`, and so is
 * what `layoutProblems` finds at each size.
 */
export function shooter(prefix: string, watch?: PageProblems): (page: Page, name: string) => Promise<void> {
  let n = 0;
  return async (page, name) => {
    mkdirSync(SHOTS, { recursive: true });
    n += 1;
    const base = join(SHOTS, `${prefix}${String(n).padStart(2, "0")}-${name}`);
    for (const [vp, suffix] of [[{ width: 1440, height: 900 }, ""], [{ width: 390, height: 844 }, ".phone"]] as const) {
      await page.setViewportSize(vp);
      const fits = await page
        .waitForFunction(() => document.documentElement.scrollWidth <= window.innerWidth, undefined, { timeout: 10_000 })
        .then(() => true, () => false);
      if (!fits) watch?.problems.push(`${page.url()} is wider than ${vp.width} px (horizontal scrolling on a phone)`);
      if (watch) watch.problems.push(...(await layoutProblems(page)));
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: `${base}${suffix}.png`, fullPage: true });
    }
    await page.setViewportSize({ width: 1440, height: 900 });
  };
}
