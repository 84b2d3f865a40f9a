import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { BASE_URL, launchBrowser, newPage, screenshot, uniq, waitForMail, watchPage, type PageProblems } from "./support";

/**
 * The first journey: sign up, sign out, sign in, create a workspace and a project tag,
 * invite a member by email, and accept that invitation as the new member in a second
 * browser context. Steps run in order and share state. Every page is watched (support.ts
 * watchPage); the only refusals allowed are the ones a step provokes on purpose: the wrong
 * password (401) and the rate limit (429) of the credentials sign-in.
 */
describe("journey: sign up → workspace and project tag → invite → accept", () => {
  let browser: Browser;
  let admin: Page;
  const owner = { name: "Ada Owner", email: `${uniq("ada")}@example.test`, password: "correct horse battery staple", org: `Acme ${uniq("co")}` };
  const invitee = { name: "Bob Member", email: `${uniq("bob")}@example.test`, password: "another long password" };
  let orgPath = "";
  let inviteLink = "";
  let watch: PageProblems;
  /** The credentials sign-in answers a wrong password with 401. */
  const WRONG_PASSWORD = /^401 \/api\/auth\/callback\/credentials$/;
  const RATE_LIMITED = /^429 \/api\/auth\/callback\/credentials$/;

  beforeAll(async () => {
    browser = await launchBrowser();
    admin = await newPage(browser);
    watch = watchPage(admin, [WRONG_PASSWORD]);
  });
  afterEach(async () => {
    await watch?.check();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("signs up and lands on the new org's overview", async () => {
    await admin.goto("/sign-up");
    await screenshot(admin, "sign-up");
    // Inline errors from the shared zod schema before anything is sent.
    await admin.getByRole("button", { name: "Create account" }).click();
    await admin.getByText("Enter your name").waitFor();
    await admin.getByText("Use at least 10 characters").waitFor();
    await screenshot(admin, "sign-up-errors");

    await admin.getByLabel("Your name").fill(owner.name);
    await admin.getByLabel("Work email").fill(owner.email);
    await admin.getByLabel("Password").fill(owner.password);
    await admin.getByLabel("Organization name").fill(owner.org);
    await admin.getByRole("button", { name: "Create account" }).click();
    await admin.waitForURL((u) => /^\/acme-co-[0-9a-f]{8}$/.test(u.pathname));
    orgPath = new URL(admin.url()).pathname;
    await admin.getByRole("heading", { level: 1, name: owner.org }).waitFor();
    expect(await admin.getByTestId("user-email").textContent()).toBe(owner.email);
    await admin.getByText("No usage yet").waitFor();
    await screenshot(admin, "overview");
  });

  it("opens the verification link that password sign-up emails", async () => {
    const mail = await waitForMail(owner.email, /Verify your email/);
    const link = mail.text.match(/https?:\/\/\S+\/verify-email\?\S+/)?.[0];
    expect(link).toBeTruthy();
    await admin.goto(link!);
    await admin.getByRole("heading", { level: 1, name: "Email verified" }).waitFor();
    await screenshot(admin, "email-verified");
    await admin.goto(orgPath);
  });

  it("signs out, is refused with a wrong password, then signs in", async () => {
    await admin.getByRole("button", { name: "Sign out" }).click();
    await admin.waitForURL((u) => u.pathname === "/sign-in");
    await admin.getByRole("heading", { name: "Sign in" }).waitFor();
    await screenshot(admin, "sign-in");

    // Signed out for real: the org page sends us back to sign-in.
    await admin.goto(orgPath);
    await admin.waitForURL((u) => u.pathname === "/sign-in" && u.searchParams.get("callbackUrl") === orgPath);

    await admin.getByLabel("Email").fill(owner.email);
    await admin.getByLabel("Password").fill("not my password");
    await admin.getByRole("button", { name: "Sign in", exact: true }).click();
    await admin.getByText("Wrong email or password.").waitFor();
    await screenshot(admin, "sign-in-wrong-password");

    await admin.getByLabel("Password").fill(owner.password);
    await admin.getByRole("button", { name: "Sign in", exact: true }).click();
    await admin.waitForURL((u) => u.pathname === orgPath);
    await admin.getByRole("heading", { level: 1, name: owner.org }).waitFor();
  });

  it("creates a workspace and a project tag with an owner", async () => {
    await admin.getByRole("navigation", { name: "Organization" }).getByRole("link", { name: "Workspaces" }).click();
    await admin.waitForURL((u) => u.pathname === `${orgPath}/workspaces`);
    await admin.getByLabel("Workspace name").fill("Production");
    await admin.getByRole("button", { name: "Create workspace" }).click();
    await admin.getByRole("link", { name: "Production" }).waitFor();
    await screenshot(admin, "workspaces");

    await admin.getByRole("link", { name: "Production" }).click();
    await admin.getByRole("heading", { level: 1, name: "Production" }).waitFor();
    await admin.getByLabel("Tag name").fill("Support bot");
    await admin.getByLabel("Owner", { exact: true }).first().selectOption({ label: `${owner.name} <${owner.email}>` });
    await admin.getByRole("button", { name: "Add project tag" }).click();
    await admin.getByRole("row", { name: /support-bot/ }).getByRole("cell", { name: owner.name }).waitFor();
    await screenshot(admin, "workspace-project-tag");
  });

  it("invites a member; the invitation email arrives with a link", async () => {
    await admin.getByRole("navigation", { name: "Organization" }).getByRole("link", { name: "Members" }).click();
    await admin.waitForURL((u) => u.pathname === `${orgPath}/members`);
    await admin.getByLabel("Email", { exact: true }).fill(invitee.email);
    await admin.getByLabel("Role", { exact: true }).selectOption("member");
    await admin.getByRole("button", { name: "Send invitation" }).click();
    await admin.getByText(`Invitation sent to ${invitee.email}.`).waitFor();
    await admin.getByRole("cell", { name: invitee.email }).waitFor();
    await screenshot(admin, "members-invited");

    const mail = await waitForMail(invitee.email, /invited/);
    expect(mail.subject).toContain(owner.org);
    const link = mail.text.match(/https?:\/\/\S+\/invite\/\S+/)?.[0];
    expect(link, mail.text).toBeTruthy();
    inviteLink = link!;
    expect(inviteLink.startsWith(`${BASE_URL}/invite/`)).toBe(true);
  });

  it("the invitee opens the link in another browser context, signs up and joins as a member", async () => {
    const bob = await newPage(browser);
    const bobWatch = watchPage(bob);
    await bob.goto(inviteLink);
    await bob.getByRole("heading", { name: `Join ${owner.org}` }).waitFor();
    expect(await bob.getByLabel("Email").inputValue()).toBe(invitee.email);
    await screenshot(bob, "invitation");

    await bob.getByLabel("Your name").fill(invitee.name);
    await bob.getByLabel("Password").fill(invitee.password);
    await bob.getByRole("button", { name: "Create account and join" }).click();
    await bob.waitForURL((u) => u.pathname === orgPath);
    expect(await bob.getByTestId("user-email").textContent()).toBe(invitee.email);
    await screenshot(bob, "invitee-overview");

    // A member sees the members list read-only.
    await bob.goto(`${orgPath}/members`);
    await bob.getByRole("cell", { name: new RegExp(invitee.name) }).waitFor();
    expect(await bob.getByRole("button", { name: "Send invitation" }).count()).toBe(0);
    expect(await bob.getByRole("combobox").count()).toBe(0);
    await screenshot(bob, "invitee-members-read-only");

    // The link is used up.
    await bob.goto(inviteLink);
    await bob.getByText("This invitation was already accepted.").waitFor();
    await bobWatch.check();
    await bob.context().close();
  });

  it("a new person signs in with an emailed link and creates their org on onboarding", async () => {
    const carol = await newPage(browser);
    const carolWatch = watchPage(carol);
    const email = `${uniq("carol")}@example.test`;
    await carol.goto("/sign-in");
    await carol.getByLabel("Email").fill(email);
    await carol.getByRole("button", { name: "Email me a sign-in link" }).click();
    await carol.getByRole("heading", { name: "Check your email" }).waitFor();
    await screenshot(carol, "sign-in-link-sent");

    const mail = await waitForMail(email, /sign-in link/);
    const link = mail.text.match(/https?:\/\/\S+\/api\/auth\/callback\/email\S+/)?.[0];
    expect(link, mail.text).toBeTruthy();
    await carol.goto(link!);
    await carol.waitForURL((u) => u.pathname === "/onboarding");
    await carol.getByRole("heading", { name: "Create your organization" }).waitFor();
    await screenshot(carol, "onboarding");
    await carol.getByLabel("Organization name").fill("Carol Labs");
    await carol.getByRole("button", { name: "Create organization" }).click();
    await carol.waitForURL((u) => u.pathname.startsWith("/carol-labs"));
    await carol.getByRole("heading", { level: 1, name: "Carol Labs" }).waitFor();
    await carolWatch.check();
    await carol.context().close();
  });

  it("too many password attempts get a clear rate-limit message", async () => {
    const mallory = await newPage(browser);
    const malloryWatch = watchPage(mallory, [WRONG_PASSWORD, RATE_LIMITED]);
    await mallory.goto("/sign-in");
    const email = `${uniq("target")}@example.test`;
    await mallory.getByLabel("Email").fill(email);
    // SIGNIN_MAX_ATTEMPTS defaults to 10 per email per 15 minutes.
    for (let i = 0; i < 10; i++) {
      await mallory.getByLabel("Password").fill(`guess number ${i}`);
      await mallory.getByRole("button", { name: "Sign in", exact: true }).click();
      await mallory.getByText("Wrong email or password.").waitFor();
      await mallory.getByRole("button", { name: "Sign in", exact: true }).and(mallory.locator(":enabled")).waitFor();
    }
    await mallory.getByLabel("Password").fill("one more guess");
    await mallory.getByRole("button", { name: "Sign in", exact: true }).click();
    await mallory.getByText(/Too many sign-in attempts/).waitFor();
    await screenshot(mallory, "sign-in-rate-limited");
    await malloryWatch.check();
    await mallory.context().close();
  });

  it("the admin sees the new member and no pending invitation", async () => {
    await admin.reload();
    await admin.getByRole("cell", { name: new RegExp(invitee.name) }).waitFor();
    await admin.getByText("No pending invitations").waitFor();
    await screenshot(admin, "members-after-accept");
  });
});
