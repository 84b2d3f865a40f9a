import { afterEach, describe, expect, it, vi } from "vitest";
import { prisma } from "@/server/db";
import { getPriceLookup } from "./catalog";

describe("price catalog background refresh", () => {
  afterEach(() => vi.restoreAllMocks());

  it("keeps serving the stale catalog when a refresh fails, without an unhandled rejection (which would end the worker)", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (r: unknown) => unhandled.push(r);
    process.on("unhandledRejection", onUnhandled);
    try {
      // A catalog older than its TTL, and a database blip during the refresh.
      (globalThis as { tgPriceCatalog?: unknown }).tgPriceCatalog = { map: new Map(), at: 0 };
      vi.spyOn(prisma.modelPrice, "findMany").mockRejectedValue(new Error("connection reset"));
      vi.spyOn(console, "warn").mockImplementation(() => {});
      const lookup = await getPriceLookup([]);
      expect(lookup("org", "openai", "gpt-4o")).not.toBeUndefined();
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
      (globalThis as { tgPriceCatalog?: unknown }).tgPriceCatalog = undefined;
    }
  });
});
