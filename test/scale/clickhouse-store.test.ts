// The ClickHouse store over real HTTP against the real engine (chdb behind test/support/clickhouse-http.ts):
// schema and version table, replacing loads, bound parameters, one-line start-up errors, 503 and recovery.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ClickHouseStore, SCHEMA_VERSION } from "../../shared/store/clickhouse.ts";
import { tableSpec } from "../../shared/store/tables.ts";
import { startClickHouseHttp, type ClickHouseHttp } from "../support/clickhouse-http.ts";

let dir: string;
let engine: ClickHouseHttp;
let store: ClickHouseStore;
const options = () => ({ url: engine.url, user: "metrigate", password: "s3cret", database: "store_test" });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "metrigate-ch-store-"));
  engine = await startClickHouseHttp({ dataDir: join(dir, "engine"), user: "metrigate", password: "s3cret" });
  await engine.command("CREATE DATABASE IF NOT EXISTS store_test");
  store = await ClickHouseStore.open(options());
});

afterAll(async () => {
  await store?.close();
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

const ms = (iso: string) => Date.parse(iso);

describe("ClickHouseStore", () => {
  test("creates the schema once and records its version", async () => {
    const again = await ClickHouseStore.open(options());
    await again.close();
    const versions = await store.query<{ version: number }>("SELECT version FROM mg_schema_version ORDER BY version");
    expect(versions).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => ({ version: i + 1 })));
    const engines = await store.query<{ name: string; engine: string }>(
      "SELECT name, engine FROM system.tables WHERE database = currentDatabase() AND name IN ('tm_sessions', 'cdp_sync_logs') ORDER BY name",
    );
    expect(engines).toEqual([
      { name: "cdp_sync_logs", engine: "MergeTree" },
      { name: "tm_sessions", engine: "ReplacingMergeTree" },
    ]);
  });

  test("a version-1 database (data tables only) gains the account and OAuth tables and keeps its rows", async () => {
    await engine.command("CREATE DATABASE IF NOT EXISTS old_schema");
    await engine.command("CREATE TABLE old_schema.mg_schema_version (version UInt32, applied_at DateTime64(3, 'UTC')) ENGINE = MergeTree ORDER BY version");
    await engine.command("INSERT INTO old_schema.mg_schema_version VALUES (1, now64(3))");
    await engine.command(
      "CREATE TABLE old_schema.tm_content (workspace_id String, content_id String, title String, content_type String, mg_version UInt128) ENGINE = ReplacingMergeTree(mg_version) ORDER BY (workspace_id, content_id)",
    );
    await engine.command("INSERT INTO old_schema.tm_content VALUES ('w1', 'c1', 'Pilot', 'episode', 1)");
    const upgraded = await ClickHouseStore.open({ ...options(), database: "old_schema" });
    try {
      expect(await upgraded.query("SELECT version FROM mg_schema_version ORDER BY version")).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }]);
      expect(await upgraded.query("SELECT title FROM tm_content FINAL")).toEqual([{ title: "Pilot" }]);
      const tables = await upgraded.query<{ name: string }>("SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE 'mg_%' ORDER BY name");
      expect(tables.map((t) => t.name)).toEqual([
        "mg_api_keys", "mg_export_files", "mg_oauth_clients", "mg_oauth_codes", "mg_oauth_grants", "mg_oauth_refresh_tokens",
        "mg_schema_version", "mg_sessions", "mg_settings", "mg_tokens", "mg_users", "mg_workspaces",
      ]);
    } finally {
      await upgraded.close();
    }
  });

  test("a re-import replaces rows by id; memberships keep the greatest updated_at", async () => {
    const clicks = tableSpec("tr_clicks");
    await store.load({ table: clicks, workspaceId: "w1", rows: [["c1", ms("2026-03-18T04:00:00Z"), "US", "A", ""], ["c2", ms("2026-03-18T05:00:00Z"), "GB", "A", ""]] });
    await store.load({ table: clicks, workspaceId: "w1", rows: [["c1", ms("2026-04-18T04:00:00Z"), "DE", "B", "g"]] });
    await store.load({ table: clicks, workspaceId: "w2", rows: [["c1", ms("2026-03-18T04:00:00Z"), "FR", "A", ""]] });
    const rows = await store.query(
      "SELECT click_id, ts, country FROM tr_clicks FINAL WHERE workspace_id = {ws:String} AND ts >= {from:DateTime64(3, 'UTC')} ORDER BY click_id",
      { ws: "w1", from: "2026-03-01T00:00:00.000Z" },
    );
    expect(rows).toEqual([
      { click_id: "c1", ts: "2026-04-18T04:00:00.000Z", country: "DE" },
      { click_id: "c2", ts: "2026-03-18T05:00:00.000Z", country: "GB" },
    ]);
    const memberships = tableSpec("cdp_memberships");
    const t = ms("2026-03-01T00:00:00Z");
    await store.load({ table: memberships, workspaceId: "w1", rows: [[1, "m1", t, null, t + 2000], [1, "m1", t, t + 5, t + 1000]] });
    await store.load({ table: memberships, workspaceId: "w1", rows: [[1, "m1", t, t + 9, t + 1500]] });
    const latest = await store.query("SELECT left_at FROM cdp_memberships FINAL WHERE workspace_id = {ws:String}", { ws: "w1" });
    expect(latest).toEqual([{ left_at: null }]);
  });

  test("alerts get ids after the workspace's highest", async () => {
    const alerts = tableSpec("tm_alerts");
    const at = ms("2026-03-18T04:00:00Z");
    await store.load({ table: alerts, workspaceId: "w1", rows: [["info", "qos", "a", "", false, at], ["critical", "qos", "b", "", false, at]] });
    await store.load({ table: alerts, workspaceId: "w1", rows: [["warning", "cdn", "c", "", false, at]] });
    const ids = await store.query("SELECT id, title FROM tm_alerts FINAL WHERE workspace_id = {ws:String} ORDER BY id", { ws: "w1" });
    expect(ids).toEqual([{ id: 1, title: "a" }, { id: 2, title: "b" }, { id: 3, title: "c" }]);
  });

  test("a plainly valid file goes the fast way: quotes, commas, empty texts and missing instants as written, the last row of a key wins, a later load replaces", async () => {
    const sessions = join(dir, "sessions.csv");
    writeFileSync(
      sessions,
      [
        "session_id,user_id,content_id,device,region,pop,started_at,ended_at,watch_seconds,completed,rebuffer_seconds",
        "s1,u1,c1,tv,Goa,ap-south-1,2026-03-18T10:00:00Z,,60,true,",
        's2,u2,"c,2",web,"Tamil ""Nadu""",ap-south-1,2026-03-18T11:00:00.250Z,2026-03-18T11:30:00Z,1800.5,false,3',
        "s1,u1,c1,tv,Kerala,ap-south-1,2026-03-18T10:00:00Z,,90,true,1",
      ].join("\n"),
    );
    // The rows stored: the file's first s1 is replaced by its last.
    expect(await store.loadFile({ table: tableSpec("tm_sessions"), workspaceId: "wf", file: sessions, format: "csv" })).toBe(2);
    expect(
      await store.query(
        "SELECT session_id, content_id, region, started_at, ended_at, watch_seconds, completed, rebuffer_seconds FROM tm_sessions FINAL WHERE workspace_id = {ws:String} ORDER BY session_id",
        { ws: "wf" },
      ),
    ).toEqual([
      { session_id: "s1", content_id: "c1", region: "Kerala", started_at: "2026-03-18T10:00:00.000Z", ended_at: null, watch_seconds: 90, completed: true, rebuffer_seconds: 1 },
      { session_id: "s2", content_id: "c,2", region: 'Tamil "Nadu"', started_at: "2026-03-18T11:00:00.250Z", ended_at: "2026-03-18T11:30:00.000Z", watch_seconds: 1800.5, completed: false, rebuffer_seconds: 3 },
    ]);
    // A file repeating no key goes straight from DuckDB's reader to the engine: a later load replaces s1,
    // a missing instant stays missing, milliseconds and quotes are kept.
    const later = join(dir, "sessions-later.csv");
    writeFileSync(
      later,
      [
        "session_id,user_id,content_id,device,region,pop,started_at,ended_at,watch_seconds,completed,rebuffer_seconds",
        's3,u3,c3,mobile,"Assam, ""North""",eu-west-1,2026-03-18T12:00:00.125Z,,5,false,',
        "s1,u1,c1,tv,Goa,ap-south-1,2026-03-18T10:00:00Z,2026-03-18T10:05:00Z,120,true,0",
      ].join("\n"),
    );
    expect(await store.loadFile({ table: tableSpec("tm_sessions"), workspaceId: "wf", file: later, format: "csv" })).toBe(2);
    expect(
      await store.query("SELECT session_id, region, started_at, ended_at, watch_seconds FROM tm_sessions FINAL WHERE workspace_id = {ws:String} ORDER BY session_id", { ws: "wf" }),
    ).toEqual([
      { session_id: "s1", region: "Goa", started_at: "2026-03-18T10:00:00.000Z", ended_at: "2026-03-18T10:05:00.000Z", watch_seconds: 120 },
      { session_id: "s2", region: 'Tamil "Nadu"', started_at: "2026-03-18T11:00:00.250Z", ended_at: "2026-03-18T11:30:00.000Z", watch_seconds: 1800.5 },
      { session_id: "s3", region: 'Assam, "North"', started_at: "2026-03-18T12:00:00.125Z", ended_at: null, watch_seconds: 5 },
    ]);
    const clicks = join(dir, "clicks.csv");
    writeFileSync(clicks, "click_id,ts,country,offer,source\nk1,2026-03-18T10:00:00Z,,A,\nk2,2026-03-18T10:00:00Z,us,B,g\n");
    expect(await store.loadFile({ table: tableSpec("tr_clicks"), workspaceId: "wf", file: clicks, format: "csv" })).toBe(2);
    expect(await store.query("SELECT click_id, country, source FROM tr_clicks FINAL WHERE workspace_id = {ws:String} ORDER BY click_id", { ws: "wf" })).toEqual([
      { click_id: "k1", country: "", source: "" },
      { click_id: "k2", country: "US", source: "g" },
    ]);
    // A doubtful row (an unknown device) sends the whole file the careful way: nothing is stored here.
    const doubtful = join(dir, "doubtful.csv");
    writeFileSync(doubtful, "session_id,user_id,content_id,device,region,pop,started_at,watch_seconds,completed\nd1,u1,c1,tv,Goa,p,2026-03-18T10:00:00Z,1,true\nd2,u1,c1,fridge,Goa,p,2026-03-18T10:00:00Z,1,true\n");
    expect(await store.loadFile({ table: tableSpec("tm_sessions"), workspaceId: "wd", file: doubtful, format: "csv" })).toBeUndefined();
    expect(await store.query("SELECT count() AS n FROM tm_sessions WHERE workspace_id = {ws:String}", { ws: "wd" })).toEqual([{ n: 0 }]);
  });

  test("start-up errors are one line naming the setting", async () => {
    await expect(ClickHouseStore.open({ ...options(), password: "wrong" })).rejects.toThrow(
      /^CLICKHOUSE_USER\/CLICKHOUSE_PASSWORD: ClickHouse at http:\/\/127\.0\.0\.1:\d+ refused user "metrigate"/,
    );
    await expect(ClickHouseStore.open({ ...options(), database: "nowhere" })).rejects.toThrow(
      /^CLICKHOUSE_DATABASE: database "nowhere" does not exist/,
    );
    await expect(ClickHouseStore.open({ ...options(), url: "http://127.0.0.1:9" })).rejects.toThrow(/^CLICKHOUSE_URL: cannot reach ClickHouse at http:\/\/127\.0\.0\.1:9 /);
  });

  test("an unreachable engine gives Unavailable (503), and the store recovers when it returns", async () => {
    await engine.stop();
    await expect(store.query("SELECT 1 AS one")).rejects.toMatchObject({ kind: "unavailable", status: 503 });
    await engine.start();
    expect(await store.query("SELECT 1 AS one")).toEqual([{ one: 1 }]);
  });
});
