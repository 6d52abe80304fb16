// The query API (CONTRACT §17) answers byte for byte the same on DuckDB and on ClickHouse: the query
// tests' hand-made fixtures (support/query-fixtures.ts) loaded into both stores, and questions covering
// every metric and dimension, filters, zone buckets across DST changes and in half-hour zones, comparison,
// paging, CSV and dimension values asked of both, the answers compared as text.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { endpointByName } from "../../shared/catalog/index.ts";
import { csvOf } from "../../shared/query/answer.ts";
import {
  CDP_EVENTS,
  CDP_MEMBERS,
  CDP_MEMBERSHIPS,
  CDP_SEGMENTS,
  QUERY_NOW,
  TAPEMETRIC_CONTENT,
  TAPEMETRIC_SESSIONS,
  TAPRAIN_CLICKS,
  TAPRAIN_CONVERSIONS,
} from "../support/query-fixtures.ts";
import { startParity, type Parity } from "../support/parity.ts";

let parity: Parity;

beforeAll(async () => {
  parity = await startParity({ name: "query-parity", now: QUERY_NOW });
  await parity.load("tr", "tr_clicks", TAPRAIN_CLICKS);
  await parity.load("tr", "tr_conversions", TAPRAIN_CONVERSIONS);
  // A replaced click (the later load wins on both stores) and another workspace's rows that must never count.
  await parity.load("tr", "tr_clicks", [{ click_id: "c8", ts: "2026-02-10T13:00:00Z", country: "DE", offer: "Swagbucks", source: "tiktok_ads" }]);
  await parity.load("other", "tr_clicks", [{ click_id: "g1", ts: "2026-03-08T12:00:00Z", country: "US", offer: "Freecash CPI" }]);
  await parity.load("tm", "tm_content", TAPEMETRIC_CONTENT);
  await parity.load("tm", "tm_sessions", TAPEMETRIC_SESSIONS);
  await parity.load("cdp", "cdp_members", CDP_MEMBERS);
  await parity.load("cdp", "cdp_segments", CDP_SEGMENTS);
  await parity.load("cdp", "cdp_memberships", CDP_MEMBERSHIPS);
  await parity.load("cdp", "cdp_events", CDP_EVENTS);
}, 120_000);

afterAll(async () => {
  await parity?.close();
});

/** Asks both engines; the answer must be a real answer (two identical errors prove nothing), and its CSV the same too. */
async function expectSameAnswer(name: string, ws: string, params: Record<string, unknown>): Promise<void> {
  const body = await parity.expectSame(name, ws, params);
  expect(body, body).not.toMatch(/^\{"error"/);
  const endpoint = endpointByName(name);
  const { duckdb, clickhouse } = await parity.ask(name, ws, params);
  if (endpoint?.tabular) expect(csvOf(endpoint.tabular(JSON.parse(clickhouse)))).toBe(csvOf(endpoint.tabular(JSON.parse(duckdb))));
}

const TR_ALL = ["clicks", "leads", "revenue", "cvr", "epc"];
const day = (date: string) => ({ range: "custom", start: date, end: date });
const MARCH_7_TO_9 = { range: "custom", start: "2026-03-07", end: "2026-03-09" };
const FIRST_QUARTER = { range: "custom", start: "2026-01-01", end: "2026-03-31" };

describe("Taprain queries on both engines", () => {
  test.each<[string, Record<string, unknown>]>([
    ["New York's spring-forward day by hour, every metric", { metrics: TR_ALL, dimensions: ["time:hour"], ...day("2026-03-08") }],
    ["New York's fall-back day by hour (01:00 twice)", { metrics: ["clicks", "leads"], dimensions: ["time:hour"], ...day("2026-11-01") }],
    ["Kolkata (+05:30) by hour", { metrics: ["clicks", "revenue"], dimensions: ["time:hour"], ...day("2026-03-08"), timezone: "Asia/Kolkata" }],
    ["Kathmandu (+05:45) by hour and offer", { metrics: ["clicks"], dimensions: ["offer", "time:hour"], ...day("2026-03-08"), timezone: "Asia/Kathmandu" }],
    ["Adelaide's DST end by hour", { metrics: ["clicks"], dimensions: ["time:hour"], range: "custom", start: "2026-04-04", end: "2026-04-06", timezone: "Australia/Adelaide" }],
    ["days across the DST change", { metrics: ["clicks", "leads", "revenue"], dimensions: ["time:day"], ...MARCH_7_TO_9 }],
    ["ISO weeks of a quarter in Adelaide", { metrics: ["clicks", "revenue"], dimensions: ["time:week"], ...FIRST_QUARTER, timezone: "Australia/Adelaide" }],
    ["months by country", { metrics: ["clicks", "leads"], dimensions: ["time:month", "country"], ...FIRST_QUARTER }],
    ["by country, every metric", { metrics: ["revenue", "clicks", "cvr", "epc", "leads"], dimensions: ["country"], ...MARCH_7_TO_9 }],
    ["by source and offer, ordered by clicks", { metrics: ["clicks", "leads"], dimensions: ["source", "offer"], ...MARCH_7_TO_9, order_by: [["clicks", "desc"]] }],
    ["three dimensions", { metrics: ["epc", "cvr"], dimensions: ["country", "source", "time:day"], ...MARCH_7_TO_9, order_by: [["epc", "desc"], ["country", "asc"]] }],
    ["source contains tiktok, by offer", { metrics: ["clicks", "revenue"], dimensions: ["offer"], ...FIRST_QUARTER, filters: [["source", "contains", ["TIKTOK"]]] }],
    ["country is us and source is_not google", { metrics: ["clicks", "revenue"], dimensions: ["source"], ...MARCH_7_TO_9, filters: [["country", "is", ["us"]], ["source", "is_not", ["google"]]] }],
    ["the displayed values Direct and Unknown as filters", { metrics: ["clicks"], ...MARCH_7_TO_9, filters: "source is Direct, google; country is_not Unknown" }],
    ["March against February", { metrics: ["revenue", "clicks"], dimensions: ["offer"], range: "custom", start: "2026-03-01", end: "2026-03-31", compare: "previous_period" }],
    ["days against the days before", { metrics: ["clicks", "cvr"], dimensions: ["time:day"], range: "custom", start: "2026-03-08", end: "2026-03-09", compare: "previous_period" }],
    ["weeks by offer against the weeks before", { metrics: ["revenue"], dimensions: ["offer", "time:week"], range: "custom", start: "2026-03-01", end: "2026-03-31", compare: "previous_period" }],
    ["7days in UTC against the 7 days before", { metrics: TR_ALL, range: "7days", timezone: "UTC", compare: "previous_period" }],
    ["the first page of two", { metrics: ["clicks"], dimensions: ["country"], ...MARCH_7_TO_9, order_by: "clicks desc", limit: 2 }],
    ["the last page", { metrics: ["clicks"], dimensions: ["country"], ...MARCH_7_TO_9, order_by: "clicks desc", limit: 2, offset: 2 }],
    ["beyond the last page", { metrics: ["clicks"], dimensions: ["country"], ...MARCH_7_TO_9, offset: 10 }],
    ["a page of hours", { metrics: ["clicks"], dimensions: ["time:hour"], ...day("2026-03-08"), limit: 5, offset: 3 }],
    ["CSV with comparison", { metrics: ["revenue", "clicks"], dimensions: ["country"], ...MARCH_7_TO_9, compare: "previous_period", format: "csv" }],
    ["an empty period", { metrics: TR_ALL, dimensions: ["offer", "time:day"], range: "custom", start: "2025-01-01", end: "2025-01-03" }],
    ["today (open period)", { metrics: ["clicks"], dimensions: ["time:hour"], range: "today" }],
  ])("%s", async (_, body) => {
    await expectSameAnswer("taprain_query", "tr", body);
  });

  test.each(["offer", "country", "source"])("values of %s", async (dimension) => {
    await expectSameAnswer("taprain_dimension_values", "tr", { dimension, ...FIRST_QUARTER, timezone: "Asia/Kolkata" });
    await expectSameAnswer("taprain_dimension_values", "empty", { dimension });
  });
});

const TM_ALL = ["sessions", "watch_hours", "viewers", "completion_pct", "avg_watch_minutes", "rebuffer_ratio"];

describe("Tapemetric queries on both engines", () => {
  test.each<[string, Record<string, unknown>]>([
    ["7d unsplit, every metric", { metrics: TM_ALL, range: "7d" }],
    ["by title (unknown content keeps its id)", { metrics: TM_ALL, dimensions: ["title"], range: "7d" }],
    ["by content type and content id", { metrics: ["viewers"], dimensions: ["content_type", "content_id"], range: "7d", order_by: [["content_type", "asc"]] }],
    ["by PoP", { metrics: ["rebuffer_ratio", "avg_watch_minutes"], dimensions: ["pop"], range: "7d" }],
    ["by region over 30 days", { metrics: ["watch_hours", "viewers"], dimensions: ["region"], range: "30d" }],
    ["by UTC day and device, titles containing live or MONSOON", { metrics: ["sessions"], dimensions: ["time:day", "device"], range: "custom", start: "2026-03-16", end: "2026-03-17", filters: [["title", "contains", ["live", "MONSOON"]]] }],
    ["qtd by month, content type is_not live", { metrics: ["sessions", "viewers"], dimensions: ["time:month"], range: "qtd", filters: [["content_type", "is_not", ["live"]]] }],
    ["watch hours by device in Maharashtra yesterday, hour by hour", { metrics: ["watch_hours"], dimensions: ["device", "time:hour"], filters: [["region", "is", ["Maharashtra"]]], ...day("2026-03-17"), order_by: [["time:hour", "asc"]] }],
    ["7d against the 7 days before, by device", { metrics: ["sessions", "watch_hours", "completion_pct"], dimensions: ["device"], range: "7d", compare: "previous_period" }],
    ["30d by week against the 30 days before", { metrics: ["viewers", "rebuffer_ratio"], dimensions: ["time:week"], range: "30d", compare: "previous_period" }],
    ["24h by hour", { metrics: ["sessions"], dimensions: ["time:hour"], range: "24h" }],
    ["a page by watch time", { metrics: ["watch_hours"], dimensions: ["region", "device"], range: "30d", limit: 2, offset: 1, format: "csv" }],
  ])("%s", async (_, body) => {
    await expectSameAnswer("tapemetric_query", "tm", body);
  });

  test.each(["title", "pop", "content_type"])("values of %s", async (dimension) => {
    await expectSameAnswer("tapemetric_dimension_values", "tm", { dimension, range: "30d" });
  });
});

describe("CDP queries on both engines", () => {
  test.each<[string, Record<string, unknown>]>([
    ["unsplit", { metrics: ["events", "active_members", "new_members"] }],
    ["by event type", { metrics: ["events", "active_members"], dimensions: ["event_type"] }],
    ["by current segment (a member in two segments counts in each, once in the totals)", { metrics: ["events", "active_members", "new_members"], dimensions: ["segment"] }],
    ["segment filter without the split", { metrics: ["events", "active_members"], filters: [["segment", "is", ["Buyers", "Browsers"]]] }],
    ["segment is_not", { metrics: ["events", "new_members"], filters: "segment is_not Browsers" }],
    ["segment contains, split by event type", { metrics: ["events"], dimensions: ["event_type"], filters: [["segment", "contains", ["BUY"]]], range: "30d" }],
    ["by UTC day, purchases only", { metrics: ["events"], dimensions: ["time:day"], range: "custom", start: "2026-03-15", end: "2026-03-17", filters: [["event_type", "contains", ["PURCH"]]] }],
    ["new members by ISO week", { metrics: ["new_members"], dimensions: ["week"], range: "custom", start: "2026-03-02", end: "2026-03-22" }],
    ["segment by day against the days before", { metrics: ["events", "new_members"], dimensions: ["segment", "time:day"], range: "7d", compare: "previous_period" }],
    ["qtd by month", { metrics: ["events", "active_members"], dimensions: ["time:month"], range: "qtd" }],
  ])("%s", async (_, body) => {
    await expectSameAnswer("cdp_query", "cdp", body);
  });

  test.each(["segment", "event_type"])("values of %s", async (dimension) => {
    await expectSameAnswer("cdp_dimension_values", "cdp", { dimension, range: "30d" });
  });
});
