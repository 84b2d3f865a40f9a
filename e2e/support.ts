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

type CaughtMail = { to: string[]; subject: string; text: string; html: string };

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
