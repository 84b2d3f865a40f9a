import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { prisma } from "@/server/db";
import { createOrg } from "../../../../test/helpers/factory";
import { authenticateIngestToken, createIngestToken, resetTokenCache, tokenCacheStats } from "./tokens";

describe("the ingest-token cache", () => {
  it("stays bounded under random bearer tokens, and random misses never evict a valid token", async () => {
    resetTokenCache({ maxHits: 100, maxMisses: 50 });
    const a = await createOrg();
    const { token, id } = await createIngestToken(a.ctx, { workspaceId: a.workspace.id, name: "t" });
    expect(await authenticateIngestToken(`Bearer ${token}`)).toMatchObject({ tokenId: id, workspaceId: a.workspace.id });

    for (let i = 0; i < 300; i++) {
      await expect(authenticateIngestToken(`Bearer tg_ingest_${randomBytes(16).toString("hex")}`)).rejects.toMatchObject({ status: 401 });
    }
    expect(tokenCacheStats()).toMatchObject({ hits: 1, misses: 50 });

    // Still cached (revocation shows only after the cache's 10 s): the 300 misses did not push it out.
    await prisma.ingestToken.update({ where: { id }, data: { revokedAt: new Date() } });
    expect(await authenticateIngestToken(`Bearer ${token}`)).toMatchObject({ tokenId: id });
    resetTokenCache();
  });
});
