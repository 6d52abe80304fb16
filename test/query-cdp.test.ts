// CDP query API (CONTRACT §17) over a hand-made fixture: events, active and new members by event type,
// current segment (a member in two segments counts in each row, once in the totals) and UTC time.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { postQuery } from "./support/query.ts";
import { CDP_EVENTS, CDP_MEMBERS, CDP_MEMBERSHIPS, CDP_SEGMENTS, QUERY_NOW as NOW } from "./support/query-fixtures.ts";
import { startTestServer, type Credentials, type TestServer } from "./support/server.ts";

let server: TestServer;
let acme: Credentials;

const query = (body: Record<string, unknown>) => postQuery(server, "cdp", { "X-Api-Key": acme.apiKey }, body);

beforeAll(async () => {
  server = await startTestServer({ now: NOW });
  acme = await server.workspace("acme");
  await server.insert("acme", "cdp_members", CDP_MEMBERS);
  await server.insert("acme", "cdp_segments", CDP_SEGMENTS);
  await server.insert("acme", "cdp_memberships", CDP_MEMBERSHIPS);
  await server.insert("acme", "cdp_events", CDP_EVENTS);
});

afterAll(async () => {
  await server.close();
});

describe("rows worked out by hand (7d: e1–e4; members c and d are new)", () => {
  test.each([
    { name: "unsplit", body: { metrics: ["events", "active_members", "new_members"] }, rows: [[[], [4, 3, 2]]], totals: [4, 3, 2] },
    {
      name: "by event type",
      body: { metrics: ["events", "active_members"], dimensions: ["event_type"] },
      rows: [
        [["page_view"], [2, 2]], // e1 (a), e4 (c)
        [["purchase"], [2, 2]], // e2 (b), e3 (a)
      ],
      totals: [4, 3],
    },
    {
      name: "by current segment: a counts in both, c is in none (left Buyers, Old is inactive), d joined Buyers",
      body: { metrics: ["events", "active_members", "new_members"], dimensions: ["segment"] },
      rows: [
        [["Browsers"], [3, 2, 0]], // a: e1 e3, b: e2
        [["Buyers"], [2, 1, 1]], // a: e1 e3; new: d
      ],
      totals: [4, 3, 2],
    },
    {
      name: "segment filter without the split: a member in any listed segment, counted once",
      body: { metrics: ["events", "active_members"], filters: [["segment", "is", ["Buyers", "Browsers"]]] },
      rows: [[[], [3, 2]]], // a: e1 e3, b: e2
      totals: [3, 2],
    },
    {
      name: "segment is_not: members outside Browsers (c, and d who has no events)",
      body: { metrics: ["events", "new_members"], filters: "segment is_not Browsers" },
      rows: [[[], [1, 2]]], // e4 (c); new c, d
      totals: [1, 2],
    },
    {
      name: "by UTC day, purchases only",
      body: { metrics: ["events"], dimensions: ["time:day"], range: "custom", start: "2026-03-15", end: "2026-03-17", filters: [["event_type", "contains", ["PURCH"]]] },
      rows: [
        [["2026-03-15"], [0]],
        [["2026-03-16"], [2]],
        [["2026-03-17"], [0]],
      ],
      totals: [2],
    },
    {
      name: "new members by ISO week",
      body: { metrics: ["new_members"], dimensions: ["week"], range: "custom", start: "2026-03-02", end: "2026-03-22" },
      rows: [
        [["2026-03-02"], [0]],
        [["2026-03-09"], [1]], // b, Tuesday 2026-03-10
        [["2026-03-16"], [2]], // c, d
      ],
      totals: [3],
    },
  ])("$name", async ({ body, rows, totals }) => {
    const res = await query(body);
    expect(res.status, res.text).toBe(200);
    expect(res.body.results.map((r: { dimensions: string[]; metrics: number[] }) => [r.dimensions, r.metrics])).toEqual(rows);
    expect(res.body.meta.totals).toEqual(totals);
  });
});

test("segment values with their events", async () => {
  const res = await server.get("/v1/query/cdp/values?dimension=segment&range=30d", { "X-Api-Key": acme.apiKey });
  expect(res.body.values).toEqual([
    { value: "Browsers", count: 4 }, // a: e1 e3 e5, b: e2
    { value: "Buyers", count: 3 }, // a: e1 e3 e5
  ]);
});

test("the same events as the overview's events_30d", async () => {
  const overview = await server.get("/api/analytics/overview/", { "X-Api-Key": acme.apiKey });
  const res = await query({ metrics: ["events"], range: "30d" });
  expect(res.body.results[0].metrics).toEqual([overview.body.events_30d]);
});

describe("400s in CDP's shape", () => {
  test.each([
    [{ metrics: ["new_members"], dimensions: ["event_type"] }, 'Metric "new_members" cannot be split or filtered by "event_type". Dimensions it allows: segment, time:hour, time:day, time:week, time:month.'],
    [{ metrics: ["events", "new_members"], filters: [["event_type", "is", ["purchase"]]] }, 'Metric "new_members" cannot be split or filtered by "event_type". Dimensions it allows: segment, time:hour, time:day, time:week, time:month.'],
    [{ dimensions: ["offer"] }, 'Unknown dimension "offer" in \'dimensions\'. Allowed dimensions: event_type, segment, time:hour, time:day, time:week, time:month.'],
  ])("%j", async (body, message) => {
    const res = await query(body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ detail: message });
  });
});
