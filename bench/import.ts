// `npm run bench import`: the whole `metrigate import` command on valid tr_clicks and tm_sessions files
// (CSV, NDJSON, gzip), and HTTP ingest of a 1-million-row NDJSON body, each with rows/s and peak resident
// memory, beside DuckDB's own reader loading the same file into a table (wall time and CPU time: on a
// shared machine the CPU ratio is the steadier one). 1 million rows by default;
// BENCH_IMPORT_ROWS=1000000,10000000 adds the 10-million-row files, BENCH_IMPORT_FORMATS=csv,ndjson skips
// the gzip ones. Files are generated once under .bench/. BENCH_STORE=clickhouse adds each file imported
// into ClickHouse (one INSERT per import at every size, as the product sends it), with the part of the
// figure that is the test engine's: receiving the body and the engine's INSERT.

import { execFile } from "node:child_process";
import { createReadStream, existsSync, mkdirSync, rmSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { promisify } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import { createApp } from "../api-server/app.ts";
import { configFromEnv } from "../shared/config.ts";
import { createRuntime } from "../shared/runtime.ts";
import { sqlString } from "../shared/store/sql-literal.ts";
import type { ClickHouseHttp } from "../test/support/clickhouse-http.ts";
import { CLICKHOUSE_NOTE, type BenchContext } from "./lib.ts";

const exec = promisify(execFile);
const DIR = resolve(".bench", "import");
const SIZES = (process.env.BENCH_IMPORT_ROWS ?? "1000000").split(",").map(Number);
const TARGET_ROWS_PER_SECOND = 500_000;
const INGEST_TARGET_ROWS_PER_SECOND = 250_000;
const CLICKHOUSE_TARGET_ROWS_PER_SECOND = 250_000;

/** Each table's rows as SQL over range(n) `i`, with instants written as ISO-8601 text. */
const GENERATORS: Record<string, string> = {
  tr_clicks: `SELECT 'c' || i AS click_id, strftime(TIMESTAMP '2026-01-01' + to_seconds(i), '%Y-%m-%dT%H:%M:%SZ') AS ts,
      ['US', 'GB', 'IN', 'DE', ''][i % 5 + 1] AS country, 'Offer ' || (i % 7) AS offer, ['', 'google', 'meta'][i % 3 + 1] AS source`,
  tm_sessions: `SELECT 's' || i AS session_id, 'u' || (i % 100000) AS user_id, 'content_' || (i % 500) AS content_id,
      ['tv', 'mobile', 'web', 'tablet'][i % 4 + 1] AS device, 'Kerala' AS region, 'ap-south-1' AS pop,
      strftime(TIMESTAMP '2026-01-01' + to_seconds(i), '%Y-%m-%dT%H:%M:%SZ') AS started_at,
      strftime(TIMESTAMP '2026-01-01' + to_seconds(i + 600), '%Y-%m-%dT%H:%M:%SZ') AS ended_at,
      (i % 3600)::DOUBLE AS watch_seconds, i % 2 = 0 AS completed, (i % 10)::DOUBLE AS rebuffer_seconds`,
};

const ALL_FORMATS = ["csv", "ndjson", "csv.gz", "ndjson.gz"] as const;
type Format = (typeof ALL_FORMATS)[number];
/** BENCH_IMPORT_FORMATS=csv,ndjson narrows the run (the 10-million-row gzip files take long to make). */
const FORMATS = ALL_FORMATS.filter((f) => (process.env.BENCH_IMPORT_FORMATS ?? ALL_FORMATS.join(",")).split(",").includes(f));

async function generate(table: string, rows: number, format: Format): Promise<string> {
  const file = join(DIR, `${table}-${rows}.${format}`);
  if (existsSync(file)) return file;
  const db = await DuckDBInstance.create(":memory:");
  const connection = await db.connect();
  const options = [format.startsWith("csv") ? "FORMAT csv, HEADER" : "FORMAT json", format.endsWith(".gz") ? "COMPRESSION gzip" : ""].filter(Boolean).join(", ");
  await connection.run(`COPY (${GENERATORS[table]} FROM range(${rows}) r(i)) TO ${sqlString(`${file}.part`)} (${options})`);
  connection.closeSync();
  db.closeSync();
  await exec("mv", [`${file}.part`, file]);
  return file;
}

/** Wall-clock and CPU seconds of a piece of work, and its peak resident memory (MB) when known. */
interface Cost {
  seconds: number;
  cpuSeconds: number;
  peakMb?: number;
}

/**
 * DuckDB's own reader loading the file into a table of a fresh database file, no validation, until the
 * table is on disk: open, CREATE TABLE AS SELECT * FROM the reader, CHECKPOINT, close — what the import
 * command's own DuckDB work amounts to, without its checks, its Node.js start or its module loading.
 * (DuckDB keeps a table made by CREATE TABLE AS in memory and writes it at the next checkpoint, which
 * closing the database would run: stopping the clock after the statement leaves the writing out.)
 * `statementSeconds` is the CREATE statement alone.
 */
async function engineReader(file: string, format: Format): Promise<Cost & { statementSeconds: number }> {
  const path = join(DIR, "reference.duckdb");
  const started = performance.now();
  const cpu = process.cpuUsage();
  const db = await DuckDBInstance.create(path);
  const connection = await db.connect();
  const reader = format.startsWith("csv") ? `read_csv(${sqlString(file)})` : `read_json(${sqlString(file)}, format = 'newline_delimited')`;
  const statement = performance.now();
  await connection.run(`CREATE OR REPLACE TABLE reference AS SELECT * FROM ${reader}`);
  const statementSeconds = (performance.now() - statement) / 1000;
  await connection.run("CHECKPOINT");
  connection.closeSync();
  db.closeSync();
  const used = process.cpuUsage(cpu);
  const seconds = (performance.now() - started) / 1000;
  rmSync(path, { force: true });
  rmSync(`${path}.wal`, { force: true });
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6, statementSeconds };
}

/** The settings that point `metrigate` at a fresh database of the run's ClickHouse engine. */
async function clickHouseEnv(engine: ClickHouseHttp): Promise<NodeJS.ProcessEnv> {
  await engine.command("DROP DATABASE IF EXISTS bench_import");
  await engine.command("CREATE DATABASE bench_import");
  return { METRIGATE_STORE: "clickhouse", CLICKHOUSE_URL: engine.url, CLICKHOUSE_USER: engine.user, CLICKHOUSE_PASSWORD: engine.password, CLICKHOUSE_DATABASE: "bench_import" };
}

/** The whole `metrigate import` command into a fresh database, process start to exit. */
async function importCommand(table: string, file: string, storeEnv: NodeJS.ProcessEnv = {}): Promise<Cost> {
  const db = join(DIR, "import.duckdb");
  rmSync(db, { force: true });
  rmSync(`${db}.wal`, { force: true });
  const env = { ...process.env, METRIGATE_DB: db, ...storeEnv };
  await exec(process.execPath, ["bin/metrigate.mjs", "workspace", "create", "bench"], { env });
  const started = performance.now();
  // GNU time reports the command's peak resident set size in KiB and its CPU seconds.
  const { stderr } = await exec("/usr/bin/time", ["-f", "peak_kb=%M cpu=%U+%S", process.execPath, "bin/metrigate.mjs", "import", "--workspace", "bench", table, file], {
    env,
    maxBuffer: 1 << 20,
  });
  const seconds = (performance.now() - started) / 1000;
  const measured = /peak_kb=(\d+) cpu=([\d.]+)\+([\d.]+)/.exec(stderr);
  if (!measured) throw new Error(`no measurement from /usr/bin/time: ${stderr.slice(-200)}`);
  return { seconds, cpuSeconds: Number(measured[2]) + Number(measured[3]), peakMb: Number(measured[1]) / 1024 };
}

/** POST /v1/ingest/tr_clicks with the file streamed as the body, through a real server on loopback. */
async function httpIngest(file: string, rows: number): Promise<Cost> {
  const db = join(DIR, "ingest.duckdb");
  rmSync(db, { force: true });
  rmSync(`${db}.wal`, { force: true });
  const runtime = await createRuntime(configFromEnv({ METRIGATE_DB: db }));
  const app = await createApp(runtime, { log: false });
  try {
    await runtime.accounts.createWorkspace("bench", { plan: "enterprise" });
    const key = await runtime.accounts.createApiKey("bench", "write");
    await app.listen({ port: 0, host: "127.0.0.1" });
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const started = performance.now();
    const cpu = process.cpuUsage();
    const res = await fetch(`http://127.0.0.1:${port}/v1/ingest/tr_clicks`, {
      method: "POST",
      headers: { "X-Api-Key": key, "Content-Type": "application/x-ndjson" },
      body: Readable.toWeb(createReadStream(file)) as ReadableStream,
      duplex: "half",
    } as RequestInit);
    const body = (await res.json()) as { rows?: number };
    if (res.status !== 200 || body.rows !== rows) throw new Error(`ingest answered ${res.status}: ${JSON.stringify(body).slice(0, 200)}`);
    const used = process.cpuUsage(cpu);
    return { seconds: (performance.now() - started) / 1000, cpuSeconds: (used.user + used.system) / 1e6, peakMb: process.resourceUsage().maxRSS / 1024 };
  } finally {
    await app.close();
    await runtime.close();
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

function line(name: string, rows: number, cost: Cost, target: number, reference?: Cost & { statementSeconds?: number }): void {
  const rate = rows / cost.seconds;
  const cells = [
    name.padEnd(34),
    cost.seconds.toFixed(1).padStart(7),
    fmt(rate).padStart(11),
    (cost.peakMb === undefined ? "" : fmt(cost.peakMb)).padStart(8),
    (reference ? fmt(rows / reference.seconds) : "").padStart(12),
    (reference ? `${(cost.seconds / reference.seconds).toFixed(2)}×` : "").padStart(7),
    (reference ? `${(cost.cpuSeconds / reference.cpuSeconds).toFixed(2)}×` : "").padStart(8),
    (reference?.statementSeconds ? `${(cost.seconds / reference.statementSeconds).toFixed(2)}×` : "").padStart(10),
  ];
  console.log(`  ${cells.join(" ")}  ${rate >= target ? "ok" : "SLOW"}`);
}

export async function run(context: BenchContext): Promise<void> {
  const engine = context.stores.includes("clickhouse") ? await context.clickhouse() : undefined;
  mkdirSync(DIR, { recursive: true });
  const started = performance.now();
  console.log(`  sizes: ${SIZES.map(fmt).join(", ")} rows; load average now ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  const header = ["case".padEnd(34), "s".padStart(7), "rows/s".padStart(11), "peak MB".padStart(8), "engine r/s".padStart(12), "ratio".padStart(7), "cpu ratio".padStart(8), "stmt ratio".padStart(10)];
  console.log(`  ${header.join(" ")}`);
  // First, in this process, so its peak memory is the ingest's own: the server's side of the request.
  const ingestFile = await generate("tr_clicks", 1_000_000, "ndjson");
  line("HTTP ingest tr_clicks 1M ndjson", 1_000_000, await httpIngest(ingestFile, 1_000_000), INGEST_TARGET_ROWS_PER_SECOND);
  for (const rows of SIZES) {
    for (const table of Object.keys(GENERATORS)) {
      for (const format of FORMATS) {
        const file = await generate(table, rows, format);
        const reference = await engineReader(file, format);
        const duckdb = await importCommand(table, file);
        line(`import ${table} ${rows >= 1e6 ? `${fmt(rows / 1e6)}M` : fmt(rows)} ${format}`, rows, duckdb, TARGET_ROWS_PER_SECOND, reference);
        if (engine) {
          line("  into ClickHouse (ratios ÷ DuckDB's)", rows, await importCommand(table, file, await clickHouseEnv(engine)), CLICKHOUSE_TARGET_ROWS_PER_SECOND, duckdb);
          const insert = engine.lastInsert();
          if (insert) {
            console.log(
              `    of which the test engine: ${fmt(insert.bytes / 2 ** 20)} MiB body received in ${insert.receiveSeconds.toFixed(1)} s, INSERT ${insert.engineSeconds.toFixed(1)} s`,
            );
          }
        }
      }
    }
  }
  console.log("  (rows/s: the whole command, process start to exit; engine r/s: DuckDB's own reader loading the same file into a");
  console.log("   table of a fresh database until it is on disk (open, CREATE TABLE AS, CHECKPOINT, close); ratio: the command's time ÷");
  console.log("   that; cpu ratio: the same for CPU seconds; stmt ratio: the command's time ÷ the CREATE statement's alone.");
  console.log(`   Whole run: ${((performance.now() - started) / 60_000).toFixed(1)} min, files generated included)`);
  if (engine) {
    console.log("  (into ClickHouse: engine r/s and ratios are against the DuckDB import above it; peak MB and CPU are the metrigate");
    console.log(`   process only, the engine runs in the bench process; ${CLICKHOUSE_NOTE}.`);
    console.log("   The test engine writes the body to a file and then runs the INSERT on it; a server parses it while it arrives)");
  }
}
