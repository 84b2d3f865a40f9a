import { describe, expect, it } from "vitest";
import { TIME_ZONES, listedTimeZone, timeZoneLabel, timeZoneOptions } from "./schemas";

describe("the time zone select", () => {
  it("labels a zone the runtime lists under an older name with its current name first, and every other zone with itself", () => {
    const options = timeZoneOptions();
    expect(options.map((o) => o.value)).toEqual(TIME_ZONES);
    const kolkata = listedTimeZone("Asia/Kolkata");
    expect(TIME_ZONES).toContain(kolkata);
    expect(timeZoneLabel(kolkata)).toBe(kolkata === "Asia/Kolkata" ? "Asia/Kolkata" : `Asia/Kolkata (${kolkata})`);
    expect(timeZoneLabel("Europe/Paris")).toBe("Europe/Paris");
    expect(timeZoneLabel("UTC")).toBe("UTC");
    // A label names the zone it stands for: its current name resolves to the listed value.
    for (const { value, label } of options) {
      if (label === value) continue;
      const current = label.slice(0, label.indexOf(" ("));
      expect(label, value).toBe(`${current} (${value})`);
      expect(listedTimeZone(current), label).toBe(value);
    }
    // Labels are unique, so typing a name in the select finds one zone.
    expect(new Set(options.map((o) => o.label)).size).toBe(options.length);
  });
});
