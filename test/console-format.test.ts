// The console's pure pieces: how numbers are written for people, and the view state kept in the URL.

import { describe, expect, test } from "vitest";
import { formatCount, formatDecimal, formatDelta, formatInstant, formatMoney, formatPercent } from "../console/src/format.ts";
import { param, readState, urlOf } from "../console/src/state.ts";

describe("formatting", () => {
  test.each([
    [formatCount(8420000), "8,420,000"],
    [formatCount(18667.25), "18,667.3"],
    [formatMoney(138.24, "USD"), "$138.24"],
    [formatMoney(1860000.5, "INR"), "₹18,60,000.50"],
    [formatPercent(12.6168, 2), "12.62%"],
    [formatPercent(42), "42%"],
    [formatDelta(12.4), "+12.4%"],
    [formatDelta(-3.1), "−3.1%"],
    [formatDelta(0), "±0%"],
    [formatDelta(null), "n/a"],
    [formatDecimal(0.645981, 4), "0.6460"],
    [formatInstant(null), "—"],
    [formatInstant("not a date"), "not a date"],
  ])("%s", (actual, expected) => {
    expect(actual).toBe(expected);
  });
});

describe("view state in the URL", () => {
  test.each([
    ["/console", "", "tapemetric"],
    ["/console/", "", "tapemetric"],
    ["/console/taprain", "?range=30days", "taprain"],
    ["/console/settings/extra", "", "settings"],
    ["/console/unknown", "", "tapemetric"],
    ["/console/login", "", "login"],
  ])("%s%s is the %s page", (pathname, search, page) => {
    expect(readState({ pathname, search }).page).toBe(page);
  });

  test("parameters come back with defaults for missing or disallowed values", () => {
    const state = readState({ pathname: "/console/taprain", search: "?range=forever&timezone=UTC&country=" });
    expect(param(state, "range", "7days", ["today", "7days"])).toBe("7days");
    expect(param(state, "timezone", "America/New_York")).toBe("UTC");
    expect(param(state, "country", "none")).toBe("none");
  });

  test("a URL keeps only the parameters that are set", () => {
    expect(urlOf("taprain", { range: "7days", country: "", offer: "Freecash CPI" })).toBe("/console/taprain?range=7days&offer=Freecash+CPI");
    expect(urlOf("settings")).toBe("/console/settings");
  });
});
