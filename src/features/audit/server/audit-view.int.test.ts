import { describe, expect, it } from "vitest";
import { prisma } from "@/server/db";
import { createOrg, uniq } from "../../../../test/helpers/factory";
import { writeAudit } from "./audit";
import { auditTargetLabel, auditTargetLabels, listAuditFiltered } from "./audit-view";

// The audit page names every entry's target by its label: live things by their current
// name, deleted ones by the name their entry recorded, and never a thing of another org.

describe("audit target labels", () => {
  it("names invitations, ingest tokens, API tokens, schedules and the org itself by their labels, and a deleted target by its recorded name", async () => {
    const a = await createOrg();
    const b = await createOrg();
    const inv = await prisma.invitation.create({ data: { orgId: a.org.id, email: "new.hire@example.test", tokenHash: uniq("h"), expiresAt: new Date(Date.now() + 86_400_000) } });
    const tok = await prisma.ingestToken.create({ data: { orgId: a.org.id, workspaceId: a.workspace.id, name: "ci pipeline", tokenHash: uniq("h"), prefix: "tg_abc" } });
    const ws = await prisma.workspace.create({ data: { orgId: a.org.id, name: "Gone soon", slug: uniq("ws") } });
    const otherTok = await prisma.ingestToken.create({ data: { orgId: b.org.id, workspaceId: b.workspace.id, name: "other org's token", tokenHash: uniq("h"), prefix: "tg_zzz" } });

    await writeAudit(a.ctx, { action: "invitation.created", targetType: "invitation", targetId: inv.id, after: { email: inv.email } });
    await writeAudit(a.ctx, { action: "ingest_token.created", targetType: "ingest_token", targetId: tok.id, after: { name: tok.name } });
    await writeAudit(a.ctx, { action: "org.settings_updated", targetType: "org", targetId: a.org.id, before: { timeZone: "UTC" }, after: { timeZone: "Asia/Kolkata" } });
    await writeAudit(a.ctx, { action: "workspace.deleted", targetType: "workspace", targetId: ws.id, before: { name: ws.name } });
    await prisma.workspace.delete({ where: { id: ws.id } });
    // An entry pointing at another org's id (as a forged or stale row would) never shows its label.
    await writeAudit(a.ctx, { action: "ingest_token.revoked", targetType: "ingest_token", targetId: otherTok.id });
    await writeAudit(a.ctx, { action: "org.settings_updated", targetType: "org", targetId: b.org.id });

    const rows = await listAuditFiltered(a.ctx, {}, 50);
    const labels = await auditTargetLabels(a.ctx, rows);
    const byAction = (action: string, targetId: string) => {
      const e = rows.find((r) => r.action === action && r.targetId === targetId);
      expect(e, action).toBeDefined();
      return auditTargetLabel(labels, e!);
    };
    expect(byAction("invitation.created", inv.id)).toBe("new.hire@example.test");
    expect(byAction("ingest_token.created", tok.id)).toBe("ci pipeline (tg_abc…)");
    expect(byAction("org.settings_updated", a.org.id)).toBe(a.org.name);
    expect(byAction("workspace.deleted", ws.id)).toBe("Gone soon (deleted)");
    expect(byAction("ingest_token.revoked", otherTok.id)).toMatch(/… \(deleted\)$/);
    expect(byAction("ingest_token.revoked", otherTok.id)).not.toContain("other org");
    expect(byAction("org.settings_updated", b.org.id)).not.toContain(b.org.name);
  });
});
