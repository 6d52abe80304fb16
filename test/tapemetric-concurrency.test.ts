// GET /v1/analytics/concurrency (CONTRACT §9.3) through the HTTP API: sessions playing at UTC-aligned
// points, with sessions that started before the range, end exactly on a point, still play, or start at
// now — every value worked out by hand below.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestServer, type Credentials, type TestServer } from "./support/server.ts";

const NOW = "2026-04-02T12:00:00Z";

const session = (id: string, started_at: string, ended_at = "") => ({
  session_id: id,
  user_id: `user-${id}`,
  content_id: "c1",
  device: "tv",
  region: "Delhi",
  pop: "del-edge-1",
  started_at,
  ended_at,
  watch_seconds: 60,
  completed: false,
});

const SESSIONS = [
  session("L1", "2026-04-01T10:00:00Z", "2026-04-01T13:00:00Z"), // before the 24h start, ends on the 13:00 point
  session("L2", "2026-04-01T12:30:00Z", "2026-04-01T14:00:00Z"),
  session("L3", "2026-04-01T13:00:00Z"), // starts on a point and still plays
  session("L4", "2026-04-02T11:59:59Z"), // still plays
  session("L5", "2026-04-02T12:00:00Z"), // starts at now: playing at the now point
  session("L6", "2026-03-25T00:00:00Z", "2026-04-01T11:00:00Z"), // ends before the 24h start
  session("L7", "2026-04-01T15:10:00Z", "2026-04-01T15:50:00Z"), // between two hourly points
  session("L8", "2026-04-02T13:00:00Z"), // after now
  session("L10", "2026-04-01T12:45:00Z", "2026-04-01T13:30:00Z"),
  session("L11", "2026-04-01T20:00:00Z", "2026-04-01T20:00:00Z"), // zero length: never playing
  session("L12", "2026-04-01T21:00:00Z", "2026-04-01T20:30:00Z"), // ends before it starts: never playing
];

const ones = (n: number) => Array.from({ length: n }, () => 1);

let server: TestServer;
let live: Credentials;

beforeAll(async () => {
  server = await startTestServer({ now: NOW });
  live = await server.workspace("live", "starter");
  await server.insert("live", "tm_sessions", SESSIONS);
});
afterAll(() => server.close());

const get = (path: string, who: Credentials = live, on: TestServer = server) => on.get(path, { Authorization: `Bearer ${who.token}` });
const values = (body: { points: { value: number }[] }) => body.points.map((p) => p.value);

describe("points and values", () => {
  test("24h every 60 minutes: 25 points from 04-01 12:00 to now, both ends included", async () => {
    // 12:00 L1 · 13:00 L2, L3, L10 · 14:00 .. 04-02 11:00 L3 · 04-02 12:00 L3, L4, L5.
    const res = await get("/v1/analytics/concurrency?range=24h&interval=60");
    expect(res.status).toBe(200);
    expect(res.body.range).toBe("24h");
    expect(res.body.interval_minutes).toBe(60);
    expect(res.body.points.length).toBe(25);
    expect(res.body.points[0]).toEqual({ ts: "2026-04-01T12:00:00Z", value: 1 });
    expect(res.body.points[24]).toEqual({ ts: "2026-04-02T12:00:00Z", value: 3 });
    expect(values(res.body)).toEqual([1, 3, ...ones(22), 3]);
    // 3 is reached at 13:00 and again at now: the earliest wins.
    expect(res.body.peak).toBe(3);
    expect(res.body.peak_at).toBe("2026-04-01T13:00:00Z");
  });

  test("24h every 15 minutes (the defaults): 97 points", async () => {
    // 12:00 L1 · 12:15 L1 · 12:30 L1 L2 · 12:45 L1 L2 L10 · 13:00, 13:15 L2 L3 L10 · 13:30, 13:45 L2 L3 ·
    // 14:00..15:00 L3 · 15:15..15:45 L3 L7 · 16:00..04-02 11:45 L3 (80 points) · 12:00 L3 L4 L5.
    const res = await get("/v1/analytics/concurrency");
    expect(res.body.range).toBe("24h");
    expect(res.body.interval_minutes).toBe(15);
    expect(values(res.body)).toEqual([1, 1, 2, 3, 3, 3, 2, 2, ...ones(5), 2, 2, 2, ...ones(80), 3]);
    expect(res.body.points[3].ts).toBe("2026-04-01T12:45:00Z");
    expect(res.body.peak).toBe(3);
    expect(res.body.peak_at).toBe("2026-04-01T12:45:00Z");
  });

  test("7d every 60 minutes: a session that started before the range counts from the first point", async () => {
    // 03-26 12:00 .. 04-01 09:00 L6 (142 points) · 10:00 L6 L1 · 11:00 L1 (L6 ended) · 12:00 L1 · 13:00 3 ·
    // 14:00 .. 04-02 11:00 L3 · now 3.
    const res = await get("/v1/analytics/concurrency?range=7d&interval=60");
    expect(res.body.points.length).toBe(169);
    expect(res.body.points[0]).toEqual({ ts: "2026-03-26T12:00:00Z", value: 1 });
    expect(values(res.body)).toEqual([...ones(142), 2, 1, 1, 3, ...ones(22), 3]);
    expect(res.body.peak_at).toBe("2026-04-01T13:00:00Z");
  });

  test("qtd every 60 minutes: from the quarter's first midnight", async () => {
    const res = await get("/v1/analytics/concurrency?range=qtd&interval=60");
    expect(res.body.points[0]).toEqual({ ts: "2026-04-01T00:00:00Z", value: 1 });
    expect(values(res.body)).toEqual([...ones(10), 2, 1, 1, 3, ...ones(22), 3]);
  });

  test("30d every 30 minutes: 1441 points, before any session the value is 0", async () => {
    // 12:30 L1 L2 · 13:00 L2 L3 L10 · 13:30 L2 L3 (L10 ends on the point).
    const res = await get("/v1/analytics/concurrency?range=30d&interval=30");
    expect(res.body.points.length).toBe(1441);
    expect(res.body.points[0]).toEqual({ ts: "2026-03-03T12:00:00Z", value: 0 });
    const at = (ts: string) => res.body.points.find((p: { ts: string }) => p.ts === ts)?.value;
    expect([at("2026-04-01T12:30:00Z"), at("2026-04-01T13:00:00Z"), at("2026-04-01T13:30:00Z")]).toEqual([2, 3, 2]);
    expect(res.body.peak).toBe(3);
    expect(res.body.peak_at).toBe("2026-04-01T13:00:00Z");
  });

  test("a workspace without sessions: zeros, the peak at the first point", async () => {
    const quiet = await server.workspace("quiet", "starter");
    const res = await get("/v1/analytics/concurrency?range=24h&interval=60", quiet);
    expect(values(res.body)).toEqual(Array.from({ length: 25 }, () => 0));
    expect(res.body.peak).toBe(0);
    expect(res.body.peak_at).toBe("2026-04-01T12:00:00Z");
  });
});

describe("a now between two multiples", () => {
  let offset: TestServer;
  let token: Credentials;
  beforeAll(async () => {
    offset = await startTestServer({ now: "2026-04-02T12:07:30Z" });
    token = await offset.workspace("live", "starter");
    await offset.insert("live", "tm_sessions", SESSIONS);
  });
  afterAll(() => offset.close());

  test("points start at the first multiple after the range start and end at the last one before now", async () => {
    // The range starts 04-01 12:07:30: the first quarter hour in it is 12:15 (L1), the last before now 12:00 (L3 L4 L5).
    const res = await get("/v1/analytics/concurrency?range=24h&interval=15", token, offset);
    expect(res.body.points.length).toBe(96);
    expect(res.body.points[0]).toEqual({ ts: "2026-04-01T12:15:00Z", value: 1 });
    expect(res.body.points[95]).toEqual({ ts: "2026-04-02T12:00:00Z", value: 3 });
  });
});

describe("the 2,880-point cap and other bad input", () => {
  test.each([
    ["range=24h&interval=1", 1441],
    ["range=qtd&interval=1", 2161],
  ])("%s is allowed (%i points)", async (query, count) => {
    const res = await get(`/v1/analytics/concurrency?${query}`);
    expect(res.status).toBe(200);
    expect(res.body.points.length).toBe(count);
  });

  test.each([
    ["range=7d&interval=1", "Parameter 'interval' is too small for range 7d: 10081 points, at most 2880 are allowed. Use interval=5 or larger."],
    // 30 days every 15 minutes with both ends on a multiple is one point too many.
    ["range=30d&interval=15", "Parameter 'interval' is too small for range 30d: 2881 points, at most 2880 are allowed. Use interval=30 or larger."],
    ["range=30d&interval=5", "Parameter 'interval' is too small for range 30d: 8641 points, at most 2880 are allowed. Use interval=30 or larger."],
    ["interval=7", "Invalid value 7 for parameter 'interval'. Allowed values: 1, 5, 15, 30, 60."],
    ["interval=abc", `Parameter 'interval' must be a number (got "abc").`],
    ["range=90d", `Invalid value "90d" for parameter 'range'. Allowed values: 24h, 7d, 30d, qtd.`],
  ])("%s → 400", async (query, message) => {
    const res = await get(`/v1/analytics/concurrency?${query}`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: "invalid_parameter", message });
  });
});
