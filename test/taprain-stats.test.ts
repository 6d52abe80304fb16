// GET /api/v1/stats (CONTRACT §10.1) through the real HTTP server, over small fixtures whose expected
// numbers are worked out by hand in the comments beside them.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestServer, type Credentials, type TestServer } from "./support/server.ts";

// New York is on EDT (-4) since 2026-03-08, so "today" is [2026-03-18T04:00Z, 15:30Z).
const NOW = "2026-03-18T15:30:00Z";
let server: TestServer;
let dst: Credentials;
let zones: Credentials;
let mix: Credentials;

const zero = { clicks: 0, leads: 0, revenue: 0, cvr: 0, epc: 0 };

beforeAll(async () => {
  server = await startTestServer({ now: NOW });
  dst = await server.workspace("dst");
  zones = await server.workspace("zones");
  mix = await server.workspace("mix");
  await server.insert("dst", "tr_clicks", [
    // 2026-03-08 in New York: EST (-5) until 07:00Z, then EDT (-4); local day = [05:00Z, next day 04:00Z).
    { click_id: "s0", ts: "2026-03-08T04:59:59Z", offer: "A" }, // 2026-03-07 23:59:59 EST
    { click_id: "s1", ts: "2026-03-08T06:30:00Z", offer: "A" }, // 01:30 EST
    { click_id: "s2", ts: "2026-03-08T07:00:00Z", offer: "A" }, // 03:00 EDT (02:00 never happens)
    { click_id: "s3", ts: "2026-03-09T03:59:00Z", offer: "A" }, // 23:59 EDT
    // 2026-11-01: EDT until 06:00Z, then EST; local day = [04:00Z, 2026-11-02T05:00Z), 01:00 twice.
    { click_id: "f1", ts: "2026-11-01T05:15:00Z", offer: "A" }, // 01:15 EDT (first 01:00)
    { click_id: "f2", ts: "2026-11-01T06:45:00Z", offer: "A" }, // 01:45 EST (second 01:00)
    { click_id: "f3", ts: "2026-11-01T06:50:00Z", offer: "A" }, // 01:50 EST (second 01:00)
  ]);
  await server.insert("zones", "tr_clicks", [
    // Adelaide on 2026-01-15 is +10:30: local day = [2026-01-14T13:30Z, 2026-01-15T13:30Z).
    { click_id: "a0", ts: "2026-01-14T13:29:59Z", offer: "A" }, // 14 Jan 23:59:59
    { click_id: "a1", ts: "2026-01-14T13:30:00Z", offer: "A" }, // 00:00
    { click_id: "a2", ts: "2026-01-14T14:29:00Z", offer: "A" }, // 00:59
    { click_id: "a3", ts: "2026-01-14T14:30:00Z", offer: "A" }, // 01:00
    // Adelaide on 2026-06-15 is +9:30: local day = [2026-06-14T14:30Z, 2026-06-15T14:30Z).
    { click_id: "a4", ts: "2026-06-14T14:30:00Z", offer: "A" }, // 00:00
    // Kolkata (+5:30) 2026-03-18 = [2026-03-17T18:30Z, 2026-03-18T18:30Z).
    { click_id: "k0", ts: "2026-03-17T18:29:00Z", offer: "A" }, // 17 Mar 23:59
    { click_id: "k1", ts: "2026-03-17T19:00:00Z", offer: "A" }, // 00:30
    { click_id: "k2", ts: "2026-03-17T19:30:00Z", offer: "A" }, // 01:00
    // Adelaide leaves DST at 2026-04-04T16:30Z (+10:30 → +9:30): 5 April = [04-04T13:30Z, 04-05T14:30Z).
    { click_id: "a5", ts: "2026-04-04T13:29:00Z", offer: "A" }, // 4 Apr 23:59 (+10:30)
    { click_id: "a6", ts: "2026-04-05T14:00:00Z", offer: "A" }, // 5 Apr 23:30 (+9:30); 00:30 on 6 Apr at +10:30
    // UTC 2026-03-18; u1 is 05:30 in Kolkata, u2 is 19 Mar 05:29 there.
    { click_id: "u1", ts: "2026-03-18T00:00:00Z", offer: "A" },
    { click_id: "u2", ts: "2026-03-18T23:59:59Z", offer: "A" },
  ]);
  // All of "mix" lies in New York's 2026-03-18 (today).
  const at = "2026-03-18T14:10:00Z"; // 10:10 EDT
  await server.insert("mix", "tr_clicks", [
    { click_id: "m1", ts: "2026-03-18T04:00:00Z", country: "US", offer: "A", source: "g" }, // 00:00 EDT
    { click_id: "m2", ts: at, country: "us", offer: "A", source: "g" },
    { click_id: "m3", ts: at, country: "US", offer: "A", source: "" },
    { click_id: "m4", ts: at, country: "GB", offer: "B", source: "g" },
    { click_id: "m5", ts: at, country: "GB", offer: "B" },
    { click_id: "m6", ts: at, country: "", offer: "A", source: "g" },
    { click_id: "m7", ts: at, country: "DE", offer: "B", source: "fb" },
    { click_id: "m8", ts: at, country: "US", offer: "B", source: "fb" },
    { click_id: "m9", ts: NOW, country: "US", offer: "A", source: "g" }, // at now: outside [start, now)
    { click_id: "m10", ts: at, country: "FR", offer: "A", source: "fb" },
  ]);
  const late = "2026-03-18T15:29:59Z"; // 11:29:59 EDT, in the current hour
  await server.insert("mix", "tr_conversions", [
    { conversion_id: "v1", click_id: "m1", ts: late, country: "US", offer: "A", source: "g", revenue: 3.333 },
    { conversion_id: "v2", click_id: "m2", ts: late, country: "US", offer: "A", source: "g", revenue: 3.334 },
    { conversion_id: "v3", click_id: "m5", ts: late, country: "GB", offer: "B", source: "", revenue: 2.5 },
    { conversion_id: "v4", click_id: "m7", ts: late, country: "DE", offer: "B", source: "fb", revenue: 2.5 },
    { conversion_id: "v5", click_id: "m6", ts: late, country: "", offer: "A", source: "g", revenue: 0 },
    { conversion_id: "v6", click_id: "m10", ts: late, country: "FR", offer: "A", source: "fb", revenue: 2.5 },
  ]);
});
afterAll(() => server.close());

async function stats(who: Credentials, query: string) {
  const res = await server.get(`/api/v1/stats?${query}`, { "X-Api-Key": who.apiKey });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.success).toBe(true);
  return res.body;
}

describe("periods and time series", () => {
  const hoursOf = (date: string, hours: string[]) => hours.map((h) => `${date} ${h}:00`);
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => String(from + i).padStart(2, "0"));

  test.each([
    {
      name: "New York spring-forward day: 23 hourly rows, no 02:00",
      who: () => dst,
      query: "range=custom&start=2026-03-08&end=2026-03-08",
      periodStart: "2026-03-08T05:00:00.000Z",
      periodEnd: "2026-03-09T04:00:00.000Z",
      labels: hoursOf("2026-03-08", ["00", "01", ...range(3, 23)]),
      clicksAt: { 1: 1, 2: 1, 22: 1 },
      total: 3,
    },
    {
      name: "New York fall-back day: 25 hourly rows, 01:00 twice",
      who: () => dst,
      query: "range=custom&start=2026-11-01&end=2026-11-01",
      periodStart: "2026-11-01T04:00:00.000Z",
      periodEnd: "2026-11-02T05:00:00.000Z",
      labels: hoursOf("2026-11-01", ["00", "01", "01", ...range(2, 23)]),
      clicksAt: { 1: 1, 2: 2 },
      total: 3,
    },
    {
      name: "New York daily series across spring-forward",
      who: () => dst,
      query: "range=custom&start=2026-03-07&end=2026-03-09",
      periodStart: "2026-03-07T05:00:00.000Z",
      periodEnd: "2026-03-10T04:00:00.000Z",
      labels: ["2026-03-07", "2026-03-08", "2026-03-09"],
      clicksAt: { 0: 1, 1: 3 },
      total: 4,
    },
    {
      name: "New York daily series across fall-back",
      who: () => dst,
      query: "range=custom&start=2026-10-31&end=2026-11-01",
      periodStart: "2026-10-31T04:00:00.000Z",
      periodEnd: "2026-11-02T05:00:00.000Z",
      labels: ["2026-10-31", "2026-11-01"],
      clicksAt: { 1: 3 },
      total: 3,
    },
    {
      name: "Adelaide in summer (+10:30)",
      who: () => zones,
      query: "range=custom&start=2026-01-15&end=2026-01-15&timezone=Australia/Adelaide",
      periodStart: "2026-01-14T13:30:00.000Z",
      periodEnd: "2026-01-15T13:30:00.000Z",
      labels: hoursOf("2026-01-15", range(0, 23)),
      clicksAt: { 0: 2, 1: 1 },
      total: 3,
    },
    {
      name: "Adelaide in winter (+9:30)",
      who: () => zones,
      query: "range=custom&start=2026-06-15&end=2026-06-15&timezone=Australia/Adelaide",
      periodStart: "2026-06-14T14:30:00.000Z",
      periodEnd: "2026-06-15T14:30:00.000Z",
      labels: hoursOf("2026-06-15", range(0, 23)),
      clicksAt: { 0: 1 },
      total: 1,
    },
    {
      name: "Adelaide daily series across the end of DST",
      who: () => zones,
      query: "range=custom&start=2026-04-04&end=2026-04-05&timezone=Australia/Adelaide",
      periodStart: "2026-04-03T13:30:00.000Z",
      periodEnd: "2026-04-05T14:30:00.000Z",
      labels: ["2026-04-04", "2026-04-05"],
      clicksAt: { 0: 1, 1: 1 },
      total: 2,
    },
    {
      name: "Kolkata (+5:30)",
      who: () => zones,
      query: "range=custom&start=2026-03-18&end=2026-03-18&timezone=Asia/Kolkata",
      periodStart: "2026-03-17T18:30:00.000Z",
      periodEnd: "2026-03-18T18:30:00.000Z",
      labels: hoursOf("2026-03-18", range(0, 23)),
      clicksAt: { 0: 1, 1: 1, 5: 1 },
      total: 3,
    },
    {
      name: "UTC",
      who: () => zones,
      query: "range=custom&start=2026-03-18&end=2026-03-18&timezone=UTC",
      periodStart: "2026-03-18T00:00:00.000Z",
      periodEnd: "2026-03-19T00:00:00.000Z",
      labels: hoursOf("2026-03-18", range(0, 23)),
      clicksAt: { 0: 1, 23: 1 },
      total: 2,
    },
    {
      name: "an empty custom period is zero-filled",
      who: () => zones,
      query: "range=custom&start=2025-01-01&end=2025-01-03&timezone=UTC",
      periodStart: "2025-01-01T00:00:00.000Z",
      periodEnd: "2025-01-04T00:00:00.000Z",
      labels: ["2025-01-01", "2025-01-02", "2025-01-03"],
      clicksAt: {},
      total: 0,
    },
    {
      name: "yesterday in New York has nothing: m1 sits exactly on today's midnight",
      who: () => mix,
      query: "range=yesterday",
      periodStart: "2026-03-17T04:00:00.000Z",
      periodEnd: "2026-03-18T04:00:00.000Z",
      labels: hoursOf("2026-03-17", range(0, 23)),
      clicksAt: {},
      total: 0,
    },
    {
      name: "today runs to now: 12 hourly rows, 00:00 to 11:00",
      who: () => mix,
      query: "range=today",
      periodStart: "2026-03-18T04:00:00.000Z",
      periodEnd: "2026-03-18T15:30:00.000Z",
      labels: hoursOf("2026-03-18", range(0, 11)),
      clicksAt: { 0: 1, 10: 8 },
      total: 9,
    },
    {
      name: "hour is the current clock hour up to now",
      who: () => mix,
      query: "range=hour",
      periodStart: "2026-03-18T15:00:00.000Z",
      periodEnd: "2026-03-18T15:30:00.000Z",
      labels: ["2026-03-18 11:00"],
      clicksAt: {},
      total: 0,
    },
    {
      name: "7days starts at local midnight six days ago",
      who: () => mix,
      query: "range=7days",
      periodStart: "2026-03-12T04:00:00.000Z",
      periodEnd: "2026-03-18T15:30:00.000Z",
      labels: ["12", "13", "14", "15", "16", "17", "18"].map((d) => `2026-03-${d}`),
      clicksAt: { 6: 9 },
      total: 9,
    },
    {
      name: "30days starts at midnight of 17 Feb, still EST (-5)",
      who: () => dst,
      query: "range=30days",
      periodStart: "2026-02-17T05:00:00.000Z",
      periodEnd: "2026-03-18T15:30:00.000Z",
      labels: [
        ...range(17, 28).map((d) => `2026-02-${d}`),
        ...range(1, 18).map((d) => `2026-03-${d}`),
      ],
      clicksAt: { 18: 1, 19: 3 },
      total: 4,
    },
  ])("$name", async ({ who, query, periodStart, periodEnd, labels, clicksAt, total }) => {
    const body = await stats(who(), query);
    expect(body.meta.period_start).toBe(periodStart);
    expect(body.meta.period_end).toBe(periodEnd);
    expect(body.meta.granularity).toBe(labels[0].length === 10 ? "day" : "hour");
    expect(body.data.time_series.map((r: { period: string }) => r.period)).toEqual(labels);
    expect(new Set(body.data.time_series.map((r: { granularity: string }) => r.granularity))).toEqual(new Set([body.meta.granularity]));
    const clicks = labels.map((_, i) => (clicksAt as Record<number, number>)[i] ?? 0);
    expect(body.data.time_series.map((r: { clicks: number }) => r.clicks)).toEqual(clicks);
    expect(body.data.summary.clicks).toBe(total);
  });

  test("an empty period has zero summary and empty breakdowns", async () => {
    const body = await stats(mix, "range=yesterday");
    expect(body.data.summary).toEqual(zero);
    expect(body.data.time_series[0]).toEqual({ period: "2026-03-17 00:00", granularity: "hour", ...zero });
    expect(body.data.by_country).toEqual([]);
    expect(body.data.by_source).toEqual([]);
    expect(body.data.by_offer).toEqual([]);
  });
});

describe("metrics, breakdowns and filters", () => {
  test("summary and breakdowns: rounding, ordering, Direct and Unknown", async () => {
    const body = await stats(mix, "range=today");
    // 9 clicks (m9 is at now, outside); 6 leads; revenue 3.333+3.334+2.5+2.5+0+2.5 = 14.167.
    // cvr 6/9×100 = 66.6667; epc 14.167/9 = 1.574111.
    expect(body.data.summary).toEqual({ clicks: 9, leads: 6, revenue: 14.17, cvr: 66.6667, epc: 1.574111 });
    // Leads land in the 11:00 bucket: all six at 11:29:59, none of the clicks.
    expect(body.data.time_series[11]).toEqual({ period: "2026-03-18 11:00", granularity: "hour", clicks: 0, leads: 6, revenue: 14.17, cvr: 0, epc: 0 });
    // US 6.667 first; GB and DE tie on 2.5 and GB has more clicks; DE and FR tie on both: name asc.
    expect(body.data.by_country).toEqual([
      { country: "US", clicks: 4, leads: 2, revenue: 6.67, cvr: 50, epc: 1.66675 },
      { country: "GB", clicks: 2, leads: 1, revenue: 2.5, cvr: 50, epc: 1.25 },
      { country: "DE", clicks: 1, leads: 1, revenue: 2.5, cvr: 100, epc: 2.5 },
      { country: "FR", clicks: 1, leads: 1, revenue: 2.5, cvr: 100, epc: 2.5 },
      { country: "Unknown", clicks: 1, leads: 1, revenue: 0, cvr: 100, epc: 0 },
    ]);
    // g: m1 m2 m4 m6 / v1 v2 v5; fb: m7 m8 m10 / v4 v6 (5.0 over 3 clicks = 1.666667); Direct: m3 m5 / v3.
    expect(body.data.by_source).toEqual([
      { source: "g", clicks: 4, leads: 3, revenue: 6.67, cvr: 75, epc: 1.66675 },
      { source: "fb", clicks: 3, leads: 2, revenue: 5, cvr: 66.6667, epc: 1.666667 },
      { source: "Direct", clicks: 2, leads: 1, revenue: 2.5, cvr: 50, epc: 1.25 },
    ]);
    // A: m1 m2 m3 m6 m10 / v1 v2 v5 v6 = 9.167 (epc 1.8334); B: m4 m5 m7 m8 / v3 v4 = 5.
    expect(body.data.by_offer).toEqual([
      { offer: "A", clicks: 5, leads: 4, revenue: 9.17, cvr: 80, epc: 1.8334 },
      { offer: "B", clicks: 4, leads: 2, revenue: 5, cvr: 50, epc: 1.25 },
    ]);
  });

  test("every meta field, with defaults (today, America/New_York, no filters)", async () => {
    const body = await stats(mix, "");
    expect(Object.keys(body)).toEqual(["success", "meta", "data"]);
    expect(body.meta).toEqual({
      range: "today",
      timezone: "America/New_York",
      granularity: "hour",
      period_start: "2026-03-18T04:00:00.000Z",
      period_end: "2026-03-18T15:30:00.000Z",
      generated_at: "2026-03-18T15:30:00.000Z",
      filters: { country: null, offer: null, source: null },
      requests_remaining: expect.any(Number),
    });
    expect(Object.keys(body.data)).toEqual(["summary", "time_series", "by_country", "by_source", "by_offer"]);
  });

  test.each([
    {
      name: "country, offer and source together, echoed in the order given in meta.filters",
      query: "country=us,gb,US&offer=B,A,A&source=g,Direct",
      filters: { country: ["US", "GB"], offer: ["B", "A"], source: ["g", "Direct"] },
      // m1 m2 m3 m4 m5 (m8 is fb) / v1 v2 v3: 9.167 over 5 clicks.
      summary: { clicks: 5, leads: 3, revenue: 9.17, cvr: 60, epc: 1.8334 },
      countries: ["US", "GB"],
    },
    {
      name: "one value each: a click without leads",
      query: "country=US&offer=A&source=Direct",
      filters: { country: ["US"], offer: ["A"], source: ["Direct"] },
      summary: { clicks: 1, leads: 0, revenue: 0, cvr: 0, epc: 0 },
      countries: ["US"],
    },
    {
      name: "source=Direct matches empty sources of both tables",
      query: "source=Direct",
      filters: { country: null, offer: null, source: ["Direct"] },
      summary: { clicks: 2, leads: 1, revenue: 2.5, cvr: 50, epc: 1.25 },
      countries: ["GB", "US"],
    },
    {
      name: "spaces and empty items are dropped",
      query: "country=fr,,%20de%20",
      filters: { country: ["FR", "DE"], offer: null, source: null },
      summary: { clicks: 2, leads: 2, revenue: 5, cvr: 100, epc: 2.5 },
      countries: ["DE", "FR"],
    },
  ])("$name", async ({ query, filters, summary, countries }) => {
    const body = await stats(mix, `range=today&${query}`);
    expect(body.meta.filters).toEqual(filters);
    expect(body.data.summary).toEqual(summary);
    expect(body.data.by_country.map((r: { country: string }) => r.country)).toEqual(countries);
    // Filters apply to every section: the time series adds up to the summary.
    const sum = body.data.time_series.reduce((n: number, r: { clicks: number }) => n + r.clicks, 0);
    expect(sum).toBe(summary.clicks);
  });

  test("a stored source named Direct and an empty source are one Direct row", async () => {
    const direct = await server.workspace("direct");
    await server.insert("direct", "tr_clicks", [
      { click_id: "d1", ts: "2026-03-18T10:00:00Z", country: "US", offer: "A", source: "Direct" },
      { click_id: "d2", ts: "2026-03-18T10:00:00Z", country: "US", offer: "A", source: "" },
      { click_id: "d3", ts: "2026-03-18T10:00:00Z", country: "US", offer: "A", source: "g" },
    ]);
    const all = await stats(direct, "range=today");
    expect(all.data.by_source).toEqual([
      { source: "Direct", clicks: 2, leads: 0, revenue: 0, cvr: 0, epc: 0 },
      { source: "g", clicks: 1, leads: 0, revenue: 0, cvr: 0, epc: 0 },
    ]);
    const filtered = await stats(direct, "range=today&source=Direct");
    expect(filtered.data.summary.clicks).toBe(2);
  });

  test("the key works in the query string too", async () => {
    const res = await server.get(`/api/v1/stats?range=today&api_key=${mix.apiKey}`);
    expect(res.status).toBe(200);
    expect(res.body.data.summary.clicks).toBe(9);
  });
});

describe("400s name the parameter", () => {
  test.each([
    ["range=week", 400, "Invalid value \"week\" for parameter 'range'. Allowed values: hour, today, yesterday, 7days, 30days, custom."],
    ["range=custom&end=2026-03-01", 400, "Parameter 'start' is required when range is custom (YYYY-MM-DD)."],
    ["range=custom&start=2026-03-01", 400, "Parameter 'end' is required when range is custom (YYYY-MM-DD)."],
    ["range=custom&start=2026-03-10&end=2026-03-09", 400, "Parameter 'start' (2026-03-10) must not be after 'end' (2026-03-09)."],
    [
      "range=custom&start=2025-01-01&end=2026-01-02",
      400,
      "Parameter 'end': a custom range may cover at most 366 days, start and end included (2025-01-01 to 2026-01-02 is 367).",
    ],
    ["range=custom&start=2026-02-30&end=2026-03-01", 400, 'Parameter \'start\' must be a real date in YYYY-MM-DD form (got "2026-02-30").'],
    ["range=custom&start=2026-03-01&end=March", 400, 'Parameter \'end\' must be a real date in YYYY-MM-DD form (got "March").'],
    ["timezone=Mars/Olympus", 400, 'Unknown time zone "Mars/Olympus" in \'timezone\': use an IANA name such as America/New_York or UTC.'],
    ["country=USA", 400, 'Invalid country code "USA" in \'country\': use two-letter ISO 3166-1 codes such as US or GB.'],
    ["country=Unknown", 400, 'Invalid country code "UNKNOWN" in \'country\': use two-letter ISO 3166-1 codes such as US or GB.'],
  ])("%s", async (query, status, message) => {
    const res = await server.get(`/api/v1/stats?${query}`, { "X-Api-Key": mix.apiKey });
    expect(res.status).toBe(status);
    expect(res.body.success).toBe(false);
    expect(res.body.error).toBe(message);
  });

  test("365 days exactly is allowed", async () => {
    const body = await stats(mix, "range=custom&start=2025-01-01&end=2026-01-01&timezone=UTC");
    expect(body.data.time_series).toHaveLength(366);
  });
});
