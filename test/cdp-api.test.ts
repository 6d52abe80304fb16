// CDP Analytics API (CONTRACT §11) through the HTTP API, over a hand-made workspace whose every figure is
// worked out below: replaced and re-joined memberships, segments never or only just computed, an inactive
// segment, activations with 40, 8 and no sync runs, copilot days with gaps, subscriptions around today.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestServer, type Credentials, type TestServer } from "./support/server.ts";

// Today is 2026-03-18 (UTC). The trend window is 2026-02-17 .. 2026-03-18; "computed in the last two days"
// means first_computed_at later than 2026-03-16T15:30:00Z; the last 30 days of events are
// [2026-02-16T15:30:00Z, now).
const NOW = "2026-03-18T15:30:00Z";

const SEGMENTS = [
  { segment_id: 1, name: "Buyers", active: true, first_computed_at: "2026-03-15T00:00:00Z", last_computed_at: "2026-03-18T06:00:00Z" },
  { segment_id: 2, name: "Cart abandoners", active: true, first_computed_at: "2026-01-01T00:00:00Z", last_computed_at: "2026-03-18T00:00:00Z" },
  { segment_id: 3, name: "Never computed", active: true, first_computed_at: "", last_computed_at: "" },
  { segment_id: 4, name: "Fresh", active: true, first_computed_at: "2026-03-17T12:00:00Z", last_computed_at: "2026-03-17T12:00:00Z" },
  { segment_id: 5, name: "Archived", active: false, first_computed_at: "2026-01-01T00:00:00Z", last_computed_at: "2026-02-01T00:00:00Z" },
  // first computed exactly two days before now: old enough for a trend; nobody in it
  { segment_id: 6, name: "Empty", active: true, first_computed_at: "2026-03-16T15:30:00Z", last_computed_at: "2026-03-18T00:00:00Z" },
];

const m = (segment_id: number, member_id: string, joined_at: string, left_at: string, updated_at: string) => ({
  segment_id,
  member_id,
  joined_at,
  left_at,
  updated_at,
});

// Rows in import order. The winning row per (segment, member) has the greatest updated_at.
const MEMBERSHIPS = [
  // Buyers
  m(1, "m1", "2026-03-10T08:00:00Z", "", "2026-03-10T08:00:00Z"),
  m(1, "m2", "2026-03-01T00:00:00Z", "", "2026-03-01T00:00:00Z"),
  m(1, "m2", "2026-03-01T00:00:00Z", "2026-03-16T10:00:00Z", "2026-03-16T10:00:00Z"), // replaces: m2 left on 03-16
  m(1, "m3", "2026-02-20T00:00:00Z", "2026-03-05T00:00:00Z", "2026-03-05T00:00:00Z"),
  m(1, "m3", "2026-03-17T00:00:00Z", "", "2026-03-17T00:00:00Z"), // re-joined at midnight of 03-17
  m(1, "m4", "2026-03-18T16:00:00Z", "", "2026-03-18T16:00:00Z"), // joins after now
  m(1, "m5", "2026-03-12T00:00:00Z", "", "2026-03-13T00:00:00Z"),
  m(1, "m5", "2026-03-12T00:00:00Z", "2026-03-12T12:00:00Z", "2026-03-12T12:00:00Z"), // imported later, but older: loses
  // Cart abandoners
  m(2, "m1", "2026-01-20T00:00:00Z", "", "2026-01-20T00:00:00Z"),
  m(2, "m2", "2026-02-25T10:00:00Z", "2026-03-10T09:00:00Z", "2026-03-10T09:00:00Z"),
  m(2, "m3", "2026-03-18T15:30:00Z", "", "2026-03-18T15:30:00Z"), // joins exactly at now: current
  m(2, "m6", "2026-03-01T00:00:00Z", "2026-03-18T15:30:00Z", "2026-03-18T15:30:00Z"), // leaves exactly at now: gone
  // Never computed
  m(3, "m1", "2026-02-01T00:00:00Z", "", "2026-02-01T00:00:00Z"),
  m(3, "m2", "2026-03-01T00:00:00Z", "", "2026-03-01T00:00:00Z"),
  m(3, "m8", "2026-03-18T15:00:00Z", "", "2026-03-18T15:00:00Z"),
  // Fresh
  m(4, "m1", "2026-02-01T00:00:00Z", "", "2026-02-01T00:00:00Z"),
  // Archived (inactive): would top the overlap with Buyers if it counted
  m(5, "m1", "2026-02-01T00:00:00Z", "", "2026-02-01T00:00:00Z"),
  m(5, "m3", "2026-02-01T00:00:00Z", "", "2026-02-01T00:00:00Z"),
  m(5, "m5", "2026-02-01T00:00:00Z", "", "2026-02-01T00:00:00Z"),
];
// Current members (winning row joined by now and not left): Buyers m1, m3, m5 (3); Cart abandoners m1, m3 (2);
// Never computed m1, m2, m8 (3); Fresh m1 (1); Archived m1, m3, m5 (3); Empty none.

const MEMBERS = [
  { member_id: "m1", created_at: "2025-12-01T00:00:00Z" },
  { member_id: "m2", created_at: "2026-01-15T00:00:00Z" },
  { member_id: "m3", created_at: "2026-02-01T00:00:00Z" },
  { member_id: "m4", created_at: "2026-03-18T16:00:00Z" }, // created after now: not counted
  { member_id: "m5", created_at: "2026-03-01T00:00:00Z" },
  { member_id: "m6", created_at: "2026-02-20T00:00:00Z" },
  { member_id: "m8", created_at: "2026-03-18T15:30:00Z" }, // created exactly at now: counted
];

const EVENTS = [
  { event_id: "e1", member_id: "m1", ts: "2026-02-16T15:30:00Z", type: "page_view" }, // first instant of the 30 days
  { event_id: "e2", member_id: "m1", ts: "2026-02-16T15:29:59Z", type: "page_view" }, // just before
  { event_id: "e3", member_id: "m2", ts: "2026-03-18T15:30:00Z", type: "purchase" }, // at now: not in [now−30d, now)
  { event_id: "e4", member_id: "m2", ts: "2026-03-18T15:29:59Z", type: "add_to_cart" },
  { event_id: "e5", member_id: "m3", ts: "2026-03-01T00:00:00Z", type: "page_view" }, // first instant of the period
  { event_id: "e7", member_id: "m3", ts: "2026-02-28T23:59:59Z", type: "page_view" }, // last instant of the previous period
  { event_id: "e8", member_id: "m3", ts: "2026-03-18T15:30:01Z", type: "page_view" }, // after now
];

const COPILOT = [
  { request_id: "r1", ts: "2026-02-17T00:00:00Z", status: "success", credits: 1 }, // first instant of the 30 days
  { request_id: "r2", ts: "2026-02-16T23:59:59Z", status: "success", credits: 1 }, // just before
  { request_id: "r3", ts: "2026-03-01T09:00:00Z", status: "success", credits: 2 },
  { request_id: "r4", ts: "2026-03-01T10:00:00Z", status: "error" }, // credits default to 1
  { request_id: "r5", ts: "2026-03-01T11:00:00Z", status: "error", credits: 0 },
  { request_id: "r6", ts: "2026-03-18T15:30:00Z", status: "success", credits: 3 }, // at now: counted
  { request_id: "r7", ts: "2026-03-18T15:31:00Z", status: "success", credits: 5 }, // after now
  { request_id: "r8", ts: "2026-03-10T12:00:00Z", status: "success", credits: 1 },
];

const plan = (plan_name: string, period_start: string, period_end: string, ai_credits_limit: number) => ({
  plan_name,
  plan_tier: plan_name.toLowerCase(),
  period_start,
  period_end,
  events_limit: 1_000_000,
  users_limit: 50_000,
  segments_limit: -1,
  ai_credits_limit,
});
const SUBSCRIPTIONS = [
  plan("Starter", "2026-02-01", "2026-02-28", 100),
  plan("Growth", "2026-03-01", "2026-03-31", 500),
  plan("Enterprise", "2026-04-01", "2026-04-30", -1),
];

const ACTIVATIONS = [
  { activation_id: 1, segment_id: 1, connector_type: "facebook_ads", status: "active", last_synced_at: "2026-03-18T12:00:00Z", last_error: "" },
  { activation_id: 2, segment_id: 2, connector_type: "braze", status: "paused" },
  {
    activation_id: 3,
    segment_id: 5,
    connector_type: "google_ads",
    status: "error",
    last_synced_at: "2026-03-17T00:00:00Z",
    last_error: "Invalid audience id",
  },
];

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const at = (iso: string, plusMs: number) => new Date(Date.parse(iso) + plusMs).toISOString().replace(".000Z", "Z");
const log = (activation_id: number, synced_at: string, ok: boolean, user_count: number, error = "Invalid audience id") => ({
  activation_id,
  status: ok ? "success" : "error",
  user_count,
  error_message: ok ? "" : error,
  synced_at,
});
// Activation 1: 40 hourly runs back from 03-18 12:00 (run k at 12:00 − k h, 500 − k users); among the latest
// 30 (k = 0..29) the runs k = 0, 4, ..., 28 failed: 8 errors, 22 successes → 73.3 % → 73. The 10 older runs
// all failed (counting them would give 55). One more run is after now and does not count yet.
const SYNC_LOGS = [
  ...Array.from({ length: 40 }, (_, k) =>
    log(1, at("2026-03-18T12:00:00Z", -k * HOUR_MS), k < 30 && k % 4 !== 0, 500 - k, "Rate limited by destination"),
  ),
  log(1, "2026-03-18T16:00:00Z", true, 999),
  // Activation 3: daily runs 03-10 .. 03-17, only the first succeeded: 1 of 8 = 12.5 % → 13.
  ...Array.from({ length: 8 }, (_, d) => log(3, at("2026-03-10T00:00:00Z", d * DAY_MS), d === 0, 40 + d)),
];

let server: TestServer;
let acme: Credentials;
let solo: Credentials;
let wide: Credentials;

beforeAll(async () => {
  server = await startTestServer({ now: NOW });
  acme = await server.workspace("acme", "starter");
  solo = await server.workspace("solo", "starter");
  wide = await server.workspace("wide", "starter");
  await server.insert("acme", "cdp_segments", SEGMENTS);
  await server.insert("acme", "cdp_memberships", MEMBERSHIPS);
  await server.insert("acme", "cdp_members", MEMBERS);
  await server.insert("acme", "cdp_events", EVENTS);
  await server.insert("acme", "cdp_copilot_requests", COPILOT);
  await server.insert("acme", "cdp_subscriptions", SUBSCRIPTIONS);
  await server.insert("acme", "cdp_activations", ACTIVATIONS);
  await server.insert("acme", "cdp_sync_logs", SYNC_LOGS);
  // solo: one segment with a member, no subscription
  await server.insert("solo", "cdp_segments", [{ segment_id: 1, name: "Only", active: true }]);
  await server.insert("solo", "cdp_memberships", [m(1, "x", "2026-03-01T00:00:00Z", "", "2026-03-01T00:00:00Z")]);
  // wide: seven segments that all hold member x (21 pairs); y is also in segments 6 and 7
  await server.insert(
    "wide",
    "cdp_segments",
    Array.from({ length: 7 }, (_, i) => ({ segment_id: i + 1, name: `S${i + 1}`, active: true })),
  );
  await server.insert("wide", "cdp_memberships", [
    ...Array.from({ length: 7 }, (_, i) => m(i + 1, "x", "2026-03-01T00:00:00Z", "", "2026-03-01T00:00:00Z")),
    m(6, "y", "2026-03-01T00:00:00Z", "", "2026-03-01T00:00:00Z"),
    m(7, "y", "2026-03-01T00:00:00Z", "", "2026-03-01T00:00:00Z"),
  ]);
});
afterAll(() => server.close());

const get = (path: string, who: Credentials = acme) => server.get(path, { "X-Api-Key": who.apiKey });

/** Daily trend entries from `from` to `to` inclusive, all with the same member count. */
function days(from: string, to: string, count: number): { day: string; count: number }[] {
  const out: { day: string; count: number }[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY_MS) {
    out.push({ day: new Date(t).toISOString().slice(0, 10), count });
  }
  return out;
}

describe("GET /api/analytics/overview/", () => {
  test("active segments, members created by now, events of the last 30 days, AI credits of the period", async () => {
    // Active: 1, 2, 3, 4, 6. Members: all but m4. Events in [02-16 15:30, now): e1, e4, e5, e7.
    // Credits in the Growth period [03-01, now]: r3 2 + r4 1 + r5 0 + r8 1 + r6 3 = 7.
    const res = await get("/api/analytics/overview/");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ segment_count: 5, total_members: 6, events_30d: 4, ai_credits_used: 7, ai_credits_limit: 500 });
  });

  test("without a current subscription the AI credits are 0 and 0", async () => {
    const res = await get("/api/analytics/overview/", solo);
    expect(res.body).toEqual({ segment_count: 1, total_members: 0, events_30d: 0, ai_credits_used: 0, ai_credits_limit: 0 });
  });
});

describe("GET /api/analytics/segments/", () => {
  test("current member counts, latest row wins, and the trend's windows and empty cases", async () => {
    const res = await get("/api/analytics/segments/");
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      {
        id: 1,
        name: "Buyers",
        member_count: 3,
        last_computed_at: "2026-03-18T06:00:00Z",
        // from the first computation's day: 03-15 m1, m2, m5; 03-16 m2 has left; 03-17 m3 is back; m4 joins after now
        trend: [
          { day: "2026-03-15", count: 3 },
          { day: "2026-03-16", count: 2 },
          { day: "2026-03-17", count: 3 },
          { day: "2026-03-18", count: 3 },
        ],
      },
      {
        id: 2,
        name: "Cart abandoners",
        member_count: 2,
        last_computed_at: "2026-03-18T00:00:00Z",
        // computed long ago: the last 30 days. m1 all along; m2 from 02-25 to 03-09 (left 03-10 09:00);
        // m6 from 03-01 until it leaves at now; m3 joins at now.
        trend: [
          ...days("2026-02-17", "2026-02-24", 1),
          ...days("2026-02-25", "2026-02-28", 2),
          ...days("2026-03-01", "2026-03-09", 3),
          ...days("2026-03-10", "2026-03-17", 2),
          { day: "2026-03-18", count: 2 },
        ],
      },
      { id: 3, name: "Never computed", member_count: 3, last_computed_at: null, trend: [] },
      { id: 4, name: "Fresh", member_count: 1, last_computed_at: "2026-03-17T12:00:00Z", trend: [] },
      {
        id: 6,
        name: "Empty",
        member_count: 0,
        last_computed_at: "2026-03-18T00:00:00Z",
        trend: days("2026-03-16", "2026-03-18", 0),
      },
    ]);
    expect(res.body[1].trend).toHaveLength(30);
    expect(Object.keys(res.body[0])).toEqual(["id", "name", "member_count", "last_computed_at", "trend"]);
  });
});

describe("memberships imported in several files", () => {
  test("a later file replaces a pair's row only with a newer or equally new one", async () => {
    const late = await server.workspace("late", "starter");
    await server.insert("late", "cdp_segments", [{ segment_id: 1, name: "Late", active: true }]);
    await server.insert("late", "cdp_memberships", [
      m(1, "a", "2026-03-01T00:00:00Z", "", "2026-03-01T00:00:00Z"),
      m(1, "b", "2026-03-01T00:00:00Z", "", "2026-03-05T00:00:00Z"),
      m(1, "c", "2026-03-01T00:00:00Z", "", "2026-03-05T00:00:00Z"),
    ]);
    await server.insert("late", "cdp_memberships", [
      m(1, "a", "2026-03-01T00:00:00Z", "2026-03-10T00:00:00Z", "2026-03-10T00:00:00Z"), // newer: a has left
      m(1, "b", "2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z", "2026-03-02T00:00:00Z"), // older: b stays
      m(1, "c", "2026-03-01T00:00:00Z", "2026-03-06T00:00:00Z", "2026-03-05T00:00:00Z"), // as new: the later file wins, c has left
    ]);
    const res = await get("/api/analytics/segments/", late);
    expect(res.body).toEqual([{ id: 1, name: "Late", member_count: 1, last_computed_at: null, trend: [] }]);
    const [stored] = await server.runtime.store.query<{ n: number }>("SELECT count(*) AS n FROM cdp_memberships WHERE workspace_id = $ws", {
      ws: "late",
    });
    expect(stored.n).toBe(3);
  });
});

describe("GET /api/analytics/overlap/", () => {
  test("pairs of active segments over current members, against the smaller segment", async () => {
    // Buyers {m1, m3, m5}, Cart abandoners {m1, m3}, Never computed {m1, m2, m8}, Fresh {m1}, Empty {}.
    const res = await get("/api/analytics/overlap/");
    expect(res.status).toBe(200);
    const pair = (a: number, an: string, b: number, bn: string, overlap: number, pct: number) => ({
      seg_a_id: a,
      seg_a_name: an,
      seg_b_id: b,
      seg_b_name: bn,
      overlap,
      overlap_pct: pct,
    });
    expect(res.body).toEqual([
      pair(1, "Buyers", 2, "Cart abandoners", 2, 100), // 2 ÷ min(3, 2)
      pair(1, "Buyers", 3, "Never computed", 1, 33.3), // 1 ÷ 3
      pair(1, "Buyers", 4, "Fresh", 1, 100),
      pair(2, "Cart abandoners", 3, "Never computed", 1, 50), // 1 ÷ 2
      pair(2, "Cart abandoners", 4, "Fresh", 1, 100),
      pair(3, "Never computed", 4, "Fresh", 1, 100),
    ]);
  });

  test("only the top 20 pairs: largest overlap first, then by ids", async () => {
    const res = await get("/api/analytics/overlap/", wide);
    expect(res.body).toHaveLength(20);
    // S6 and S7 share x and y; every other pair shares only x. (6, 7) comes first, then the other 20 pairs in
    // id order, of which the last, (5, 7), falls out.
    expect(res.body[0]).toEqual({ seg_a_id: 6, seg_a_name: "S6", seg_b_id: 7, seg_b_name: "S7", overlap: 2, overlap_pct: 100 });
    expect(res.body.slice(1).map((p: { seg_a_id: number; seg_b_id: number }) => `${p.seg_a_id}-${p.seg_b_id}`)).toEqual([
      "1-2", "1-3", "1-4", "1-5", "1-6", "1-7", "2-3", "2-4", "2-5", "2-6", "2-7", "3-4", "3-5", "3-6", "3-7", "4-5", "4-6", "4-7", "5-6",
    ]);
  });

  test("empty with fewer than two segments", async () => {
    expect((await get("/api/analytics/overlap/", solo)).body).toEqual([]);
  });
});

describe("GET /api/analytics/activations/", () => {
  test("member counts, success over the latest 30 runs, the 5 latest runs", async () => {
    const res = await get("/api/analytics/activations/");
    expect(res.status).toBe(200);
    const run = (synced_at: string, ok: boolean, user_count: number, error_message: string) => ({
      status: ok ? "success" : "error",
      user_count,
      error_message: ok ? "" : error_message,
      synced_at,
    });
    const rateLimited = "Rate limited by destination";
    expect(res.body).toEqual([
      {
        id: 1,
        segment_id: 1,
        segment_name: "Buyers",
        connector_type: "facebook_ads",
        status: "active",
        last_synced_at: "2026-03-18T12:00:00Z",
        last_error: "",
        member_count: 3,
        success_rate: 73,
        sync_logs: [
          run("2026-03-18T12:00:00Z", false, 500, rateLimited),
          run("2026-03-18T11:00:00Z", true, 499, rateLimited),
          run("2026-03-18T10:00:00Z", true, 498, rateLimited),
          run("2026-03-18T09:00:00Z", true, 497, rateLimited),
          run("2026-03-18T08:00:00Z", false, 496, rateLimited),
        ],
      },
      {
        id: 2,
        segment_id: 2,
        segment_name: "Cart abandoners",
        connector_type: "braze",
        status: "paused",
        last_synced_at: null,
        last_error: "",
        member_count: 2,
        success_rate: null,
        sync_logs: [],
      },
      {
        id: 3,
        segment_id: 5,
        segment_name: "Archived",
        connector_type: "google_ads",
        status: "error",
        last_synced_at: "2026-03-17T00:00:00Z",
        last_error: "Invalid audience id",
        member_count: 3,
        success_rate: 13,
        sync_logs: [
          run("2026-03-17T00:00:00Z", false, 47, "Invalid audience id"),
          run("2026-03-16T00:00:00Z", false, 46, "Invalid audience id"),
          run("2026-03-15T00:00:00Z", false, 45, "Invalid audience id"),
          run("2026-03-14T00:00:00Z", false, 44, "Invalid audience id"),
          run("2026-03-13T00:00:00Z", false, 43, "Invalid audience id"),
        ],
      },
    ]);
  });
});

describe("GET /api/analytics/activations/ field order", () => {
  test("fields come in the documented order", async () => {
    const res = await get("/api/analytics/activations/");
    expect(Object.keys(res.body[0])).toEqual([
      "id", "segment_id", "segment_name", "connector_type", "status", "last_synced_at", "last_error", "member_count", "success_rate", "sync_logs",
    ]);
  });
});

describe("GET /api/analytics/copilot/", () => {
  test("days of the last 30 with requests, up to now, and their total", async () => {
    const res = await get("/api/analytics/copilot/");
    expect(res.status).toBe(200);
    // total = Σ (success + error) over the listed days: 1 + 3 + 1 + 1.
    expect(res.body).toEqual({
      total: 6,
      daily: [
        { day: "2026-02-17", success: 1, error: 0 },
        { day: "2026-03-01", success: 1, error: 2 },
        { day: "2026-03-10", success: 1, error: 0 },
        { day: "2026-03-18", success: 1, error: 0 },
      ],
    });
    expect(Object.keys(res.body)).toEqual(["total", "daily"]);
  });

  test("no requests: no days", async () => {
    expect((await get("/api/analytics/copilot/", solo)).body).toEqual({ total: 0, daily: [] });
  });
});

describe("GET /api/analytics/usage/", () => {
  test("the period containing today, used against limits", async () => {
    // Events in [03-01 00:00, now]: e5, e4, e3. Members: 6. Active segments: 5. Credits: 7.
    const res = await get("/api/analytics/usage/");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      plan_name: "Growth",
      plan_tier: "growth",
      period_start: "2026-03-01",
      period_end: "2026-03-31",
      events: { used: 3, limit: 1_000_000 },
      users: { used: 6, limit: 50_000 },
      segments: { used: 5, limit: -1 },
      ai_credits: { used: 7, limit: 500 },
    });
  });

  test("no current subscription: 404 in the CDP shape", async () => {
    const res = await get("/api/analytics/usage/", solo);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ detail: "No subscription period contains today (2026-03-18)." });
  });
});

describe("the CDP edge", () => {
  test("paths work with and without the trailing slash, and with each accepted credential", async () => {
    const paths = ["overview", "segments", "overlap", "activations", "copilot", "usage"];
    for (const name of paths) {
      const withSlash = await get(`/api/analytics/${name}/`);
      expect(withSlash.status, name).toBe(200);
      const bare = await server.get(`/api/analytics/${name}`, { Authorization: `Api-Key ${acme.apiKey}` });
      expect(bare.body, name).toEqual(withSlash.body);
      const bearer = await server.get(`/api/analytics/${name}/`, { Authorization: `Bearer ${acme.token}` });
      expect(bearer.body, name).toEqual(withSlash.body);
    }
  });

  test("no credential, a wrong key and a wrong method are refused with a detail", async () => {
    const none = await server.get("/api/analytics/segments/");
    expect(none.status).toBe(401);
    expect(none.body).toEqual({
      detail: "Authentication credentials were not provided: send Authorization: Bearer <jwt>, X-Api-Key or Authorization: Api-Key <key>.",
    });
    const wrong = await server.get("/api/analytics/segments/", { "X-Api-Key": "mg_live_not-a-real-key" });
    expect(wrong.status).toBe(401);
    expect(Object.keys(wrong.body)).toEqual(["detail"]);
    const post = await fetch(`${server.url}/api/analytics/segments/`, { method: "POST", headers: { "X-Api-Key": acme.apiKey } });
    expect(post.status).toBe(405);
    expect(await post.json()).toEqual({ detail: "Method POST is not allowed on /api/analytics/segments/; use GET." });
  });

  test("a workspace only sees its own segments", async () => {
    const res = await get("/api/analytics/segments/", solo);
    expect(res.body).toEqual([{ id: 1, name: "Only", member_count: 1, last_computed_at: null, trend: [] }]);
  });
});
