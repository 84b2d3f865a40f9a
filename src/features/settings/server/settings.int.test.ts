import { describe, expect, it, vi } from "vitest";
import { addMember, createOrg } from "../../../../test/helpers/factory";
import { actAs, sessionMock } from "../../../../test/helpers/session";
import { prisma } from "@/server/db";
import { TIME_ZONES } from "../schemas";

vi.mock("@/server/next/session", () => sessionMock);

const { updateOrgSettingsAction } = await import("@/app/[org]/settings/actions");
const { getOrgSettings } = await import("./settings");

const valid = { name: "Acme AI", timeZone: "Europe/Paris", lowCreditRunwayHours: "48", lowCreditBalanceUsd: "25.5" };

describe("org settings", () => {
  it("saves name, time zone and low-credit thresholds (USD → BigInt micros) with an audit row", async () => {
    const a = await createOrg();
    actAs(a.owner.id);
    const res = await updateOrgSettingsAction(a.org.slug, valid);
    expect(res).toMatchObject({ ok: true });
    const org = await getOrgSettings(a.ctx);
    expect(org).toMatchObject({ name: "Acme AI", timeZone: "Europe/Paris", lowCreditRunwayHours: 48, lowCreditBalanceMicros: 25_500_000n });

    const audit = await prisma.auditLog.findFirstOrThrow({ where: { orgId: a.org.id, action: "org.settings_updated" } });
    expect(audit.before).toEqual({ name: a.org.name, timeZone: "UTC", lowCreditRunwayHours: 72, lowCreditBalanceMicros: null });
    expect(audit.after).toEqual({ name: "Acme AI", timeZone: "Europe/Paris", lowCreditRunwayHours: 48, lowCreditBalanceMicros: "25500000" });

    // Blank balance clears the threshold; "UTC" is accepted although Intl's list omits it.
    expect(await updateOrgSettingsAction(a.org.slug, { ...valid, timeZone: "UTC", lowCreditBalanceUsd: "" })).toMatchObject({ ok: true });
    expect(await getOrgSettings(a.ctx)).toMatchObject({ timeZone: "UTC", lowCreditBalanceMicros: null });
  });

  it("accepts a zone's current IANA name or an alias and stores the name the zone list shows", async () => {
    const a = await createOrg();
    actAs(a.owner.id);
    // The runtime's list holds Asia/Calcutta and Europe/Kiev; people type Asia/Kolkata and Europe/Kyiv.
    for (const [typed, listed] of [["Asia/Kolkata", new Intl.DateTimeFormat("en", { timeZone: "Asia/Kolkata" }).resolvedOptions().timeZone], ["Europe/Kyiv", new Intl.DateTimeFormat("en", { timeZone: "Europe/Kyiv" }).resolvedOptions().timeZone], ["US/Eastern", "America/New_York"], [" utc ", "UTC"]] as const) {
      expect(await updateOrgSettingsAction(a.org.slug, { ...valid, timeZone: typed }), typed).toMatchObject({ ok: true });
      const saved = await getOrgSettings(a.ctx);
      expect(saved.timeZone, typed).toBe(listed);
      expect(TIME_ZONES).toContain(saved.timeZone);
    }
    // Offsets and other non-IANA strings stay refused (PostgreSQL reads "+05:30" as POSIX, sign inverted).
    for (const timeZone of ["+05:30", "UTC+5", "Mars/Olympus", "../../etc/passwd", "Asia/Kolkata\u0000", `Asia/${"K".repeat(100_000)}`]) {
      expect(await updateOrgSettingsAction(a.org.slug, { ...valid, timeZone }), timeZone).toMatchObject({ ok: false, status: 400, fieldErrors: { timeZone: expect.any(String) } });
    }
    expect((await getOrgSettings(a.ctx)).timeZone).toBe("UTC");
  });

  it("validates the time zone server-side and the thresholds, field by field", async () => {
    const a = await createOrg();
    actAs(a.owner.id);
    const bad = await updateOrgSettingsAction(a.org.slug, { ...valid, timeZone: "Mars/Olympus", lowCreditRunwayHours: "0", lowCreditBalanceUsd: "ten" });
    expect(bad).toMatchObject({ ok: false, status: 400 });
    if (bad.ok) throw new Error("unreachable");
    expect(Object.keys(bad.fieldErrors ?? {}).sort()).toEqual(["lowCreditBalanceUsd", "lowCreditRunwayHours", "timeZone"]);
    expect(await updateOrgSettingsAction(a.org.slug, { ...valid, lowCreditRunwayHours: "1.5" })).toMatchObject({ ok: false, fieldErrors: { lowCreditRunwayHours: "Whole hours only" } });
    expect(await getOrgSettings(a.ctx)).toMatchObject({ name: a.org.name, timeZone: "UTC", lowCreditRunwayHours: 72, lowCreditBalanceMicros: null });
  });

  it("only org:write may change settings; a member of org B can't touch org A", async () => {
    const a = await createOrg();
    const b = await createOrg();
    for (const role of ["viewer", "member"] as const) {
      const m = await addMember(a.org.id, role);
      actAs(m.user.id);
      expect(await updateOrgSettingsAction(a.org.slug, valid)).toMatchObject({ ok: false, status: 403 });
    }
    actAs(b.owner.id);
    expect(await updateOrgSettingsAction(a.org.slug, valid)).toMatchObject({ ok: false, status: 404 });
    expect(await getOrgSettings(a.ctx)).toMatchObject({ name: a.org.name, timeZone: "UTC" });
    // B's own settings are B's: A is untouched by B's save.
    expect(await updateOrgSettingsAction(b.org.slug, valid)).toMatchObject({ ok: true });
    expect(await getOrgSettings(a.ctx)).toMatchObject({ name: a.org.name });
  });
});
