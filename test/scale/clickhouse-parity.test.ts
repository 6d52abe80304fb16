// Every endpoint answers byte for byte the same on DuckDB and on ClickHouse (CONTRACT §14): the same rows
// loaded into both stores, every endpoint asked the same questions, the JSON compared as text. ClickHouse
// is the real engine (chdb) reached over real HTTP through test/support/clickhouse-http.ts.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { evaluateQosRule } from "../../shared/alerts/qos-rule.ts";
import { Accounts } from "../../shared/auth/accounts.ts";
import { deriveKeys } from "../../shared/auth/secrets.ts";
import { seedWorkspace } from "../../shared/seed/demo.ts";
import { copyData } from "../../shared/store/copy.ts";
import { tableSpec } from "../../shared/store/tables.ts";
import { startParity, type Parity } from "../support/parity.ts";

let parity: Parity;
const load: Parity["load"] = (...args) => parity.load(...args);
const ask: Parity["ask"] = (...args) => parity.ask(...args);
const expectSame: Parity["expectSame"] = (...args) => parity.expectSame(...args);

beforeAll(async () => {
  parity = await startParity({ name: "parity", now: "2026-03-18T15:30:00Z" });

  // Tapemetric: sessions around NOW, a replaced session, content missing from the catalogue, open sessions.
  await load("tm", "tm_content", [
    { content_id: "c1", title: "Night Shift", content_type: "series" },
    { content_id: "c2", title: "Old Title", content_type: "movie" },
    { content_id: "c2", title: "Monsoon", content_type: "movie" },
  ]);
  const session = (id: string, user: string, content: string, started: string, extra: Record<string, unknown> = {}) => ({
    session_id: id, user_id: user, content_id: content, device: "tv", region: "Maharashtra", pop: "ap-south-1",
    started_at: started, watch_seconds: 1800, completed: true, ...extra,
  });
  await load("tm", "tm_sessions", [
    session("s1", "u1", "c1", "2026-03-18T14:00:00Z", { ended_at: "2026-03-18T14:30:00Z" }),
    session("s2", "u2", "c1", "2026-03-18T15:00:00Z", { device: "mobile", region: "Kerala", completed: false, watch_seconds: 600 }),
    session("s3", "u1", "c2", "2026-03-17T20:00:00Z", { ended_at: "2026-03-17T21:00:00Z", device: "web", watch_seconds: 3600 }),
    session("s4", "u3", "c9", "2026-03-12T10:00:00Z", { ended_at: "2026-03-12T10:20:00Z", region: "Kerala", watch_seconds: 1200 }),
    session("s5", "u4", "c2", "2026-02-20T10:00:00Z", { ended_at: "2026-02-20T11:00:00Z", device: "tablet", watch_seconds: 3600 }),
    session("s6", "u5", "c1", "2026-01-02T10:00:00Z", { ended_at: "2026-01-02T10:05:00Z", watch_seconds: 300 }),
    // QoS: ap-south-1 spikes in the last 15 minutes against its 24-hour baseline.
    session("q1", "u6", "c1", "2026-03-18T10:00:00Z", { ended_at: "2026-03-18T11:00:00Z", watch_seconds: 3600, rebuffer_seconds: 36 }),
    session("q2", "u7", "c1", "2026-03-18T15:20:00Z", { watch_seconds: 100, rebuffer_seconds: 20, pop: "ap-south-1" }),
    session("s1", "u1", "c1", "2026-03-18T14:00:00Z", { ended_at: "2026-03-18T14:40:00Z", watch_seconds: 2400 }),
  ]);
  await load("tm", "tm_subscriptions", [
    { subscription_id: "p1", user_id: "u1", plan: "premium", price_inr: 499, started_at: "2026-01-01T00:00:00Z" },
    { subscription_id: "p2", user_id: "u2", plan: "basic", price_inr: 199, started_at: "2026-01-01T00:00:00Z", ended_at: "2026-03-15T00:00:00Z" },
    { subscription_id: "p3", user_id: "u3", plan: "basic", price_inr: 199, started_at: "2026-03-16T00:00:00Z" },
    { subscription_id: "p3", user_id: "u3", plan: "premium", price_inr: 499, started_at: "2026-03-16T00:00:00Z" },
  ]);
  await load("tm", "tm_alerts", [
    { severity: "warning", source: "cdn", title: "Slow edge", description: "p95 up", created_at: "2026-03-18T09:00:00Z" },
    { severity: "info", source: "ops", title: "Deploy", created_at: "2026-03-18T09:00:00Z", acknowledged: true },
    { severity: "critical", source: "qos", title: "Rebuffer spike · eu-west-1", created_at: "2026-03-17T09:00:00Z" },
  ]);

  // Taprain: the DST days of New York, Adelaide's half-hour zone across its DST end, Kolkata, filters.
  await load("tr", "tr_clicks", [
    { click_id: "s0", ts: "2026-03-08T04:59:59Z", offer: "A" },
    { click_id: "s1", ts: "2026-03-08T06:30:00Z", offer: "A" },
    { click_id: "s2", ts: "2026-03-08T07:00:00Z", offer: "A" },
    { click_id: "s3", ts: "2026-03-09T03:59:00Z", offer: "A" },
    { click_id: "f1", ts: "2026-11-01T05:15:00Z", offer: "A" },
    { click_id: "f2", ts: "2026-11-01T06:45:00Z", offer: "A" },
    { click_id: "f3", ts: "2026-11-01T06:50:00Z", offer: "A" },
    { click_id: "a0", ts: "2026-01-14T13:29:59Z", offer: "A" },
    { click_id: "a1", ts: "2026-01-14T13:30:00Z", offer: "A" },
    { click_id: "a3", ts: "2026-01-14T14:30:00Z", offer: "A" },
    { click_id: "a5", ts: "2026-04-04T13:29:00Z", offer: "A" },
    { click_id: "a6", ts: "2026-04-05T14:00:00Z", offer: "A" },
    { click_id: "k0", ts: "2026-03-17T18:29:00Z", offer: "A" },
    { click_id: "k1", ts: "2026-03-17T19:00:00Z", offer: "A" },
    { click_id: "m1", ts: "2026-03-18T04:00:00Z", country: "US", offer: "A", source: "g" },
    { click_id: "m2", ts: "2026-03-18T14:10:00Z", country: "us", offer: "A", source: "g" },
    { click_id: "m3", ts: "2026-03-18T14:10:00Z", country: "US", offer: "A", source: "" },
    { click_id: "m4", ts: "2026-03-18T14:10:00Z", country: "GB", offer: "B", source: "g" },
    { click_id: "m5", ts: "2026-03-18T14:10:00Z", country: "GB", offer: "B", source: "Direct" },
    { click_id: "m6", ts: "2026-03-18T14:10:00Z", country: "", offer: "A", source: "g" },
    { click_id: "m7", ts: "2026-03-18T14:10:00Z", country: "DE", offer: "B", source: "fb" },
    { click_id: "m7", ts: "2026-03-18T15:10:00Z", country: "FR", offer: "B", source: "fb" },
  ]);
  await load("tr", "tr_conversions", [
    { conversion_id: "v1", click_id: "m1", ts: "2026-03-18T14:20:00Z", country: "US", offer: "A", source: "g", revenue: 12.5 },
    { conversion_id: "v2", ts: "2026-03-18T14:25:00Z", country: "GB", offer: "B", revenue: 0.1 },
    { conversion_id: "v3", ts: "2026-03-18T14:26:00Z", country: "GB", offer: "B", source: "g", revenue: 0.2 },
    { conversion_id: "v4", ts: "2026-03-17T12:00:00Z", country: "US", offer: "A", source: "fb", revenue: 3.335 },
    { conversion_id: "v5", ts: "2026-11-01T06:46:00Z", offer: "A", revenue: 7 },
    { conversion_id: "v1", click_id: "m1", ts: "2026-03-18T14:20:00Z", country: "US", offer: "A", source: "g", revenue: 15.25 },
  ]);

  // CDP: memberships with several rows per pair (the greatest updated_at wins, then the later load).
  await load("cdp", "cdp_members", [
    { member_id: "m1", created_at: "2026-01-01T00:00:00Z" },
    { member_id: "m2", created_at: "2026-02-01T00:00:00Z" },
    { member_id: "m3", created_at: "2026-03-18T15:00:00Z" },
    { member_id: "m4", created_at: "2026-03-19T00:00:00Z" },
  ]);
  await load("cdp", "cdp_events", [
    { event_id: "e1", member_id: "m1", ts: "2026-03-01T00:00:00Z", type: "view" },
    { event_id: "e2", member_id: "m2", ts: "2026-02-10T00:00:00Z", type: "view" },
    { event_id: "e3", member_id: "m2", ts: "2026-03-18T15:29:59Z", type: "buy" },
    { event_id: "e4", member_id: "m2", ts: "2026-03-18T15:30:00Z", type: "buy" },
  ]);
  await load("cdp", "cdp_segments", [
    { segment_id: 1, name: "Buyers", active: true, first_computed_at: "2026-01-01T00:00:00Z", last_computed_at: "2026-03-18T12:00:00Z" },
    { segment_id: 2, name: "Browsers", active: true, first_computed_at: "2026-03-10T00:00:00Z", last_computed_at: "2026-03-18T12:00:00Z" },
    { segment_id: 3, name: "Fresh", active: true, first_computed_at: "2026-03-17T12:00:00Z" },
    { segment_id: 4, name: "Retired", active: false, first_computed_at: "2026-01-01T00:00:00Z" },
    { segment_id: 5, name: "Never", active: true },
  ]);
  await load("cdp", "cdp_memberships", [
    { segment_id: 1, member_id: "m1", joined_at: "2026-02-01T00:00:00Z", updated_at: "2026-02-01T00:00:00Z" },
    { segment_id: 1, member_id: "m2", joined_at: "2026-03-01T00:00:00Z", updated_at: "2026-03-01T00:00:00Z" },
    { segment_id: 1, member_id: "m2", joined_at: "2026-03-01T00:00:00Z", left_at: "2026-03-10T00:00:00Z", updated_at: "2026-03-10T00:00:00Z" },
    { segment_id: 2, member_id: "m1", joined_at: "2026-03-12T00:00:00Z", updated_at: "2026-03-12T00:00:00Z" },
    { segment_id: 2, member_id: "m2", joined_at: "2026-03-18T00:00:00Z", updated_at: "2026-03-18T00:00:00Z" },
    { segment_id: 2, member_id: "m3", joined_at: "2026-03-19T00:00:00Z", updated_at: "2026-03-18T00:00:00Z" },
    { segment_id: 3, member_id: "m1", joined_at: "2026-03-17T00:00:00Z", updated_at: "2026-03-17T00:00:00Z" },
    { segment_id: 4, member_id: "m1", joined_at: "2026-01-05T00:00:00Z", updated_at: "2026-01-05T00:00:00Z" },
  ]);
  // A later load with an older updated_at loses; one with an equal updated_at wins.
  await load("cdp", "cdp_memberships", [
    { segment_id: 1, member_id: "m2", joined_at: "2026-03-01T00:00:00Z", updated_at: "2026-03-05T00:00:00Z" },
    { segment_id: 2, member_id: "m1", joined_at: "2026-03-12T00:00:00Z", left_at: "2026-03-15T00:00:00Z", updated_at: "2026-03-12T00:00:00Z" },
  ]);
  await load("cdp", "cdp_activations", [
    { activation_id: 1, segment_id: 1, connector_type: "facebook_ads", status: "active", last_synced_at: "2026-03-18T12:00:00Z" },
    { activation_id: 2, segment_id: 9, connector_type: "webhook", status: "paused", last_error: "timeout" },
  ]);
  await load("cdp", "cdp_sync_logs", [
    { activation_id: 1, status: "success", user_count: 10, synced_at: "2026-03-18T12:00:00Z" },
    { activation_id: 1, status: "error", user_count: 0, error_message: "quota", synced_at: "2026-03-18T12:00:00Z" },
    { activation_id: 1, status: "success", user_count: 12, synced_at: "2026-03-17T12:00:00Z" },
    { activation_id: 1, status: "success", user_count: 12, synced_at: "2026-03-19T12:00:00Z" },
  ]);
  await load("cdp", "cdp_copilot_requests", [
    { request_id: "r1", ts: "2026-03-18T01:00:00Z", status: "success", credits: 2 },
    { request_id: "r2", ts: "2026-03-18T02:00:00Z", status: "error" },
    { request_id: "r3", ts: "2026-02-17T23:59:59Z", status: "success" },
    { request_id: "r4", ts: "2026-02-18T00:00:00Z", status: "success", credits: 0.5 },
  ]);
  await load("cdp", "cdp_subscriptions", [
    { plan_name: "Growth", plan_tier: "growth", period_start: "2026-03-01", period_end: "2026-03-31", events_limit: 1000, users_limit: -1, segments_limit: 10, ai_credits_limit: 50 },
    { plan_name: "Starter", plan_tier: "starter", period_start: "2026-02-01", period_end: "2026-02-28", events_limit: 100, users_limit: 10, segments_limit: 2, ai_credits_limit: 5 },
  ]);
}, 120_000);

afterAll(async () => {
  await parity?.close();
});

describe("Tapemetric on both engines", () => {
  test.each(["24h", "7d", "30d", "qtd"])("overview, top content, geo and devices for %s", async (range) => {
    await expectSame("tapemetric_overview", "tm", { range });
    await expectSame("tapemetric_top_content", "tm", { range });
    await expectSame("tapemetric_geo", "tm", { range });
    await expectSame("tapemetric_devices", "tm", { range });
    await expectSame("tapemetric_overview", "empty", { range });
  });

  test("paging, empty pages and the catalogue's missing titles", async () => {
    expect(await expectSame("tapemetric_top_content", "tm", { range: "30d", limit: 1, offset: 1 })).toContain('"content_id"');
    expect(await expectSame("tapemetric_top_content", "tm", { range: "30d", limit: 5, offset: 50 })).toBe("[]");
    expect(await expectSame("tapemetric_top_content", "tm", { range: "30d" })).toContain('"content_type":"unknown"');
    await expectSame("tapemetric_geo", "tm", { range: "30d", limit: 1, offset: 1 });
    await expectSame("tapemetric_devices", "tm", { range: "qtd", limit: 2, offset: 1 });
  });

  test.each([1, 5, 15, 30, 60])("concurrency every %i minutes", async (interval) => {
    const body = await expectSame("tapemetric_concurrency", "tm", { range: "24h", interval });
    expect(JSON.parse(body).peak).toBeGreaterThan(0);
    await expectSame("tapemetric_concurrency", "tm", { range: "7d", interval: Math.max(interval, 5) });
  });

  test("alerts with filters, acknowledging, and an unknown alert", async () => {
    await expectSame("tapemetric_alerts", "tm", {});
    await expectSame("tapemetric_alerts", "tm", { severity: "critical" });
    await expectSame("tapemetric_alerts", "tm", { acknowledged: false, limit: 1, offset: 1 });
    expect(await expectSame("tapemetric_acknowledge_alert", "tm", { id: 1 })).toContain('"acknowledged":true');
    await expectSame("tapemetric_alerts", "tm", { acknowledged: true });
    expect(await expectSame("tapemetric_acknowledge_alert", "tm", { id: 99 })).toContain("No alert with id 99");
  });

  test("the QoS rule raises the same alerts, once", async () => {
    const evaluate = async (kind: "duckdb" | "clickhouse") =>
      JSON.stringify(await evaluateQosRule({ store: kind === "duckdb" ? parity.duck : parity.house, clock: parity.clock, engine: parity.engines[kind] }, "tm"));
    const first = await evaluate("duckdb");
    expect(await evaluate("clickhouse")).toBe(first);
    expect(JSON.parse(first)).toMatchObject([{ id: 4, severity: "critical", source: "qos", title: "Rebuffer spike · ap-south-1" }]);
    expect(await evaluate("duckdb")).toBe("[]");
    expect(await evaluate("clickhouse")).toBe("[]");
    await expectSame("tapemetric_alerts", "tm", { severity: "critical" });
  });

  test("exports write the same number of rows", async () => {
    const { duckdb, clickhouse } = await ask("tapemetric_export", "tm", { start: "2026-03-01", end: "2026-03-18" });
    expect(JSON.parse(clickhouse).rows).toBe(JSON.parse(duckdb).rows);
    expect(JSON.parse(duckdb).rows).toBe(6);
  });
});

describe("Taprain on both engines", () => {
  const asks: [string, Record<string, unknown>][] = [
    ["today in New York", {}],
    ["spring-forward day in New York", { range: "custom", start: "2026-03-08", end: "2026-03-08" }],
    ["fall-back day in New York (01:00 twice)", { range: "custom", start: "2026-11-01", end: "2026-11-01" }],
    ["a week across New York's spring forward", { range: "custom", start: "2026-03-05", end: "2026-03-11" }],
    ["Adelaide's half-hour day", { range: "custom", start: "2026-01-15", end: "2026-01-15", timezone: "Australia/Adelaide" }],
    ["Adelaide's DST end", { range: "custom", start: "2026-04-04", end: "2026-04-06", timezone: "Australia/Adelaide" }],
    ["Kolkata today", { timezone: "Asia/Kolkata" }],
    ["Kolkata 7 days", { range: "7days", timezone: "Asia/Kolkata" }],
    ["hour", { range: "hour" }],
    ["yesterday", { range: "yesterday" }],
    ["30 days in UTC", { range: "30days", timezone: "UTC" }],
    ["country filter", { country: "us,GB" }],
    ["source filter with Direct", { source: "Direct,g" }],
    ["offer filter", { offer: "B" }],
    ["an empty period", { range: "custom", start: "2025-01-01", end: "2025-01-03" }],
  ];
  test.each(asks)("%s", async (_, params) => {
    await expectSame("taprain_stats", "tr", params);
    await expectSame("taprain_stats", "empty", params);
  });
});

describe("CDP on both engines", () => {
  test.each(["cdp_overview", "cdp_segments", "cdp_overlap", "cdp_activations", "cdp_copilot", "cdp_usage"])("%s", async (name) => {
    const body = await expectSame(name, "cdp", {});
    expect(body).not.toMatch(/^\{"error":/);
    await expectSame(name, "empty", {});
  });

  test("latest memberships: the trend and the overlap at another instant", async () => {
    const saved = parity.clock.now();
    parity.setNow(new Date("2026-03-19T12:00:00Z"));
    try {
      await expectSame("cdp_segments", "cdp", {});
      await expectSame("cdp_overlap", "cdp", {});
      await expectSame("cdp_activations", "cdp", {});
    } finally {
      parity.setNow(saved);
    }
  });
});

// The seeded demo workspace, generated in DuckDB and copied into ClickHouse as `metrigate copy` does.
// PARITY_DEMO_SCALE=1000000 runs the full size (minutes on a busy 2-core machine).
describe("the seeded demo workspace on both engines", () => {
  const scale = Number(process.env.PARITY_DEMO_SCALE ?? 20_000);

  test(`every endpoint at a scale of ${scale} events per API`, async () => {
    const accounts = new Accounts(parity.duck, deriveKeys("parity-secret-parity-secret-0123"), parity.clock);
    await seedWorkspace({ store: parity.duck, accounts }, { workspaceId: "demo", scale, nowMs: parity.clock.now().getTime() });
    const fractions: number[] = [];
    await copyData(parity.duck, parity.house, ["demo"]);
    // Copied again, as an operator repeating `metrigate copy` would: every table replaced, none doubled.
    const copied = await copyData(parity.duck, parity.house, ["demo"], ({ fraction }) => fractions.push(fraction));
    expect(copied.find((t) => t.table === "tr_clicks")?.rows).toBeGreaterThan(0);
    expect(fractions.at(-1)).toBe(1);
    for (const { table, rows } of copied) {
      const final = tableSpec(table).replaceKey || tableSpec(table).generatedId ? "FINAL" : "";
      const [stored] = await parity.house.query<{ n: number }>(`SELECT count() AS n FROM ${table} ${final} WHERE workspace_id = 'demo'`);
      expect({ table, rows: stored?.n }).toEqual({ table, rows });
    }
    expect(copied.filter((t) => t.table === "cdp_sync_logs" || t.table === "tm_alerts").every((t) => t.rows > 0)).toBe(true);
    for (const range of ["24h", "7d", "30d", "qtd"]) {
      for (const name of ["tapemetric_overview", "tapemetric_top_content", "tapemetric_geo", "tapemetric_devices"]) {
        await expectSame(name, "demo", { range });
      }
    }
    await expectSame("tapemetric_concurrency", "demo", { range: "24h", interval: 5 });
    await expectSame("tapemetric_alerts", "demo", {});
    for (const params of [{}, { range: "7days" }, { range: "30days", timezone: "Asia/Kolkata" }, { range: "yesterday", timezone: "Australia/Adelaide" }]) {
      await expectSame("taprain_stats", "demo", params);
    }
    for (const name of ["cdp_overview", "cdp_segments", "cdp_overlap", "cdp_activations", "cdp_copilot", "cdp_usage"]) {
      await expectSame(name, "demo", {});
    }
    // The query API over the same data: the two example questions and a segment breakdown.
    const queries: [string, Record<string, unknown>][] = [
      ["taprain_query", { metrics: ["revenue", "clicks", "cvr"], dimensions: ["offer", "time:week"], filters: [["country", "is", ["US"]]], range: "30days", compare: "previous_period" }],
      ["taprain_query", { metrics: ["epc", "leads"], dimensions: ["source", "time:hour"], range: "yesterday", timezone: "Asia/Kolkata", limit: 50 }],
      ["tapemetric_query", { metrics: ["watch_hours", "viewers", "rebuffer_ratio"], dimensions: ["device", "time:hour"], filters: [["region", "is", ["Maharashtra"]]], range: "24h" }],
      ["tapemetric_query", { metrics: ["sessions", "completion_pct", "avg_watch_minutes"], dimensions: ["title", "pop"], range: "30d", limit: 20 }],
      ["cdp_query", { metrics: ["events", "active_members", "new_members"], dimensions: ["segment", "time:day"], range: "7d", compare: "previous_period" }],
      ["taprain_dimension_values", { dimension: "offer", range: "30days" }],
    ];
    for (const [name, params] of queries) expect(await expectSame(name, "demo", params)).not.toMatch(/^\{"error"/);
  }, 600_000);
});
