/**
 * Response headers for every page and route (next.config.ts `headers()`). Pure, so a test can
 * read exactly what the config sends.
 * - CSP: only our own origin; `frame-ancestors 'none'` (no clickjacking). Next.js inlines its
 *   bootstrap scripts and styles, hence 'unsafe-inline' (nonces would make every page dynamic);
 *   the dev server also needs 'unsafe-eval'. No form-action: OIDC sign-in redirects a form post
 *   to the identity provider, which form-action would block.
 * - HSTS only when the app is served over https (APP_URL at build time): sending it over plain
 *   http would be ignored at best and would pin a dev host at worst.
 */
export function securityHeaders(opts: { appUrl: string; dev: boolean }): { key: string; value: string }[] {
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'unsafe-inline'${opts.dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${opts.dev ? " ws: wss:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
  const headers = [
    { key: "Content-Security-Policy", value: csp },
    { key: "X-Content-Type-Options", value: "nosniff" },
    // Invitation and verification links carry tokens in the path or query: never send them on.
    { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
    { key: "X-Frame-Options", value: "DENY" },
  ];
  if (opts.appUrl.startsWith("https://")) headers.push({ key: "Strict-Transport-Security", value: "max-age=31536000; includeSubDomains" });
  return headers;
}
