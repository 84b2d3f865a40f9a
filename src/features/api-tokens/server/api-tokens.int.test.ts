import { describe, expect, it, vi } from "vitest";
import { prisma } from "@/server/db";
import { createOrg } from "../../../../test/helpers/factory";
import { actAs, sessionMock } from "../../../../test/helpers/session";

vi.mock("@/server/next/session", () => sessionMock);
const settings = await import("@/app/[org]/settings/actions");

describe("API token actions", () => {
  it("a NUL byte in a token name or id answers 400 (PostgreSQL can't take it), creating nothing", async () => {
    const a = await createOrg();
    actAs(a.owner.id);
    expect(await settings.createApiTokenAction(a.org.slug, { name: "ci\u0000pipeline", scopes: ["reports:read"] })).toMatchObject({ ok: false, status: 400 });
    expect(await settings.revokeApiTokenAction(a.org.slug, { tokenId: "\u0000" })).toMatchObject({ ok: false, status: 400 });
    expect(await prisma.apiToken.count({ where: { orgId: a.org.id } })).toBe(0);
  });
});
