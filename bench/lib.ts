// Benchmark building blocks: a seeded server on loopback, request and SQL timings, p50/p95 and ratios.
// Benchmarks print figures; they never assert.

import { mkdirSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { createApp } from "../api-server/app.ts";
import type { AnyEndpoint } from "../shared/catalog/define.ts";
import type { HttpRequest } from "../shared/client/request.ts";
import { configFromEnv } from "../shared/config.ts";
import { QUERY_SPECS } from "../shared/query/endpoints.ts";
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
 * suite prepared (DuckDB runs first), a million rows per INSERT (one CSV chunk in memory at a time), each
 * table then merged (`OPTIMIZE … FINAL`) as a settled database would be. The workspace is created last, so a copy cut short is started again from empty tables on the next run
 * rather than taken for a whole one (or doubled).
 */
async function copyFromDuckDb(runtime: Runtime, duckDbFile: string, engine: ClickHouseHttp, database: string): Promise<void> {
  const store = runtime.store;
  if (!(store instanceof ClickHouseStore)) throw new Error("The ClickHouse bench database needs the ClickHouse store.");
  const duck = await DuckDbStore.open(duckDbFile);
  try {
    for (const table of TABLES) {
      await store.exec(`TRUNCATE TABLE ${table.name}`);
      const started = Date.now();
      const rows = await store.loadFromDuckDb(duck, table, "bench", 1_000_000);
      if (rows === 0) continue;
      const copied = Date.now();
      // Merged as a long-running database's background merges would leave it: FINAL then reads one part per partition.
      // On the engine itself: a merge of ten million rows outlasts the client's query timeout.
      await engine.command(`OPTIMIZE TABLE ${database}.${table.name} FINAL`);
      const seconds = (from: number, to: number) => ((to - from) / 1000).toFixed(1);
      console.log(
        `    ${table.name}: ${rows.toLocaleString("en-US")} rows copied in ${seconds(started, copied)} s, merged in ${seconds(copied, Date.now())} s, RSS ${rssMb()} MB`,
      );
    }
  } finally {
    await duck.close();
  }
  await runtime.accounts.createWorkspace("bench", { plan: "enterprise" });
}

/** This process's resident memory (the chdb engine runs inside it), in MB. */
export function rssMb(): number {
  return Math.round(process.memoryUsage.rss() / 1e6);
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
  let house: { engine: ClickHouseHttp; database: string } | undefined;
  if (options.store === "clickhouse") {
    if (!options.context) throw new Error("A ClickHouse bench server needs the run's context.");
    const engine = await options.context.clickhouse();
    const database = `bench_${options.name.replace(/\W/g, "_")}`;
    house = { engine, database };
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
    if (house) await copyFromDuckDb(runtime, duckDbFile, house.engine, house.database);
    else await options.prepare(runtime);
    const what = house ? `ClickHouse database from ${duckDbFile}` : duckDbFile;
    console.log(`  prepared ${what} in ${((Date.now() - started) / 1000).toFixed(1)} s (load average ${loadAverage()}, RSS ${rssMb()} MB)`);
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

/** A request (as `buildRequest` makes it) through the real HTTP server; throws on a non-200 so a broken endpoint is never timed. */
export async function httpSend(request: HttpRequest): Promise<void> {
  const res = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`${request.method} ${request.url} answered ${res.status}: ${body.slice(0, 200)}`);
}

export function httpGet(url: string, headers: Record<string, string>): Promise<void> {
  return httpSend({ method: "GET", url, headers });
}

/**
 * The arguments a suite calls an endpoint with: none where every parameter has a default; for the query
 * API's endpoints (which need a question) the family's count metric by its first dimension, or that
 * dimension's values.
 */
export function benchArguments(endpoint: AnyEndpoint): Record<string, unknown> {
  const spec = QUERY_SPECS.find((s) => s.family === endpoint.family);
  if (!spec || endpoint.params.safeParse({}).success) return {};
  const [dimension] = Object.keys(spec.dimensions);
  return endpoint.method === "POST" ? { metrics: [spec.countMetric], dimensions: [dimension] } : { dimension };
}

/** The machine's 1/5/15-minute load averages, printed beside every table (the cores are shared). */
export function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(1))
    .join(" / ");
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

const ms = (t: Timing | undefined, width: number) => (t ? t.p50.toFixed(1) : "—").padStart(width);
const ms95 = (t: Timing | undefined, width: number) => (t ? t.p95.toFixed(1) : "—").padStart(width);
const times = (a: Timing | undefined, b: Timing | undefined) => (a && b ? `${(a.p50 / b.p50).toFixed(2)}×` : "");
const targetOf = (r: Row) => (r.target === undefined ? "" : `≤${r.target}`);
const markOf = (r: Row) => (r.target === undefined ? "" : r.timing.p50 <= r.target ? " ok" : " SLOW");

export function report(title: string, rows: Row[]): void {
  console.log(`\n${title}; load average ${loadAverage()}`);
  console.log(`  ${"case".padEnd(52)} ${"p50 ms".padStart(9)} ${"p95 ms".padStart(9)} ${"target".padStart(8)} ${"ratio".padStart(7)}`);
  for (const r of rows) {
    console.log(`  ${r.name.padEnd(52)} ${ms(r.timing, 9)} ${ms95(r.timing, 9)} ${targetOf(r).padStart(8)} ${times(r.timing, r.reference).padStart(7)}${markOf(r)}`);
  }
}

/**
 * One store: `report`'s table. Both stores: one table, each case's p50/p95 and ratio on DuckDB and on
 * ClickHouse, then ClickHouse ÷ DuckDB. Cases measured on DuckDB only (hand-written DuckDB SQL) show "—";
 * the target mark is DuckDB's.
 */
export function reportStores(title: string, byStore: Partial<Record<BenchStore, Row[]>>): void {
  const duck = byStore.duckdb ?? [];
  const house = byStore.clickhouse;
  if (!house) return report(`${title} — DuckDB`, duck);
  console.log(`\n${title}; load average ${loadAverage()}`);
  console.log(`  (${CLICKHOUSE_NOTE})`);
  console.log(
    `  ${"case".padEnd(52)} ${"target".padStart(7)} ${"Duck p50".padStart(9)} ${"p95".padStart(8)} ${"ratio".padStart(6)} ${"CH p50".padStart(9)} ${"p95".padStart(8)} ${"ratio".padStart(6)} ${"CH÷Duck".padStart(8)}`,
  );
  for (const row of duck) {
    const other = house.find((r) => r.name === row.name);
    console.log(
      `  ${row.name.padEnd(52)} ${targetOf(row).padStart(7)} ${ms(row.timing, 9)} ${ms95(row.timing, 8)} ${times(row.timing, row.reference).padStart(6)} ` +
        `${ms(other?.timing, 9)} ${ms95(other?.timing, 8)} ${times(other?.timing, other?.reference).padStart(6)} ${times(other?.timing, row.timing).padStart(8)}${markOf(row)}`,
    );
  }
}
