// Benchmark building blocks: a seeded server on loopback, request and SQL timings, p50/p95 and ratios.
// Benchmarks print figures; they never assert.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { createApp } from "../api-server/app.ts";
import { configFromEnv } from "../shared/config.ts";
import { createRuntime, type Runtime } from "../shared/runtime.ts";
import { ClickHouseStore } from "../shared/store/clickhouse.ts";
import { DuckDbStore } from "../shared/store/duckdb.ts";
import type { SqlParams } from "../shared/store/store.ts";
import { TABLES } from "../shared/store/tables.ts";
import { startClickHouseHttp, type ClickHouseHttp } from "../test/support/clickhouse-http.ts";

export type BenchStore = "duckdb" | "clickhouse";

export interface BenchContext {
  /** The stores a run measures, DuckDB first; ClickHouse too with BENCH_STORE=clickhouse. */
  stores: readonly BenchStore[];
  /** The run's one ClickHouse engine (chdb binds one data directory per process), started on first use. */
  clickhouse(): Promise<ClickHouseHttp>;
  close(): Promise<void>;
}

export const CLICKHOUSE_NOTE =
  "ClickHouse here is the chdb engine (ClickHouse 26.7) embedded in the bench process, reached by the official client over " +
  "loopback HTTP through test/support/clickhouse-http.ts — one process, no server tuning, sharing the 2 cores with everything else";

export function benchContext(env: NodeJS.ProcessEnv): BenchContext {
  let engine: Promise<ClickHouseHttp> | undefined;
  return {
    stores: env.BENCH_STORE === "clickhouse" ? ["duckdb", "clickhouse"] : ["duckdb"],
    clickhouse() {
      engine ??= startClickHouseHttp({ dataDir: join(".bench", "clickhouse") });
      return engine;
    },
    async close() {
      if (engine) await (await engine).close();
    },
  };
}

/** Events per API of the large suites: BENCH_EVENTS (default 10 million), smaller for quick runs. */
export function benchEvents(): number {
  return Number(process.env.BENCH_EVENTS ?? 10_000_000);
}

export interface BenchServer {
  url: string;
  runtime: Runtime;
  app: FastifyInstance;
  close(): Promise<void>;
}

/**
 * The ClickHouse half of a bench database: the workspace's rows copied from the DuckDB file the same
 * suite prepared (DuckDB runs first), a million rows per INSERT.
 */
async function copyFromDuckDb(runtime: Runtime, duckDbFile: string): Promise<void> {
  if (!(runtime.store instanceof ClickHouseStore)) throw new Error("The ClickHouse bench database needs the ClickHouse store.");
  if (!(await runtime.accounts.findWorkspace("bench"))) await runtime.accounts.createWorkspace("bench", { plan: "enterprise" });
  const duck = await DuckDbStore.open(duckDbFile);
  try {
    for (const table of TABLES) await runtime.store.loadFromDuckDb(duck, table, "bench", 1_000_000);
  } finally {
    await duck.close();
  }
}

/**
 * Opens (or reuses) a bench database under .bench/ and serves it on loopback. DuckDB: `prepare` runs only
 * when the file is new, so repeated runs skip the seeding; the file name carries what was seeded.
 * ClickHouse: a database of the run's engine named after the same file, filled from it when new.
 */
export async function benchServer(options: {
  name: string;
  now: string;
  cacheTtl: number;
  prepare(runtime: Runtime): Promise<void>;
  store?: BenchStore;
  context?: BenchContext;
}): Promise<BenchServer> {
  mkdirSync(".bench", { recursive: true });
  const duckDbFile = join(".bench", `${options.name}.duckdb`);
  const base = { METRIGATE_NOW: options.now, METRIGATE_CACHE_TTL: String(options.cacheTtl) };
  let env: NodeJS.ProcessEnv = { ...base, METRIGATE_DB: duckDbFile };
  if (options.store === "clickhouse") {
    if (!options.context) throw new Error("A ClickHouse bench server needs the run's context.");
    const engine = await options.context.clickhouse();
    const database = `bench_${options.name.replace(/\W/g, "_")}`;
    await engine.command(`CREATE DATABASE IF NOT EXISTS ${database}`);
    env = {
      ...base,
      // Accounts live in the ClickHouse database; the server's secret is kept beside this path.
      METRIGATE_DB: join(".bench", `${options.name}-clickhouse.duckdb`),
      METRIGATE_STORE: "clickhouse",
      CLICKHOUSE_URL: engine.url,
      CLICKHOUSE_USER: engine.user,
      CLICKHOUSE_PASSWORD: engine.password,
      CLICKHOUSE_DATABASE: database,
    };
  }
  const config = configFromEnv(env);
  const runtime = await createRuntime(config, {
    limitPolicies: { jwt: { name: "token", quota: 1e9, windowMs: 60_000 }, api_key: { name: "key", quota: 1e9, windowMs: 3_600_000 } },
  });
  const fresh = (await runtime.accounts.findWorkspace("bench")) === undefined;
  if (fresh) {
    const started = Date.now();
    if (options.store === "clickhouse") await copyFromDuckDb(runtime, duckDbFile);
    else await options.prepare(runtime);
    console.log(`  prepared ${options.store === "clickhouse" ? `ClickHouse database from ${duckDbFile}` : duckDbFile} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  const app = await createApp(runtime, { log: false });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    runtime,
    app,
    async close() {
      await app.close();
      await runtime.close();
    },
  };
}

export interface Timing {
  p50: number;
  p95: number;
  n: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Runs `fn` `warmup` times untimed, then `n` times timed, one after the other; milliseconds. */
export async function time(fn: () => Promise<unknown>, n: number, warmup = 2): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p95: percentile(samples, 95), n };
}

/** A GET through the real HTTP server; throws on a non-200 so a broken endpoint is never timed. */
export async function httpGet(url: string, headers: Record<string, string>): Promise<void> {
  const res = await fetch(url, { headers });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${body.slice(0, 200)}`);
}

export function sqlTimer(runtime: Runtime, sql: string, params: SqlParams): () => Promise<unknown> {
  return () => runtime.store.query(sql, params);
}

export interface Row {
  name: string;
  timing: Timing;
  target?: number;
  /** Reference timing (e.g. hand-written SQL) for the ratio column. */
  reference?: Timing;
}

export function report(title: string, rows: Row[]): void {
  console.log(`\n${title}`);
  console.log(`  ${"case".padEnd(52)} ${"p50 ms".padStart(9)} ${"p95 ms".padStart(9)} ${"target".padStart(8)} ${"ratio".padStart(7)}`);
  for (const r of rows) {
    const target = r.target === undefined ? "" : `≤${r.target}`;
    const ratio = r.reference ? `${(r.timing.p50 / r.reference.p50).toFixed(2)}×` : "";
    const mark = r.target === undefined ? "" : r.timing.p50 <= r.target ? " ok" : " SLOW";
    console.log(`  ${r.name.padEnd(52)} ${r.timing.p50.toFixed(2).padStart(9)} ${r.timing.p95.toFixed(2).padStart(9)} ${target.padStart(8)} ${ratio.padStart(7)}${mark}`);
  }
}

const STORE_NAMES: Record<BenchStore, string> = { duckdb: "DuckDB", clickhouse: "ClickHouse" };

/**
 * Each store's table (as `report` prints it), then, with both stores, the cases side by side: p50 on
 * each and ClickHouse ÷ DuckDB. Cases measured on DuckDB only (hand-written DuckDB SQL) show "—".
 */
export function reportStores(title: string, byStore: Partial<Record<BenchStore, Row[]>>): void {
  for (const [store, rows] of Object.entries(byStore) as [BenchStore, Row[]][]) report(`${title} — ${STORE_NAMES[store]}`, rows);
  const duck = byStore.duckdb;
  const house = byStore.clickhouse;
  if (!duck || !house) return;
  console.log(`\n${title} — side by side (p50 ms; ${CLICKHOUSE_NOTE})`);
  console.log(`  ${"case".padEnd(52)} ${"DuckDB".padStart(9)} ${"ClickHouse".padStart(11)} ${"CH÷Duck".padStart(8)}`);
  for (const row of duck) {
    const other = house.find((r) => r.name === row.name);
    const ratio = other ? `${(other.timing.p50 / row.timing.p50).toFixed(2)}×` : "";
    console.log(`  ${row.name.padEnd(52)} ${row.timing.p50.toFixed(2).padStart(9)} ${(other ? other.timing.p50.toFixed(2) : "—").padStart(11)} ${ratio.padStart(8)}`);
  }
}
