import { describe, expect, it } from "vitest";
import nextConfig from "../../next.config";
import { securityHeaders } from "./security-headers";

const asMap = (h: { key: string; value: string }[]) => Object.fromEntries(h.map((x) => [x.key, x.value]));

describe("security headers", () => {
  it("every path gets a CSP that forbids framing, nosniff and a referrer policy", async () => {
    const rules = await nextConfig.headers!();
    const all = rules.find((r) => r.source === "/:path*");
    expect(all).toBeTruthy();
    const h = asMap(all!.headers);
    expect(h["Content-Security-Policy"]).toMatch(/frame-ancestors 'none'/);
    expect(h["Content-Security-Policy"]).toMatch(/default-src 'self'/);
    expect(h["Content-Security-Policy"]).toMatch(/object-src 'none'/);
    expect(h["X-Content-Type-Options"]).toBe("nosniff");
    expect(h["Referrer-Policy"]).toBe("strict-origin-when-cross-origin");
    expect(h["X-Frame-Options"]).toBe("DENY");
  });

  it("HSTS only when the app is served over TLS; 'unsafe-eval' only for the dev server", () => {
    const tls = asMap(securityHeaders({ appUrl: "https://tollgate.example.com", dev: false }));
    expect(tls["Strict-Transport-Security"]).toBe("max-age=31536000; includeSubDomains");
    expect(tls["Content-Security-Policy"]).not.toMatch(/unsafe-eval/);
    const plain = asMap(securityHeaders({ appUrl: "http://localhost:3000", dev: true }));
    expect(plain["Strict-Transport-Security"]).toBeUndefined();
    expect(plain["Content-Security-Policy"]).toMatch(/unsafe-eval/);
  });
});
