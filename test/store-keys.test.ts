// Interned user keys (tables.ts `interned`): every stored session carries a dense per-workspace integer
// for its user_id, whichever way the row arrived — a load, plain SQL plus internKeys, or a database
// file written before the key existed.

import { DuckDBInstance } from "@duckdb/node-api";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { DuckDbStore } from "../shared/store/duckdb.ts";
import type { Cell } from "../shared/store/store.ts";
import { tableSpec } from "../shared/store/tables.ts";

const dir = mkdtempSync(join(tmpdir(), "metrigate-keys-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sessions = tableSpec("tm_sessions");
const T0 = Date.parse("2026-03-18T10:00:00Z");
const session = (id: string, user: string): Cell[] => [id, user, "c_1", "tv", "Kerala", "ap-south-1", T0, T0 + 60_000, 60, true, 0];

async function keysOf(store: DuckDbStore, ws: string): Promise<Record<string, number | null>> {
  const rows = await store.query<{ session_id: string; user_key: number | null }>(
    "SELECT session_id, user_key FROM tm_sessions WHERE workspace_id = $ws ORDER BY session_id",
    { ws },
  );
  return Object.fromEntries(rows.map((r) => [r.session_id, r.user_key]));
}

describe("interned user keys", () => {
  test("loads number new users per workspace in user order, keep known users' keys, and follow a replaced row", async () => {
    const store = await DuckDbStore.open(join(dir, "load.duckdb"));
    try {
      await store.load({ table: sessions, workspaceId: "a", rows: [session("s1", "u_b"), session("s2", "u_a"), session("s3", "u_b")] });
      await store.load({ table: sessions, workspaceId: "b", rows: [session("s1", "u_z")] });
      // u_c is new (3); u_a keeps 1; s3 is replaced by a row of u_c.
      await store.load({ table: sessions, workspaceId: "a", rows: [session("s4", "u_a"), session("s3", "u_c")] });
      expect(await keysOf(store, "a")).toEqual({ s1: 2, s2: 1, s3: 3, s4: 1 });
      expect(await keysOf(store, "b")).toEqual({ s1: 1 });
    } finally {
      await store.close();
    }
  });

  test("files read by the engine: users numbered before the rows go in, the same keys as a load gives", async () => {
    const store = await DuckDbStore.open(join(dir, "files.duckdb"));
    const csv = (name: string, rows: [string, string][]) => {
      const path = join(dir, name);
      const lines = rows.map(([id, user]) => `${id},${user},c_1,tv,Kerala,ap-south-1,2026-03-18T10:00:00Z,,60,true,0`);
      writeFileSync(path, ["session_id,user_id,content_id,device,region,pop,started_at,ended_at,watch_seconds,completed,rebuffer_seconds", ...lines].join("\n"));
      return path;
    };
    const loadFile = (workspaceId: string, file: string) => store.loadFile({ table: sessions, workspaceId, file, format: "csv" });
    try {
      expect(await loadFile("a", csv("a1.csv", [["s1", "u_b"], ["s2", "u_a"], ["s3", "u_b"]]))).toBe(3);
      expect(await loadFile("b", csv("b1.csv", [["s1", "u_z"]]))).toBe(1);
      // u_c is new (3); u_a keeps 1; s3 is replaced by a row of u_c.
      expect(await loadFile("a", csv("a2.csv", [["s4", "u_a"], ["s3", "u_c"]]))).toBe(2);
      // A file repeating an id is stored in its order (the last row wins): only u_e, the winner's user, is numbered.
      expect(await loadFile("a", csv("a3.csv", [["s5", "u_d"], ["s5", "u_e"]]))).toBe(1);
      expect(await keysOf(store, "a")).toEqual({ s1: 2, s2: 1, s3: 3, s4: 1, s5: 4 });
      expect(await keysOf(store, "b")).toEqual({ s1: 1 });
      // A file with a bad row stores nothing, and numbers none of its users.
      expect(await loadFile("a", csv("bad.csv", [["s6", "u_f"], ["s7", ""]]))).toBeUndefined();
      const [dictionary] = await store.query<{ users: number }>("SELECT count(*) AS users FROM tm_user_keys WHERE workspace_id = 'a'");
      expect(dictionary.users).toBe(4);
    } finally {
      await store.close();
    }
  });

  test("rows written by plain SQL get keys from internKeys, without renumbering existing users", async () => {
    const store = await DuckDbStore.open(join(dir, "sql.duckdb"));
    try {
      await store.load({ table: sessions, workspaceId: "a", rows: [session("s1", "u_m")] });
      await store.exec(
        `INSERT INTO tm_sessions (workspace_id, session_id, user_id, content_id, device, region, pop, started_at, watch_seconds, completed)
         VALUES ('a', 's2', 'u_a', 'c_1', 'tv', 'Goa', 'ap-south-1', '2026-03-18 10:00:00', 5, false),
                ('a', 's3', 'u_m', 'c_1', 'tv', 'Goa', 'ap-south-1', '2026-03-18 10:00:00', 5, false)`,
      );
      expect(await keysOf(store, "a")).toEqual({ s1: 1, s2: null, s3: null });
      await store.internKeys(sessions, "a");
      expect(await keysOf(store, "a")).toEqual({ s1: 1, s2: 2, s3: 1 });
    } finally {
      await store.close();
    }
  });

  test("a database file from before the key existed gets the column and every key on open", async () => {
    const path = join(dir, "old.duckdb");
    const old = await DuckDBInstance.create(path);
    const c = await old.connect();
    await c.run(`CREATE TABLE tm_sessions (workspace_id VARCHAR, session_id VARCHAR, user_id VARCHAR, content_id VARCHAR,
                 device VARCHAR, region VARCHAR, pop VARCHAR, started_at TIMESTAMP, ended_at TIMESTAMP,
                 watch_seconds DOUBLE, completed BOOLEAN, rebuffer_seconds DOUBLE)`);
    await c.run(`INSERT INTO tm_sessions (workspace_id, session_id, user_id) VALUES ('a', 's1', 'u_y'), ('a', 's2', 'u_x'), ('b', 's1', 'u_y')`);
    c.closeSync();
    old.closeSync();

    const store = await DuckDbStore.open(path);
    try {
      expect(await keysOf(store, "a")).toEqual({ s1: 2, s2: 1 });
      expect(await keysOf(store, "b")).toEqual({ s1: 1 });
    } finally {
      await store.close();
    }
  });
});
