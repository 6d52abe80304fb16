// Tapemetric overview, top content, geo and devices (CONTRACT §9.2, §9.4, §9.5) through the HTTP API, over
// a hand-made workspace whose every figure is worked out below, for each range — qtd crosses into Q2.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestServer, type Credentials, type TestServer } from "./support/server.ts";

// Now is 12:00 on the second day of Q2. Ranges and the periods before them:
//   24h [04-01 12:00, now)   before [03-31 12:00, 04-01 12:00)
//   7d  [03-26 12:00, now)   before [03-19 12:00, 03-26 12:00)
//   30d [03-03 12:00, now)   before [02-01 12:00, 03-03 12:00)
//   qtd [04-01 00:00, now)   before [03-30 12:00, 04-01 00:00)
// MAU counts users of [end − 30d, end): now [03-03 12:00, now); before the range, [start − 30d, start).
const NOW = "2026-04-02T12:00:00Z";

const session = (
  id: string,
  user: string,
  content: string,
  device: string,
  region: string,
  started_at: string,
  watch_seconds: number,
  completed: boolean,
  ended_at = "",
) => ({ session_id: id, user_id: user, content_id: content, device, region, pop: "ap-south-1", started_at, ended_at, watch_seconds, completed });

const SESSIONS = [
  // in 24h, 7d, 30d, qtd; still playing
  session("A", "u1", "c1", "tv", "Maharashtra", "2026-04-02T11:00:00Z", 1800, false),
  // in 24h, 7d, 30d, qtd
  session("B", "u2", "c1", "mobile", "Maharashtra", "2026-04-02T09:00:00Z", 3600, true, "2026-04-02T10:00:00Z"),
  // exactly at the 24h start: in 24h, 7d, 30d, qtd
  session("C", "u1", "c2", "web", "Karnataka", "2026-04-01T12:00:00Z", 1800, true, "2026-04-01T12:30:00Z"),
  // exactly at the quarter start: in qtd, 7d, 30d; before 24h
  session("D", "u1", "c2", "tv", "Karnataka", "2026-04-01T00:00:00Z", 5400, true, "2026-04-01T01:30:00Z"),
  // last second of Q1: in 7d, 30d; before 24h and before qtd; c9 is not in the catalogue
  session("E", "u3", "c9", "mobile", "Kerala", "2026-03-31T23:59:59Z", 3600, false, "2026-04-01T00:59:59Z"),
  session("F", "u4", "c9", "tablet", "Kerala", "2026-03-27T10:00:00Z", 1800, true, "2026-03-27T10:30:00Z"),
  // before 7d; in 30d
  session("G", "u2", "c3", "mobile", "Delhi", "2026-03-20T08:00:00Z", 3600, false, "2026-03-20T09:00:00Z"),
  session("H", "u5", "c1", "tv", "Delhi", "2026-03-05T20:00:00Z", 7200, true, "2026-03-05T22:00:00Z"),
  // before 30d, outside every current MAU window
  session("I", "u6", "c3", "web", "Goa", "2026-02-20T10:00:00Z", 3600, true, "2026-02-20T11:00:00Z"),
  // before 30d and in the MAU-before windows of 24h and qtd
  session("K", "u8", "c2", "mobile", "Goa", "2026-03-02T18:00:00Z", 900, false, "2026-03-02T18:15:00Z"),
  // starts at now: in no range (ranges end before now)
  session("J", "u7", "c1", "tv", "Maharashtra", "2026-04-02T12:00:00Z", 0, false),
];

const CONTENT = [
  { content_id: "c1", title: "Monsoon Express", content_type: "movie" },
  { content_id: "c2", title: "Cricket Club", content_type: "series" },
  { content_id: "c3", title: "Midnight Letters", content_type: "episode" },
  { content_id: "c4", title: "Never Watched", content_type: "short" },
];

// Active at t: started_at ≤ t and (no end or ended_at > t).
const SUBSCRIPTIONS = [
  { subscription_id: "S1", user_id: "u1", plan: "standard", price_inr: 499, started_at: "2026-01-10T00:00:00Z", ended_at: "" },
  // starts exactly at now: active at the end of every range
  { subscription_id: "S2", user_id: "u2", plan: "basic", price_inr: 199, started_at: "2026-04-02T12:00:00Z", ended_at: "" },
  // ends inside 7d, 30d and qtd (after the 24h start)
  { subscription_id: "S3", user_id: "u3", plan: "premium", price_inr: 649, started_at: "2026-03-01T00:00:00Z", ended_at: "2026-04-01T06:00:00Z" },
  // starts exactly at the 7d start (active then) and ends exactly at now (not active at the end, not churned inside)
  { subscription_id: "S4", user_id: "u4", plan: "mobile", price_inr: 149, started_at: "2026-03-26T12:00:00Z", ended_at: "2026-04-02T12:00:00Z" },
  // ends exactly at the 30d start: not active then
  { subscription_id: "S5", user_id: "u5", plan: "standard", price_inr: 499, started_at: "2025-12-01T00:00:00Z", ended_at: "2026-03-03T12:00:00Z" },
  // u1's second subscription: users count once
  { subscription_id: "S6", user_id: "u1", plan: "mobile", price_inr: 149, started_at: "2026-02-01T00:00:00Z", ended_at: "2026-03-31T00:00:00Z" },
];

let server: TestServer;
let acme: Credentials;
let empty: Credentials;

beforeAll(async () => {
  server = await startTestServer({ now: NOW });
  acme = await server.workspace("acme", "starter");
  empty = await server.workspace("empty", "starter");
  await server.insert("acme", "tm_sessions", SESSIONS);
  await server.insert("acme", "tm_content", CONTENT);
  await server.insert("acme", "tm_subscriptions", SUBSCRIPTIONS);
});
afterAll(() => server.close());

const get = (path: string, who: Credentials = acme) => server.get(path, { Authorization: `Bearer ${who.token}` });

describe("GET /v1/analytics/overview", () => {
  // MAU now: u1..u5 = 5 (A-H). Active at now: S1 (u1, 499) and S2 (u2, 199): 2 subscribers, 698 INR,
  // ARPU 698 / 5 = 139.6. Per range:
  // 24h: watch A+B+C = 7200 s (2.0 h), before D+E = 9000 s → −20 %. MAU before: D,E,F,G,H,K = u1,u3,u4,u2,u5,u8 = 6
  //      → −16.7 %. Active at start: S1, S4 (users u1, u4; 648 INR); none ends inside (S4 ends at now) → churn 0;
  //      subs 2 → 2 = 0 %; revenue 648 → 698 = +7.7 %.
  // 7d:  watch A..F = 18000 s (5.0 h), before G = 3600 → +400 %. MAU before: G,H,K = 3 → +66.7 %. Active at start:
  //      S1, S3, S4 (starts at it), S6 (users u1, u3, u4; 1446 INR); S3 and S6 end inside → 2 / 4 = 50 %;
  //      subs 3 → 2 = −33.3 %; revenue 1446 → 698 = −51.7 %.
  // 30d: watch A..H = 28800 s (8.0 h), before I+K = 4500 → +540 %. MAU before: I,K = 2 → +150 %. Active at start:
  //      S1, S3, S6 (S5 ends at it; users u1, u3; 1297 INR); S3, S6 end inside → 66.7 %; subs 0 %; revenue −46.2 %.
  // qtd: watch A..D = 12600 s (3.5 h), before E = 3600 → +250 %. MAU before [03-02 00:00, 04-01 00:00): E,F,G,H,K = 5
  //      → 0 %. Active at start: S1, S3, S4 (users u1, u3, u4; 1297 INR); S3 ends inside → 33.3 %; subs −33.3 %;
  //      revenue −46.2 %.
  const common = { monthly_active_users: 5, paid_subscribers: 2, arpu_inr: 139.6, period_end: "2026-04-02T12:00:00Z" };
  test.each([
    ["24h", "2026-04-01T12:00:00Z", 2, 0, { mau: -16.7, watch_hours: -20, subs: 0, revenue: 7.7 }],
    ["7d", "2026-03-26T12:00:00Z", 5, 50, { mau: 66.7, watch_hours: 400, subs: -33.3, revenue: -51.7 }],
    ["30d", "2026-03-03T12:00:00Z", 8, 66.7, { mau: 150, watch_hours: 540, subs: 0, revenue: -46.2 }],
    ["qtd", "2026-04-01T00:00:00Z", 3.5, 33.3, { mau: 0, watch_hours: 250, subs: -33.3, revenue: -46.2 }],
  ])("range=%s", async (range, periodStart, watchHours, churn, wow) => {
    const res = await get(`/v1/analytics/overview?range=${range}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      range,
      period_start: periodStart,
      ...common,
      watch_hours: watchHours,
      churn_pct: churn,
      wow_delta: wow,
    });
  });

  test("the default range is 7d", async () => {
    const res = await get("/v1/analytics/overview");
    expect(res.body.range).toBe("7d");
    expect(res.body.watch_hours).toBe(5);
  });

  test("a workspace without data: zeros, and no percentage change against nothing", async () => {
    const res = await get("/v1/analytics/overview?range=30d", empty);
    expect(res.body).toEqual({
      range: "30d",
      period_start: "2026-03-03T12:00:00Z",
      period_end: "2026-04-02T12:00:00Z",
      monthly_active_users: 0,
      watch_hours: 0,
      paid_subscribers: 0,
      arpu_inr: 0,
      churn_pct: 0,
      wow_delta: { mau: null, watch_hours: null, subs: null, revenue: null },
    });
  });
});

describe("GET /v1/analytics/top-content", () => {
  const c1 = { content_id: "c1", title: "Monsoon Express", content_type: "movie" };
  const c2 = { content_id: "c2", title: "Cricket Club", content_type: "series" };
  const c3 = { content_id: "c3", title: "Midnight Letters", content_type: "episode" };
  const c9 = { content_id: "c9", title: "c9", content_type: "unknown" };
  test.each([
    // A (u1, open) + B (u2, done) on c1 = 5400 s; C (u1) on c2 = 1800 s, done.
    ["24h", [{ ...c1, watch_hours: 1.5, completion_pct: 50, unique_viewers: 2 }, { ...c2, watch_hours: 0.5, completion_pct: 100, unique_viewers: 1 }]],
    // c2: C+D = 7200 s by u1, both done; c1 and c9 tie at 5400 s and go by id.
    [
      "7d",
      [
        { ...c2, watch_hours: 2, completion_pct: 100, unique_viewers: 1 },
        { ...c1, watch_hours: 1.5, completion_pct: 50, unique_viewers: 2 },
        { ...c9, watch_hours: 1.5, completion_pct: 50, unique_viewers: 2 },
      ],
    ],
    // c1 gains H (u5, 7200 s, done): 12600 s, 2 of 3 done; c3 gains G (u2, 3600 s, open).
    [
      "30d",
      [
        { ...c1, watch_hours: 3.5, completion_pct: 66.7, unique_viewers: 3 },
        { ...c2, watch_hours: 2, completion_pct: 100, unique_viewers: 1 },
        { ...c9, watch_hours: 1.5, completion_pct: 50, unique_viewers: 2 },
        { ...c3, watch_hours: 1, completion_pct: 0, unique_viewers: 1 },
      ],
    ],
    ["qtd", [{ ...c2, watch_hours: 2, completion_pct: 100, unique_viewers: 1 }, { ...c1, watch_hours: 1.5, completion_pct: 50, unique_viewers: 2 }]],
  ])("range=%s", async (range, expected) => {
    const res = await get(`/v1/analytics/top-content?range=${range}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expected);
  });

  test("limit and offset page through the same order", async () => {
    expect((await get("/v1/analytics/top-content?range=7d&limit=1&offset=1")).body.map((r: { content_id: string }) => r.content_id)).toEqual(["c1"]);
    expect((await get("/v1/analytics/top-content?range=7d&limit=2&offset=2")).body.map((r: { content_id: string }) => r.content_id)).toEqual(["c9"]);
    expect((await get("/v1/analytics/top-content?range=7d&offset=3")).body).toEqual([]);
  });
});

describe("GET /v1/analytics/geo", () => {
  test.each([
    // Maharashtra A+B = 5400 s (u1, u2), Karnataka C = 1800 s of 7200.
    ["24h", [{ region: "Maharashtra", watch_hours: 1.5, viewers: 2, share_pct: 75 }, { region: "Karnataka", watch_hours: 0.5, viewers: 1, share_pct: 25 }]],
    // Karnataka C+D = 7200 s (u1) of 18000; Kerala (E, F) and Maharashtra (A, B) tie at 5400 and go by name.
    [
      "7d",
      [
        { region: "Karnataka", watch_hours: 2, viewers: 1, share_pct: 40 },
        { region: "Kerala", watch_hours: 1.5, viewers: 2, share_pct: 30 },
        { region: "Maharashtra", watch_hours: 1.5, viewers: 2, share_pct: 30 },
      ],
    ],
    // Delhi G+H = 10800 s of 28800 = 37.5 %; 5400 / 28800 = 18.75 % → 18.8.
    [
      "30d",
      [
        { region: "Delhi", watch_hours: 3, viewers: 2, share_pct: 37.5 },
        { region: "Karnataka", watch_hours: 2, viewers: 1, share_pct: 25 },
        { region: "Kerala", watch_hours: 1.5, viewers: 2, share_pct: 18.8 },
        { region: "Maharashtra", watch_hours: 1.5, viewers: 2, share_pct: 18.8 },
      ],
    ],
    // 7200 / 12600 = 57.14 %, 5400 / 12600 = 42.86 %.
    ["qtd", [{ region: "Karnataka", watch_hours: 2, viewers: 1, share_pct: 57.1 }, { region: "Maharashtra", watch_hours: 1.5, viewers: 2, share_pct: 42.9 }]],
  ])("range=%s", async (range, expected) => {
    const res = await get(`/v1/analytics/geo?range=${range}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expected);
  });

  test("shares stay those of the whole range on a later page", async () => {
    expect((await get("/v1/analytics/geo?range=30d&limit=1&offset=3")).body).toEqual([{ region: "Maharashtra", watch_hours: 1.5, viewers: 2, share_pct: 18.8 }]);
  });
});

describe("GET /v1/analytics/devices", () => {
  test.each([
    // A tv, B mobile, C web: one each, ties by name.
    [
      "24h",
      [
        { device: "mobile", sessions: 1, share_pct: 33.3 },
        { device: "tv", sessions: 1, share_pct: 33.3 },
        { device: "web", sessions: 1, share_pct: 33.3 },
      ],
    ],
    // tv A, D; mobile B, E; tablet F; web C — of 6.
    [
      "7d",
      [
        { device: "mobile", sessions: 2, share_pct: 33.3 },
        { device: "tv", sessions: 2, share_pct: 33.3 },
        { device: "tablet", sessions: 1, share_pct: 16.7 },
        { device: "web", sessions: 1, share_pct: 16.7 },
      ],
    ],
    // + G mobile, H tv — of 8.
    [
      "30d",
      [
        { device: "mobile", sessions: 3, share_pct: 37.5 },
        { device: "tv", sessions: 3, share_pct: 37.5 },
        { device: "tablet", sessions: 1, share_pct: 12.5 },
        { device: "web", sessions: 1, share_pct: 12.5 },
      ],
    ],
    // A, D tv; B mobile; C web — of 4.
    [
      "qtd",
      [
        { device: "tv", sessions: 2, share_pct: 50 },
        { device: "mobile", sessions: 1, share_pct: 25 },
        { device: "web", sessions: 1, share_pct: 25 },
      ],
    ],
  ])("range=%s", async (range, expected) => {
    const res = await get(`/v1/analytics/devices?range=${range}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expected);
  });

  test("limit=2 keeps the first two", async () => {
    expect((await get("/v1/analytics/devices?range=30d&limit=2")).body.map((r: { device: string }) => r.device)).toEqual(["mobile", "tv"]);
  });
});

describe("credentials and limits", () => {
  test("an API key is refused with 401: Tapemetric takes a bearer JWT only", async () => {
    const attempts: Record<string, string>[] = [{ "X-Api-Key": acme.apiKey }, { Authorization: `Bearer ${acme.apiKey}` }, {}];
    for (const headers of attempts) {
      const res = await server.get("/v1/analytics/overview", headers);
      expect(res.status).toBe(401);
      expect(res.body.error).toBe("unauthorized");
    }
    expect((await server.get(`/v1/analytics/overview?api_key=${acme.apiKey}`)).body).toEqual({
      error: "unauthorized",
      message: "Missing bearer token: send Authorization: Bearer <jwt>.",
    });
  });

  test("each token gets 300 requests a minute", async () => {
    const res = await get("/v1/analytics/devices");
    expect(res.headers.get("ratelimit-policy")).toBe('"token";q=300;w=60');
    expect(res.headers.get("ratelimit-limit")).toBe("300");
  });
});

describe("bad parameters: 400 with the parameter named", () => {
  test.each([
    ["/v1/analytics/overview?range=1y", `Invalid value "1y" for parameter 'range'. Allowed values: 24h, 7d, 30d, qtd.`],
    ["/v1/analytics/top-content?range=7D", `Invalid value "7D" for parameter 'range'. Allowed values: 24h, 7d, 30d, qtd.`],
    ["/v1/analytics/top-content?limit=201", "Parameter 'limit' must be at most 200 (got 201)."],
    ["/v1/analytics/geo?limit=0", "Parameter 'limit' must be at least 1 (got 0)."],
    ["/v1/analytics/devices?limit=ten", `Parameter 'limit' must be a number (got "ten").`],
    ["/v1/analytics/devices?limit=2.5", "Parameter 'limit' must be an integer (got 2.5)."],
    ["/v1/analytics/geo?offset=-1", "Parameter 'offset' must be at least 0 (got -1)."],
  ])("%s", async (path, message) => {
    const res = await get(path);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: "invalid_parameter", message });
  });
});
