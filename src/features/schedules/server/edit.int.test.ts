import { describe, expect, it, vi } from "vitest";
import { prisma } from "@/server/db";
import { actAs, sessionMock } from "../../../../test/helpers/session";
import { addMember, createOrg } from "../../../../test/helpers/factory";
import { getSchedule } from "./schedules";

// The edit page's action path: the form sends what the page showed, changed, to updateScheduleAction.

vi.mock("@/server/next/session", () => sessionMock);
const { createScheduleAction, updateScheduleAction, deleteScheduleAction, sendNowAction } = await import("@/app/[org]/schedules/actions");

async function withSchedule() {
  const o = await createOrg();
  actAs(o.owner.id);
  const created = await createScheduleAction(o.org.slug, { name: "Weekly spend", frequency: "weekly", hour: 8, recipients: "finance@example.test", recipientRoles: ["owner"] });
  if (!created.ok) throw new Error(created.error);
  return { ...o, scheduleId: (created.data as { id: string }).id };
}

describe("editing a scheduled report", () => {
  it("saves every field of the edit form and audits the change with before and after", async () => {
    const o = await withSchedule();
    const tag = await prisma.projectTag.create({ data: { orgId: o.org.id, workspaceId: o.workspace.id, slug: "search", name: "Search" } });
    const r = await updateScheduleAction(o.org.slug, {
      scheduleId: o.scheduleId,
      name: "Monthly spend",
      frequency: "monthly",
      hour: "6",
      workspaceId: o.workspace.id,
      recipients: "CFO@example.test, finance@example.test",
      recipientRoles: ["admin"],
      filters: { provider: "openai", projectTagId: tag.id, model: "gpt-4o" },
      enabled: false,
    });
    expect(r).toMatchObject({ ok: true });
    const s = await getSchedule(o.ctx, o.scheduleId);
    expect(s).toMatchObject({
      name: "Monthly spend",
      frequency: "monthly",
      hour: 6,
      workspaceId: o.workspace.id,
      recipients: ["cfo@example.test", "finance@example.test"],
      recipientRoles: ["admin"],
      filters: { provider: "openai", projectTagId: tag.id, model: "gpt-4o" },
      enabled: false,
    });
    const audit = await prisma.auditLog.findFirstOrThrow({ where: { orgId: o.org.id, action: "schedule.updated", targetId: o.scheduleId } });
    expect(audit.before).toMatchObject({ name: "Weekly spend", hour: 8 });
    expect(audit.after).toMatchObject({ name: "Monthly spend", hour: 6, enabled: false });
    // Clearing the optional filters and scope (the form sends empty strings) stores none.
    const cleared = await updateScheduleAction(o.org.slug, {
      scheduleId: o.scheduleId,
      name: "Monthly spend",
      frequency: "monthly",
      hour: "6",
      workspaceId: "",
      recipients: "",
      recipientRoles: ["owner"],
      filters: { provider: "", projectTagId: "", model: "" },
      enabled: true,
    });
    expect(cleared).toMatchObject({ ok: true });
    expect(await getSchedule(o.ctx, o.scheduleId)).toMatchObject({ workspaceId: null, recipients: [], recipientRoles: ["owner"], enabled: true, filters: { provider: null, projectTagId: null, model: null } });
  });

  it("answers bad input with field errors and changes nothing", async () => {
    const o = await withSchedule();
    const other = await createOrg();
    actAs(o.owner.id);
    const before = JSON.stringify(await getSchedule(o.ctx, o.scheduleId));
    const base = { scheduleId: o.scheduleId, name: "Weekly spend", frequency: "weekly", hour: "8", recipients: "finance@example.test", recipientRoles: ["owner"] };
    const bad = await updateScheduleAction(o.org.slug, { ...base, name: " ", frequency: "hourly", hour: "24", recipients: "nope" });
    expect(bad).toMatchObject({ ok: false, status: 400 });
    const fe = (bad as { fieldErrors: Record<string, string> }).fieldErrors;
    expect(Object.keys(fe)).toEqual(expect.arrayContaining(["name", "frequency", "hour"]));
    expect(Object.keys(fe).some((k) => k.startsWith("recipients"))).toBe(true);
    const none = await updateScheduleAction(o.org.slug, { ...base, recipients: "", recipientRoles: [] });
    expect((none as { fieldErrors: Record<string, string> }).fieldErrors.recipients).toMatch(/at least one/);
    const foreign = await updateScheduleAction(o.org.slug, { ...base, workspaceId: other.workspace.id });
    expect(foreign).toMatchObject({ ok: false, status: 400, fieldErrors: { workspaceId: expect.any(String) } });
    const foreignTag = await updateScheduleAction(o.org.slug, { ...base, filters: { projectTagId: other.defaultTag.id } });
    expect(foreignTag).toMatchObject({ ok: false, status: 400, fieldErrors: { "filters.projectTagId": expect.any(String) } });
    expect(JSON.stringify(await getSchedule(o.ctx, o.scheduleId))).toBe(before);
  });

  it("is refused to a viewer and answers 404 for another org's schedule", async () => {
    const o = await withSchedule();
    const viewer = await addMember(o.org.id, "viewer");
    const other = await createOrg();
    const input = { scheduleId: o.scheduleId, name: "Taken over", frequency: "daily", hour: "1", recipients: "x@example.test", recipientRoles: [] };
    actAs(viewer.user.id);
    expect(await updateScheduleAction(o.org.slug, input)).toMatchObject({ ok: false, status: 403 });
    actAs(other.owner.id);
    expect(await updateScheduleAction(other.org.slug, input)).toMatchObject({ ok: false, status: 404 });
    expect((await getSchedule(o.ctx, o.scheduleId)).name).toBe("Weekly spend");
  });

  it("answers text PostgreSQL cannot hold (a NUL byte, a lone surrogate) with a field error, never a server error, and changes nothing", async () => {
    const o = await withSchedule();
    actAs(o.owner.id);
    const before = JSON.stringify(await getSchedule(o.ctx, o.scheduleId));
    const count = await prisma.reportSchedule.count({ where: { orgId: o.org.id } });
    const base = { scheduleId: o.scheduleId, name: "Weekly spend", frequency: "weekly", hour: "8", recipients: "finance@example.test", recipientRoles: ["owner"] };
    const cases: [string, Record<string, unknown>][] = [
      ["name", { name: "Weekly\u0000" }],
      ["workspaceId", { workspaceId: "a\u0000" }],
      ["filters.projectTagId", { filters: { projectTagId: "a\u0000" } }],
      ["filters.model", { filters: { model: "gpt\u0000" } }],
      ["filters.model", { filters: { model: "\ud800" } }],
    ];
    for (const [field, change] of cases) {
      for (const r of [await createScheduleAction(o.org.slug, { ...base, ...change }), await updateScheduleAction(o.org.slug, { ...base, ...change })]) {
        expect(r, `${field} ${JSON.stringify(change)}`).toMatchObject({ ok: false, status: 400, fieldErrors: { [field]: expect.any(String) } });
      }
    }
    for (const r of [
      await updateScheduleAction(o.org.slug, { ...base, scheduleId: "a\u0000" }),
      await deleteScheduleAction(o.org.slug, { scheduleId: "a\u0000" }),
      await sendNowAction(o.org.slug, { scheduleId: "\u0000" }),
    ]) {
      expect(r).toMatchObject({ ok: false, status: 400, fieldErrors: { scheduleId: expect.any(String) } });
    }
    expect(JSON.stringify(await getSchedule(o.ctx, o.scheduleId))).toBe(before);
    expect(await prisma.reportSchedule.count({ where: { orgId: o.org.id } })).toBe(count);
  });

  it("a member changes, deletes and sends only the scheduled reports they created; admins any", async () => {
    const o = await withSchedule(); // created by the owner
    const member = await addMember(o.org.id, "member");
    const admin = await addMember(o.org.id, "admin");
    actAs(member.user.id);
    const change = { scheduleId: o.scheduleId, name: "Hijacked", frequency: "daily", hour: 3, recipients: "attacker@example.test", recipientRoles: [] };
    expect(await updateScheduleAction(o.org.slug, change)).toMatchObject({ ok: false, status: 403 });
    expect(await sendNowAction(o.org.slug, { scheduleId: o.scheduleId })).toMatchObject({ ok: false, status: 403 });
    expect(await deleteScheduleAction(o.org.slug, { scheduleId: o.scheduleId })).toMatchObject({ ok: false, status: 403 });
    expect(await getSchedule(o.ctx, o.scheduleId)).toMatchObject({ name: "Weekly spend", recipients: ["finance@example.test"] });
    expect(await prisma.reportRun.count({ where: { scheduleId: o.scheduleId } })).toBe(0);
    // Their own: all three.
    const own = await createScheduleAction(o.org.slug, { name: "Mine", frequency: "weekly", hour: 8, recipients: "me@example.test", recipientRoles: [] });
    const ownId = (own as { data: { id: string } }).data.id;
    expect(await updateScheduleAction(o.org.slug, { ...change, scheduleId: ownId, name: "Mine, daily" })).toMatchObject({ ok: true });
    expect(await sendNowAction(o.org.slug, { scheduleId: ownId })).toMatchObject({ ok: true });
    expect(await deleteScheduleAction(o.org.slug, { scheduleId: ownId })).toMatchObject({ ok: true });
    // An admin manages anyone's.
    actAs(admin.user.id);
    expect(await updateScheduleAction(o.org.slug, { ...change, name: "Renamed by an admin", recipients: "finance@example.test" })).toMatchObject({ ok: true });
  });
});

