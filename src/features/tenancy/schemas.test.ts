import { describe, expect, it } from "vitest";
import { InviteMemberInput, SignUpInput, roleWithArticle, safeCallbackPath, slugify } from "./schemas";
import { signInErrorMessage } from "./components/sign-in-messages";

describe("tenancy schemas", () => {
  it("follows only same-site paths after sign-in", () => {
    expect(safeCallbackPath("/acme/budgets?x=1")).toBe("/acme/budgets?x=1");
    for (const bad of ["//evil.example", "/\\evil.example", "https://evil.example/", "javascript:alert(1)", "", null, undefined]) {
      expect(safeCallbackPath(bad)).toBe("/");
    }
  });

  it("refuses callback paths that a browser resolves to another origin (tabs, newlines, backslashes)", () => {
    for (const bad of ["/\t/evil.example", "/\n/evil.example", "/\r\\evil.example", "/\t\\evil.example"]) {
      expect(new URL(safeCallbackPath(bad), "http://localhost:3000").origin, JSON.stringify(bad)).toBe("http://localhost:3000");
    }
    expect(safeCallbackPath("/invite/tgi_abc?x=1#top")).toBe("/invite/tgi_abc?x=1#top");
  });

  it("normalises emails and reports the field that is wrong", () => {
    expect(InviteMemberInput.parse({ email: "  Bob@Example.COM ", role: "viewer" })).toEqual({ email: "bob@example.com", role: "viewer" });
    const r = SignUpInput.safeParse({ name: "", email: "x", password: "short", orgName: "A" });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join("."))).toEqual(["name", "email", "password", "orgName"]);
  });

  it("words roles and slugs", () => {
    expect(roleWithArticle("admin")).toBe("an admin");
    expect(roleWithArticle("owner")).toBe("an owner");
    expect(roleWithArticle("member")).toBe("a member");
    expect(slugify("Ünïcode & Co.")).toBe("unicode-co");
  });

  it("maps next-auth error codes to messages, with a fallback", () => {
    expect(signInErrorMessage("RateLimited")).toMatch(/Too many sign-in attempts/);
    expect(signInErrorMessage("CredentialsSignin")).toBe("Wrong email or password.");
    expect(signInErrorMessage("Something new")).toBe("Sign-in failed. Try again.");
    expect(signInErrorMessage(null)).toBeNull();
  });
});
