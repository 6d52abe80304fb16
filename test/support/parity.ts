// The two-store harness of the parity suites (CONTRACT §14): one DuckDB file and one ClickHouse database
// (the real engine, chdb, over real HTTP through clickhouse-http.ts), the same rows loaded into both,
// any endpoint asked of both through the real Engine, and the answers compared as JSON text.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import type { Workspace } from "../../shared/auth/accounts.ts";
import { ResultCache } from "../../shared/cache/result-cache.ts";
import { endpointByName } from "../../shared/catalog/index.ts";
import type { Clock } from "../../shared/clock.ts";
import { Engine } from "../../shared/engine.ts";
import { ParquetExports } from "../../shared/export/parquet-exports.ts";
import { parseImport } from "../../shared/import/parse.ts";
import { ClickHouseStore } from "../../shared/store/clickhouse.ts";
import { DuckDbStore } from "../../shared/store/duckdb.ts";
import type { Store } from "../../shared/store/store.ts";
import { tableSpec } from "../../shared/store/tables.ts";
import { startClickHouseHttp, type ClickHouseHttp } from "./clickhouse-http.ts";

export type EngineKind = "duckdb" | "clickhouse";

export interface Parity {
  dir: string;
  duck: DuckDbStore;
  house: ClickHouseStore;
  engines: Record<EngineKind, Engine>;
  /** The clock both engines read; tests move it with `setNow`. */
  clock: Clock;
  setNow(instant: Date): void;
  /** Rows as `metrigate import` reads them, loaded into both stores. */
  load(workspace: string, table: string, rows: readonly Record<string, unknown>[]): Promise<void>;
  /** One endpoint asked on both engines; the answers as JSON text (an error's message, if any). */
  ask(name: string, ws: string, params?: Record<string, unknown>): Promise<Record<EngineKind, string>>;
  /** Asks both engines and expects the same text; returns DuckDB's. */
  expectSame(name: string, ws: string, params?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

const workspace = (id: string): Workspace => ({ id, name: id, plan: "enterprise", suspended: false });

export async function startParity(options: { name: string; now: string }): Promise<Parity> {
  const dir = mkdtempSync(join(tmpdir(), `metrigate-${options.name}-`));
  let now = new Date(options.now);
  const clock: Clock = { now: () => now };
  const engineHttp: ClickHouseHttp = await startClickHouseHttp({ dataDir: join(dir, "engine") });
  await engineHttp.command(`CREATE DATABASE IF NOT EXISTS parity`);
  const duck = await DuckDbStore.open(join(dir, "parity.duckdb"));
  const house = await ClickHouseStore.open({ url: engineHttp.url, user: "default", password: "", database: "parity" });
  const engineFor = (store: Store, exportsDir: string) => {
    const exports = new ParquetExports({ store, key: Buffer.alloc(32, 7), clock, dir: exportsDir }, { host: "127.0.0.1", port: 0, publicUrl: undefined });
    return new Engine({ store, clock, cache: new ResultCache(0), host: exports.hostServices() });
  };
  const engines: Record<EngineKind, Engine> = { duckdb: engineFor(duck, join(dir, "duck-exports")), clickhouse: engineFor(house, join(dir, "house-exports")) };

  const ask = async (name: string, ws: string, params: Record<string, unknown> = {}) => {
    const endpoint = endpointByName(name);
    if (!endpoint) throw new Error(`no endpoint ${name}`);
    const answer = async (engine: Engine) => {
      try {
        return JSON.stringify((await engine.run(endpoint, workspace(ws), params, 7)).body);
      } catch (error) {
        return JSON.stringify({ error: String((error as Error).message) });
      }
    };
    return { duckdb: await answer(engines.duckdb), clickhouse: await answer(engines.clickhouse) };
  };

  return {
    dir,
    duck,
    house,
    engines,
    clock,
    setNow: (instant) => {
      now = instant;
    },
    async load(ws, table, rows) {
      const spec = tableSpec(table);
      const cells = parseImport(spec, "ndjson", rows.map((r) => JSON.stringify(r)).join("\n"), `${table}.ndjson`);
      await duck.load({ table: spec, workspaceId: ws, rows: cells });
      await house.load({ table: spec, workspaceId: ws, rows: cells });
    },
    ask,
    async expectSame(name, ws, params = {}) {
      const { duckdb, clickhouse } = await ask(name, ws, params);
      expect(clickhouse, `${name} ${JSON.stringify(params)} on ${ws}`).toBe(duckdb);
      return duckdb;
    },
    async close() {
      await house.close();
      await duck.close();
      await engineHttp.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
