// Benchmark building blocks: a seeded server on loopback, request and SQL timings, p50/p95 and ratios.
// Benchmarks print figures; they never assert.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { createApp } from "../api-server/app.ts";
import { configFromEnv } from "../shared/config.ts";
import { createRuntime, type Runtime } from "../shared/runtime.ts";
import type { SqlParams } from "../shared/store/store.ts";

export interface BenchServer {
  url: string;
  runtime: Runtime;
  app: FastifyInstance;
  close(): Promise<void>;
}

/**
 * Opens (or reuses) a DuckDB file under .bench/ and serves it on loopback. `prepare` runs only when the
 * file is new, so repeated runs skip the seeding; the file name carries what was seeded.
 */
export async function benchServer(options: {
  name: string;
  now: string;
  cacheTtl: number;
  prepare(runtime: Runtime): Promise<void>;
}): Promise<BenchServer> {
  mkdirSync(".bench", { recursive: true });
  const dbPath = join(".bench", `${options.name}.duckdb`);
  const config = configFromEnv({ METRIGATE_DB: dbPath, METRIGATE_NOW: options.now, METRIGATE_CACHE_TTL: String(options.cacheTtl) });
  const runtime = await createRuntime(config, {
    limitPolicies: { jwt: { name: "token", quota: 1e9, windowMs: 60_000 }, api_key: { name: "key", quota: 1e9, windowMs: 3_600_000 } },
  });
  const fresh = (await runtime.accounts.findWorkspace("bench")) === undefined;
  if (fresh) {
    const started = Date.now();
    await options.prepare(runtime);
    console.log(`  prepared ${dbPath} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
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
