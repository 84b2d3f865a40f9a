import { emailLayout, escapeHtml } from "@/server/email/layout";

/**
 * One alert event, rendered three ways from the same facts: an HTML email, a plain-text
 * email, and a Slack-compatible webhook body (`text` for any consumer, `blocks` for Slack,
 * `tollgate` with the structured event for everyone else).
 */
export type AlertMessage = {
  subject: string;
  headline: string;
  facts: [label: string, value: string][];
  notes: string[];
  tables: { title: string; head: [string, string]; rows: [string, string][] }[];
  link: { label: string; url: string };
  event: Record<string, unknown>;
};

export function renderEmail(m: AlertMessage): { subject: string; text: string; html: string } {
  const text = [
    m.headline,
    "",
    ...m.facts.map(([k, v]) => `${k}: ${v}`),
    ...(m.notes.length ? ["", ...m.notes] : []),
    ...m.tables.flatMap((t) => (t.rows.length ? ["", `${t.title}:`, ...t.rows.map(([a, b]) => `  - ${a}: ${b}`)] : [])),
    "",
    `${m.link.label}: ${m.link.url}`,
  ].join("\n");
  const facts = `<table style="border-collapse:collapse;margin:8px 0 16px">${m.facts
    .map(([k, v]) => `<tr><td style="padding:4px 16px 4px 0;color:#6b7280">${escapeHtml(k)}</td><td style="padding:4px 0;font-weight:600">${escapeHtml(v)}</td></tr>`)
    .join("")}</table>`;
  const notes = m.notes.map((n) => `<p style="color:#374151">${escapeHtml(n)}</p>`).join("");
  const tables = m.tables
    .filter((t) => t.rows.length)
    .map(
      (t) =>
        `<h3 style="margin:20px 0 6px;font-size:14px">${escapeHtml(t.title)}</h3><table style="border-collapse:collapse;width:100%;font-size:14px">` +
        `<tr><th style="text-align:left;color:#6b7280;padding:4px 0">${escapeHtml(t.head[0])}</th><th style="text-align:right;color:#6b7280;padding:4px 0">${escapeHtml(t.head[1])}</th></tr>` +
        t.rows.map(([a, b]) => `<tr><td style="padding:4px 0;border-top:1px solid #e5e7eb">${escapeHtml(a)}</td><td style="padding:4px 0;border-top:1px solid #e5e7eb;text-align:right">${escapeHtml(b)}</td></tr>`).join("") +
        `</table>`,
    )
    .join("");
  const html = emailLayout({
    title: m.headline,
    bodyHtml: facts + notes + tables,
    action: m.link,
  });
  return { subject: m.subject, text, html };
}

/** Slack "incoming webhook" JSON: `text` is the fallback every consumer can read. */
export function renderWebhook(m: AlertMessage): { text: string; blocks: unknown[]; tollgate: Record<string, unknown> } {
  const factsText = m.facts.map(([k, v]) => `*${k}:* ${v}`).join("\n");
  const tablesText = m.tables
    .filter((t) => t.rows.length)
    .map((t) => `*${t.title}*\n${t.rows.map(([a, b]) => `• ${a}: ${b}`).join("\n")}`)
    .join("\n\n");
  return {
    text: `${m.headline} — ${m.link.url}`,
    blocks: [
      { type: "header", text: { type: "plain_text", text: m.headline.slice(0, 150) } },
      { type: "section", text: { type: "mrkdwn", text: factsText.slice(0, 2900) || m.headline } },
      ...(m.notes.length ? [{ type: "context", elements: m.notes.slice(0, 5).map((n) => ({ type: "mrkdwn", text: n.slice(0, 2000) })) }] : []),
      ...(tablesText ? [{ type: "section", text: { type: "mrkdwn", text: tablesText.slice(0, 2900) } }] : []),
      { type: "section", text: { type: "mrkdwn", text: `<${m.link.url}|${m.link.label}>` } },
    ],
    tollgate: m.event,
  };
}
