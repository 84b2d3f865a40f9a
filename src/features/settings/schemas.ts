import { z } from "zod";

// Browser-safe: the org settings form and its server action share this schema.

/**
 * IANA zones this runtime knows, plus "UTC" (V8 lists only canonical region zones and
 * leaves UTC out). The server validates against its own list.
 */
export const TIME_ZONES: readonly string[] = ["UTC", ...Intl.supportedValuesOf("timeZone")];
const timeZoneSet = new Set(TIME_ZONES);
export const isValidTimeZone = (tz: string) => timeZoneSet.has(tz);

/** An IANA-style name: letters first, then name characters, at most three parts. No offsets. */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+){0,2}$/;

/**
 * The list's name for a zone typed by its current IANA name or an alias: the runtime lists
 * some zones under their older names (Asia/Calcutta for Asia/Kolkata, Europe/Kiev for
 * Europe/Kyiv), and links such as US/Eastern resolve to their zone. Anything else is returned
 * unchanged (and then refused unless it is on the list). Offsets such as "+05:30" never pass:
 * PostgreSQL would read them as POSIX zones, with the sign inverted.
 */
export function listedTimeZone(tz: string): string {
  if (timeZoneSet.has(tz) || !ZONE_NAME.test(tz)) return tz;
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: tz }).resolvedOptions().timeZone;
  } catch {
    return tz;
  }
}

/**
 * Current IANA names of zones that the runtime (ICU) may list under an older name. Only renames
 * of the same place; the table is checked against the runtime (a name that the runtime already
 * lists as is gets no label).
 */
const CURRENT_NAMES = [
  "Africa/Asmara",
  "America/Argentina/Buenos_Aires",
  "America/Argentina/Catamarca",
  "America/Argentina/Cordoba",
  "America/Argentina/Jujuy",
  "America/Argentina/Mendoza",
  "America/Atikokan",
  "America/Indiana/Indianapolis",
  "America/Kentucky/Louisville",
  "America/Nuuk",
  "Asia/Ho_Chi_Minh",
  "Asia/Kathmandu",
  "Asia/Kolkata",
  "Asia/Yangon",
  "Atlantic/Faroe",
  "Europe/Kyiv",
  "Pacific/Chuuk",
  "Pacific/Kanton",
  "Pacific/Pohnpei",
];
let currentNames: Map<string, string> | null = null;

/** The select's label for a listed zone: its current name first when it is listed under an older one ("Asia/Kolkata (Asia/Calcutta)"). */
export function timeZoneLabel(listed: string): string {
  if (!currentNames) {
    currentNames = new Map();
    for (const name of CURRENT_NAMES) {
      const l = listedTimeZone(name);
      if (l !== name && timeZoneSet.has(l)) currentNames.set(l, name);
    }
  }
  const current = currentNames.get(listed);
  return current ? `${current} (${listed})` : listed;
}

/** The zone select's options (value: the listed name; label: see timeZoneLabel). */
export function timeZoneOptions(): { value: string; label: string }[] {
  return TIME_ZONES.map((z) => ({ value: z, label: timeZoneLabel(z) }));
}

const TIME_ZONE_MESSAGE = "Choose a time zone from the list (IANA name, e.g. Europe/Paris)";

const blankToNull = (v: unknown) => (v === undefined || v === null || (typeof v === "string" && v.trim() === "") ? null : v);

export const OrgSettingsInput = z.object({
  name: z.string().trim().min(2, "At least 2 characters").max(100, "At most 100 characters"),
  timeZone: z.string().trim().max(64, TIME_ZONE_MESSAGE).transform(listedTimeZone).refine(isValidTimeZone, TIME_ZONE_MESSAGE),
  // Alert when OpenRouter credits would run out within this many hours at the current burn rate.
  lowCreditRunwayHours: z.preprocess(
    (v) => (typeof v === "string" && v.trim() !== "" ? Number(v) : v),
    z
      .number({ error: "Enter a number of hours" })
      .int("Whole hours only")
      .min(1, "At least 1 hour")
      .max(24 * 365, "At most 8760 hours (a year)"),
  ),
  // Also alert when the balance falls under this amount (USD, optional). Kept as a decimal
  // string here; the server turns it into BigInt micro-USD exactly.
  lowCreditBalanceUsd: z.preprocess(
    blankToNull,
    z
      .string()
      .trim()
      .regex(/^\d{1,9}(\.\d{1,6})?$/, "A USD amount like 25 or 25.50 (up to 6 decimals)")
      .nullable(),
  ),
});
export type OrgSettingsInput = z.infer<typeof OrgSettingsInput>;
