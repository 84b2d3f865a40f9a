// Shared HTML/text frame for every email. Templates live with their domain.
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

export function emailLayout(opts: { title: string; bodyHtml: string; action?: { label: string; url: string } }): string {
  const button = opts.action
    ? `<p style="margin:24px 0"><a href="${escapeHtml(opts.action.url)}" style="background:#1d4ed8;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none">${escapeHtml(opts.action.label)}</a></p>`
    : "";
  return `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#111827;max-width:600px;margin:0 auto;padding:24px">
<h2 style="margin:0 0 16px">${escapeHtml(opts.title)}</h2>${opts.bodyHtml}${button}
<p style="color:#6b7280;font-size:12px;margin-top:32px">Sent by Tollgate</p></body></html>`;
}
