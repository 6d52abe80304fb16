// Pure tests of local-day arithmetic and Stats periods (CONTRACT §10.1), with instants worked out by hand.

import { describe, expect, test } from "vitest";
import { resolvePeriod } from "../shared/endpoints/taprain/period.ts";
import { canonicalTimeZone, localHourStarts, offsetSegments, startOfLocalDay, startOfLocalHour } from "../shared/time/zoned.ts";

const iso = (ms: number) => new Date(ms).toISOString();
const at = (s: string) => Date.parse(s);

describe("startOfLocalDay", () => {
  test.each([
    ["2026-03-18", "America/New_York", "2026-03-18T04:00:00.000Z"], // EDT -4
    ["2026-02-17", "America/New_York", "2026-02-17T05:00:00.000Z"], // EST -5
    ["2026-03-08", "America/New_York", "2026-03-08T05:00:00.000Z"], // the change is at 02:00, midnight is EST
    ["2026-01-15", "Australia/Adelaide", "2026-01-14T13:30:00.000Z"], // +10:30
    ["2026-06-15", "Australia/Adelaide", "2026-06-14T14:30:00.000Z"], // +9:30
    ["2026-03-18", "Asia/Kolkata", "2026-03-17T18:30:00.000Z"], // +5:30
    ["2026-03-18", "Asia/Kathmandu", "2026-03-17T18:15:00.000Z"], // +5:45
    ["2026-03-18", "UTC", "2026-03-18T00:00:00.000Z"],
    // Santiago springs forward at midnight on 2026-09-06: 00:00 -04 never happens, the day starts at
    // 01:00 -03 = 04:00Z (checked with Intl: 03:00Z is 5 Sep 23:00, 04:00Z is 6 Sep 01:00).
    ["2026-09-06", "America/Santiago", "2026-09-06T04:00:00.000Z"],
    ["2026-09-05", "America/Santiago", "2026-09-05T04:00:00.000Z"], // the day before, still -4
    // Havana falls back from 01:00 CDT to 00:00 CST on 2026-11-01: midnight happens at 04:00Z and again
    // at 05:00Z; the day starts at the earlier one.
    ["2026-11-01", "America/Havana", "2026-11-01T04:00:00.000Z"],
  ])("%s in %s starts at %s", (date, zone, expected) => {
    expect(iso(startOfLocalDay(date, zone))).toBe(expected);
  });
});

describe("local hours", () => {
  test("the hour containing 15:40Z in Kolkata starts at 15:30Z (21:00 local)", () => {
    expect(iso(startOfLocalHour(at("2026-03-18T15:40:00Z"), "Asia/Kolkata"))).toBe("2026-03-18T15:30:00.000Z");
  });

  test("Santiago's 6 September has 23 hours, from 01:00", () => {
    const starts = localHourStarts(at("2026-09-06T04:00:00Z"), at("2026-09-07T03:00:00Z"), "America/Santiago");
    expect(starts).toHaveLength(23);
  });
});

describe("resolvePeriod", () => {
  const now = at("2026-03-18T15:30:00Z");
  test.each([
    ["hour", "America/New_York", {}, "2026-03-18T15:00:00.000Z", "2026-03-18T15:30:00.000Z", "hour", 1],
    ["today", "America/New_York", {}, "2026-03-18T04:00:00.000Z", "2026-03-18T15:30:00.000Z", "hour", 12],
    ["yesterday", "America/New_York", {}, "2026-03-17T04:00:00.000Z", "2026-03-18T04:00:00.000Z", "hour", 24],
    ["7days", "America/New_York", {}, "2026-03-12T04:00:00.000Z", "2026-03-18T15:30:00.000Z", "day", 7],
    ["30days", "America/New_York", {}, "2026-02-17T05:00:00.000Z", "2026-03-18T15:30:00.000Z", "day", 30],
    // 15:30Z is exactly 21:00 in Kolkata: the 21:00 bucket starts at period_end, so 00:00–20:00 only.
    ["today", "Asia/Kolkata", {}, "2026-03-17T18:30:00.000Z", "2026-03-18T15:30:00.000Z", "hour", 21],
    // 15:30Z is exactly 02:00 on 19 March in Adelaide (+10:30 until April): 00:00 and 01:00.
    ["today", "Australia/Adelaide", {}, "2026-03-18T13:30:00.000Z", "2026-03-18T15:30:00.000Z", "hour", 2],
    ["custom", "America/New_York", { start: "2026-03-08", end: "2026-03-08" }, "2026-03-08T05:00:00.000Z", "2026-03-09T04:00:00.000Z", "hour", 23],
    ["custom", "America/New_York", { start: "2026-11-01", end: "2026-11-01" }, "2026-11-01T04:00:00.000Z", "2026-11-02T05:00:00.000Z", "hour", 25],
    ["custom", "America/Santiago", { start: "2026-09-06", end: "2026-09-06" }, "2026-09-06T04:00:00.000Z", "2026-09-07T03:00:00.000Z", "hour", 23],
    ["custom", "UTC", { start: "2026-03-01", end: "2026-03-31" }, "2026-03-01T00:00:00.000Z", "2026-04-01T00:00:00.000Z", "day", 31],
  ] as const)("%s in %s %o", (range, zone, custom, start, end, granularity, buckets) => {
    const period = resolvePeriod(range, now, zone, custom);
    expect(iso(period.start)).toBe(start);
    expect(iso(period.end)).toBe(end);
    expect(period.granularity).toBe(granularity);
    expect(period.buckets).toHaveLength(buckets);
    expect(iso(period.buckets[0].start)).toBe(start);
  });

  test("Santiago's first hour label on its spring-forward day is 01:00", () => {
    const period = resolvePeriod("custom", now, "America/Santiago", { start: "2026-09-06", end: "2026-09-06" });
    expect(period.buckets.slice(0, 2).map((b) => b.label)).toEqual(["2026-09-06 01:00", "2026-09-06 02:00"]);
  });
});

describe("offsetSegments", () => {
  const H = 3_600_000;
  test.each([
    // New York: EST until 2026-03-08T07:00Z (02:00 EST), EDT after.
    ["America/New_York", "2026-02-17T05:00:00Z", "2026-03-18T15:30:00Z", [["2026-02-17T05:00:00.000Z", -5 * H], ["2026-03-08T07:00:00.000Z", -4 * H]]],
    // Adelaide (checked with Intl): 16:29Z on 4 April is 02:59 ACDT, 16:30Z is 02:00 ACST; back to
    // +10:30 at 2026-10-03T16:30Z (02:00 → 03:00).
    [
      "Australia/Adelaide",
      "2026-04-01T00:00:00Z",
      "2026-10-10T00:00:00Z",
      [["2026-04-01T00:00:00.000Z", 10.5 * H], ["2026-04-04T16:30:00.000Z", 9.5 * H], ["2026-10-03T16:30:00.000Z", 10.5 * H]],
    ],
    ["Asia/Kolkata", "2026-01-01T00:00:00Z", "2026-12-31T00:00:00Z", [["2026-01-01T00:00:00.000Z", 5.5 * H]]],
    ["UTC", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", [["2026-01-01T00:00:00.000Z", 0]]],
    // A transition exactly at the end is not in force inside the range.
    ["America/New_York", "2026-03-01T00:00:00Z", "2026-03-08T07:00:00Z", [["2026-03-01T00:00:00.000Z", -5 * H]]],
  ] as const)("%s from %s to %s", (zone, from, to, expected) => {
    const segments = offsetSegments(at(from), at(to), zone).map((s) => [iso(s.from), s.offsetMs]);
    expect(segments).toEqual(expected);
  });
});

describe("canonicalTimeZone", () => {
  test("any letter case gets the IANA spelling, and zones ICU still knows by an old name get their current one", () => {
    expect(canonicalTimeZone("america/new_york")).toBe("America/New_York");
    expect(canonicalTimeZone("utc")).toBe("UTC");
    expect(canonicalTimeZone("Asia/Kolkata")).toBe("Asia/Kolkata");
    expect(canonicalTimeZone("asia/calcutta")).toBe("Asia/Kolkata");
    expect(canonicalTimeZone("Europe/Kyiv")).toBe("Europe/Kyiv");
    expect(canonicalTimeZone("America/Argentina/Buenos_Aires")).toBe("America/Argentina/Buenos_Aires");
    expect(canonicalTimeZone("Mars/Olympus_Mons")).toBeUndefined();
  });
});

describe("half-hour daylight saving (Australia/Lord_Howe)", () => {
  const zone = "Australia/Lord_Howe";
  test("spring: 01:59 is followed by 02:30, which starts a half hour labelled 02:00", () => {
    // 2026-10-04: +10:30 until 02:00 local (15:30Z), then +11:00.
    const starts = localHourStarts(at("2026-10-03T14:30:00Z"), at("2026-10-03T17:00:00Z"), zone).map(iso);
    expect(starts).toEqual(["2026-10-03T14:30:00.000Z", "2026-10-03T15:30:00.000Z", "2026-10-03T16:00:00.000Z"]);
    expect(iso(startOfLocalHour(at("2026-10-03T15:45:00Z"), zone))).toBe("2026-10-03T15:30:00.000Z");
  });
  test("autumn: 01:59 is followed by 01:30 again, a second 01:00 hour of half an hour", () => {
    // 2026-04-05: +11:00 until 02:00 local (15:00Z), then +10:30.
    const starts = localHourStarts(at("2026-04-04T14:00:00Z"), at("2026-04-04T16:30:00Z"), zone).map(iso);
    expect(starts).toEqual(["2026-04-04T14:00:00.000Z", "2026-04-04T15:00:00.000Z", "2026-04-04T15:30:00.000Z"]);
  });
});
