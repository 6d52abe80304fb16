// The ClickHouse store (CONTRACT §14): the official client, `{name:Type}` parameters, schema made and
// migrated on start, ReplacingMergeTree where a newer row replaces an older one, 503 while unreachable.

import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createClient, type ClickHouseClient, type ClickHouseSettings } from "@clickhouse/client";
import type { Config } from "../config.ts";
import { InvalidInput, MetrigateError, Unavailable } from "../errors.ts";
import { DuckDbStore } from "./duckdb.ts";
import { sqlString } from "./sql-literal.ts";
import type { Cell, FileRequest, LoadRequest, Row, Rows, SqlParams, SqlValue, Store } from "./store.ts";
import { CLICKHOUSE_ACCOUNT_DDL } from "./accounts-ddl.ts";
import { CLICKHOUSE_OAUTH_DDL } from "./oauth-ddl.ts";
import { TABLES, type ColumnType, type TableSpec } from "./tables.ts";
import { redactedUrl } from "../redacted-url.ts";

export interface ClickHouseOptions {
  url: string;
  user: string;
  password: string;
  database: string;
  /** How long one statement may take before the request gets a 503 (never a hang). */
  requestTimeoutMs?: number;
}

/** The CLICKHOUSE_* settings of a Config, as the store takes them. */
export function clickHouseOptionsOf(config: Pick<Config, "clickhouseUrl" | "clickhouseUser" | "clickhousePassword" | "clickhouseDatabase">): ClickHouseOptions {
  return { url: config.clickhouseUrl, user: config.clickhouseUser, password: config.clickhousePassword, database: config.clickhouseDatabase };
}

/**
 * Settings every statement runs with. Set explicitly because servers and versions differ in defaults:
 * 64-bit integers as JSON numbers (as DuckDB's rows), instants read and written as ISO-8601 UTC,
 * outer joins give NULL (not 0 or '') for missing rows, FINAL reads merge across partitions, named tuples
 * are JSON objects, and GROUPING() follows the SQL standard (a set bit: the column is not grouped).
 */
export const CLICKHOUSE_SETTINGS: ClickHouseSettings = {
  output_format_json_quote_64bit_integers: 0,
  output_format_json_quote_decimals: 0,
  date_time_input_format: "best_effort",
  date_time_output_format: "iso",
  join_use_nulls: 1,
  do_not_merge_across_partitions_select_final: 0,
  output_format_json_named_tuples_as_objects: 1,
  force_grouping_standard_compatibility: 1,
  mutations_sync: "2",
};

/**
 * The schema version this code writes; `migrate` brings older databases up to it, never drops them. A
 * database already at this version gets no DDL on start, so a new table needs a new version (with an
 * empty migration: `CREATE TABLE IF NOT EXISTS` makes it).
 */
export const SCHEMA_VERSION = 3;

/**
 * Statements that take a database from version N-1 to N (index N-1). Version 1 is the first schema;
 * version 2 added the account, settings and export-file tables, version 3 the OAuth tables (each created
 * by `CREATE … IF NOT EXISTS`).
 */
const MIGRATIONS: readonly (readonly string[])[] = [[], [], []];

const CLICKHOUSE_TYPES: Record<ColumnType, string> = {
  string: "String",
  integer: "Int64",
  number: "Float64",
  boolean: "Bool",
  timestamp: "DateTime64(3, 'UTC')",
  date: "Date32",
};

/** Event-time columns: monthly partitions of the large tables (none for small reference tables). */
const PARTITION_COLUMN: Record<string, string> = {
  tm_sessions: "started_at",
  tm_alerts: "created_at",
  tr_clicks: "ts",
  tr_conversions: "ts",
  cdp_events: "ts",
  cdp_sync_logs: "synced_at",
  cdp_copilot_requests: "ts",
};

/**
 * Every table's load order, and the version of replacing tables (a greater one wins). UInt128 = (the
 * table's version column in epoch ms) × 2^80 + the load stamp (< 2^51) × 2^20 + the row's place in its load, so
 * the greatest `updated_at` wins and, on a tie, the row loaded last — the order DuckDB's rowid keeps.
 */
const VERSION = "mg_version";
const ROWS_PER_STAMP = 1n << 20n;

function isReplacing(table: TableSpec): boolean {
  return table.replaceKey !== undefined || table.generatedId !== undefined;
}

export function clickHouseTableDdl(table: TableSpec): string {
  const columns = [
    "workspace_id String",
    ...(table.generatedId ? [`${table.generatedId} Int64`] : []),
    ...table.columns.map((c) => {
      const type = CLICKHOUSE_TYPES[c.type];
      return `${c.name} ${c.default === null ? `Nullable(${type})` : type}`;
    }),
    `${VERSION} UInt128`,
  ];
  const key = table.replaceKey ?? (table.generatedId ? [table.generatedId] : table.sortKey ?? [table.columns[0].name]);
  const engine = isReplacing(table) ? `ReplacingMergeTree(${VERSION})` : "MergeTree";
  const partition = PARTITION_COLUMN[table.name] ? `PARTITION BY toYYYYMM(${PARTITION_COLUMN[table.name]})` : "";
  return `CREATE TABLE IF NOT EXISTS ${table.name} (${columns.join(", ")})
    ENGINE = ${engine} ${partition} ORDER BY (workspace_id, ${key.join(", ")})`;
}

const ISO_INSTANT = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?)Z$/;

/** ClickHouse parses bound DateTime64 values as `YYYY-MM-DD HH:MM:SS.sss`; the store's callers pass ISO. */
function toClickHouseValue(value: SqlValue): unknown {
  if (typeof value === "string") {
    const iso = ISO_INSTANT.exec(value);
    return iso ? `${iso[1]} ${iso[2]}` : value;
  }
  return value;
}

function toQueryParams(params: SqlParams | undefined): Record<string, unknown> | undefined {
  if (!params) return undefined;
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, toClickHouseValue(v)]));
}

/** How long one bulk INSERT may take (a file import of millions of rows on a busy engine). */
const BULK_TIMEOUT_MS = 600_000;

/** Lines per chunk of a streamed CSV body. */
const CSV_CHUNK_LINES = 10_000;

/** The engine's default block of a text INSERT; a larger load is sent as one block of its own size. */
const DEFAULT_BLOCK_ROWS = 1_048_449;

/** A byte threshold no load reaches, so the number of rows alone closes a squashed block. */
const ONE_BLOCK_BYTES = 2 ** 40;

/** Runs `fn` with a path in a fresh owner-only folder (raw rows pass through it), removed afterwards. */
async function withScratchFile<T>(name: string, fn: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "metrigate-clickhouse-"));
  try {
    return await fn(join(dir, name));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A row's version as DuckDB SQL over its import columns (`$stamp`: the load's stamp): the table's version
 * column above the stamp. HUGEINT (signed, 128 bits) holds every version; Parquet has no 128-bit integer,
 * so it travels as text, which the engine reads into its UInt128 column.
 */
function versionSql(table: TableSpec): string {
  return `${table.version ? `(epoch_ms(${table.version})::HUGEINT << 80) + ` : ""}$stamp::HUGEINT`;
}

/** The columns a data table stores, in order: the workspace, a generated id, the import columns, the version. */
function storedColumns(table: TableSpec): [string, ...string[]] {
  return ["workspace_id", ...(table.generatedId ? [table.generatedId] : []), ...table.columns.map((c) => c.name), VERSION];
}

/** One CSV field as the engine reads it: NULL as \N, texts always quoted (so '' stays ''), instants in UTC. */
function csvField(type: ColumnType, cell: Cell): string {
  if (cell === null) return "\\N";
  if (type === "timestamp") {
    const iso = new Date(Number(cell)).toISOString();
    return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
  }
  if (typeof cell === "string") return `"${cell.replace(/"/g, '""')}"`;
  return String(cell);
}

/** Network trouble (refused, reset, timed out) as opposed to an error the engine answered with. */
function isUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  const message = String((error as Error).message ?? "");
  return (
    (typeof code === "string" && /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|UND_ERR)/.test(code)) ||
    /timeout|socket hang up|ECONNREFUSED|ECONNRESET/i.test(message)
  );
}

function engineCode(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : "";
}

/** One line naming the setting to fix, for a store that cannot start. */
export function startupError(error: unknown, options: ClickHouseOptions): MetrigateError {
  const code = engineCode(error);
  if (isUnreachable(error)) {
    return new InvalidInput(`CLICKHOUSE_URL: cannot reach ClickHouse at ${redactedUrl(options.url)} (${String((error as Error).message).split("\n")[0]}).`);
  }
  if (code === "516" || code === "194" || code === "192") {
    return new InvalidInput(`CLICKHOUSE_USER/CLICKHOUSE_PASSWORD: ClickHouse at ${redactedUrl(options.url)} refused user "${options.user}" (wrong password or unknown user).`);
  }
  if (code === "81") {
    return new InvalidInput(
      `CLICKHOUSE_DATABASE: database "${options.database}" does not exist on ${redactedUrl(options.url)}; create it with CREATE DATABASE ${options.database}.`,
    );
  }
  return new InvalidInput(`ClickHouse at ${redactedUrl(options.url)} failed on start: ${String((error as Error).message).split("\n")[0]}`);
}

export class ClickHouseStore implements Store {
  readonly dialect = "clickhouse" as const;
  private loadCounter = 0;

  private constructor(
    private readonly client: ClickHouseClient,
    /** Bulk loads: one INSERT of a large file may rightly take minutes, where a query gets a 503 after the usual timeout. */
    private readonly bulk: ClickHouseClient,
  ) {}

  static async open(options: ClickHouseOptions): Promise<ClickHouseStore> {
    const clientWithTimeout = (requestTimeoutMs: number) =>
      createClient({
        url: options.url,
        username: options.user,
        password: options.password,
        database: options.database,
        request_timeout: requestTimeoutMs,
        compression: { request: false, response: false },
        clickhouse_settings: CLICKHOUSE_SETTINGS,
        // Failures become Metrigate errors with one clear line; the client's own ERROR logs would repeat them.
        log: { level: 127 },
      });
    const client = clientWithTimeout(options.requestTimeoutMs ?? 30_000);
    const bulk = clientWithTimeout(BULK_TIMEOUT_MS);
    const store = new ClickHouseStore(client, bulk);
    try {
      await client.query({ query: "SELECT 1", format: "JSONEachRow" }).then((r) => r.json());
      await store.migrate();
    } catch (error) {
      await store.close();
      throw startupError(error, options);
    }
    return store;
  }

  /** Creates missing tables, then applies the migrations after the recorded version (none are dropped). */
  private async migrate(): Promise<void> {
    // A current schema needs no statements: every CLI command and server start would otherwise send
    // one CREATE per table.
    const current = await this.recordedVersion();
    if (current >= SCHEMA_VERSION) return;
    for (const ddl of [...CLICKHOUSE_ACCOUNT_DDL, ...CLICKHOUSE_OAUTH_DDL]) await this.client.command({ query: ddl });
    for (const table of TABLES) await this.client.command({ query: clickHouseTableDdl(table) });
    for (let version = current + 1; version <= SCHEMA_VERSION; version++) {
      for (const statement of MIGRATIONS[version - 1]) await this.client.command({ query: statement });
      await this.exec("INSERT INTO mg_schema_version (version, applied_at) VALUES ({version:UInt32}, now64(3))", { version });
    }
  }

  /** The schema version recorded in the database; 0 for a database Metrigate has not used yet. */
  private async recordedVersion(): Promise<number> {
    const [table] = await this.query<{ result: number }>("EXISTS TABLE mg_schema_version");
    if (!table?.result) return 0;
    const [row] = await this.query<{ version: number }>("SELECT max(version) AS version FROM mg_schema_version");
    return row?.version ?? 0;
  }

  /** Engine trouble becomes a 503 in the family's shape; an error the engine answered stays a 500. */
  private async guarded<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (isUnreachable(error)) throw new Unavailable("The analytics engine is unreachable; try again shortly.");
      throw error;
    }
  }

  query<T = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.guarded(async () => {
      const result = await this.client.query({ query: sql, query_params: toQueryParams(params), format: "JSONEachRow" });
      return result.json<T>();
    });
  }

  exec(sql: string, params?: SqlParams): Promise<void> {
    return this.guarded(async () => {
      await this.client.command({ query: sql, query_params: toQueryParams(params) });
    });
  }

  /** A stamp that grows with every load of this process and with time across processes. */
  private loadStamp(): bigint {
    this.loadCounter = (this.loadCounter + 1) % 1000;
    return BigInt(Date.now()) * 1000n + BigInt(this.loadCounter);
  }

  /**
   * One INSERT of every row, as CSV text (the engine parses it many times faster than JSON objects are
   * built): the rows were validated before, so the engine accepts all of them. Of a file's rows sharing
   * a key the winner alone is sent; older stored rows lose to it through the version.
   */
  load({ table, workspaceId, rows: given }: LoadRequest): Promise<number> {
    return this.guarded(async () => {
      // Streamed batches are gathered first: every row goes into the one INSERT.
      let rows: Rows = [];
      if (Symbol.asyncIterator in given) {
        const gathered: (readonly Cell[])[] = [];
        for await (const batch of given) for (const row of batch) gathered.push(row);
        rows = gathered;
      } else rows = given;
      // Rows beyond 2^20 in one load share the last place (only append tables keep several such rows).
      const stamp = this.loadStamp() * ROWS_PER_STAMP;
      const place = (index: number) => BigInt(Math.min(index, Number(ROWS_PER_STAMP) - 1));
      const columns = table.columns;
      const versionIndex = table.version ? columns.findIndex((c) => c.name === table.version) : -1;
      const versionOf = (row: readonly Cell[], index: number) =>
        (versionIndex >= 0 ? BigInt(Number(row[versionIndex])) << 80n : 0n) + stamp + place(index);
      let chosen: readonly (readonly Cell[])[] = rows;
      if (table.replaceKey) {
        const keyIndexes = table.replaceKey.map((k) => columns.findIndex((c) => c.name === k));
        const keyOf = keyIndexes.length === 1 ? (row: readonly Cell[]) => String(row[keyIndexes[0]]) : (row: readonly Cell[]) => JSON.stringify(keyIndexes.map((i) => row[i]));
        const winners = new Map<string, { row: readonly Cell[]; version: bigint }>();
        rows.forEach((row, index) => {
          const key = keyOf(row);
          const version = versionOf(row, index);
          const held = winners.get(key);
          if (!held || version >= held.version) winners.set(key, { row, version });
        });
        chosen = [...winners.values()].map((w) => w.row);
      }
      let firstId = 0;
      if (table.generatedId) {
        const [top] = await this.query<{ id: number }>(
          `SELECT coalesce(max(${table.generatedId}), 0) AS id FROM ${table.name} WHERE workspace_id = {ws:String}`,
          { ws: workspaceId },
        );
        firstId = top?.id ?? 0;
      }
      const workspace = csvField("string", workspaceId);
      const lines = chosen.map((row, index) => {
        const fields = [workspace];
        if (table.generatedId) fields.push(String(firstId + index + 1));
        columns.forEach((c, i) => fields.push(csvField(c.type, row[i])));
        fields.push(versionOf(row, index).toString());
        return `${fields.join(",")}\n`;
      });
      const chunks: string[] = [];
      for (let i = 0; i < lines.length; i += CSV_CHUNK_LINES) chunks.push(lines.slice(i, i + CSV_CHUNK_LINES).join(""));
      if (lines.length > 0) await this.insertCsv(table, Readable.from(chunks, { objectMode: false }), lines.length);
      return lines.length;
    });
  }

  /**
   * One INSERT of CSV lines (every stored column in table order, then the version), formed into one
   * block so the engine writes the rows together.
   */
  private async insertCsv(table: TableSpec, csv: Readable, rows: number): Promise<void> {
    await this.bulk.insert({
      table: table.name,
      values: csv,
      format: "CSV",
      columns: storedColumns(table),
      clickhouse_settings: {
        max_insert_block_size: String(Math.max(rows, DEFAULT_BLOCK_ROWS)),
        input_format_csv_empty_as_default: 0,
        // The instants are written as `YYYY-MM-DD hh:mm:ss.sss`: the plain parser reads them several times faster.
        date_time_input_format: "basic",
      },
    });
  }

  /**
   * The fast path of a file import: DuckDB's own reader reads and checks the file exactly as the DuckDB
   * store's fast path does (one definition of "plainly valid") and writes the rows as a Parquet file, with
   * the workspace and the load's version, in one pass; the file then goes to the engine in one INSERT.
   * Nothing reaches ClickHouse before every row has passed; undefined (nothing stored) sends the file down
   * the careful path. A file that repeats a key is first stored in a scratch DuckDB database, which keeps
   * the last row of each key, and so are appended tables (their rows carry their place in the file); alert
   * files (ids numbered per workspace) always go the careful way.
   */
  loadFile(request: FileRequest): Promise<number | undefined> {
    const { table, workspaceId } = request;
    if (table.generatedId) return Promise.resolve(undefined);
    return this.guarded(async () => {
      const scratch = await DuckDbStore.open(":memory:");
      try {
        if (table.replaceKey) {
          const stamp = (this.loadStamp() * ROWS_PER_STAMP).toString();
          const names = table.columns.map((c) => c.name).join(", ");
          const select = (rows: string) => `SELECT $ws AS workspace_id, ${names}, (${versionSql(table)})::VARCHAR AS ${VERSION} FROM ${rows}`;
          const direct = await withScratchFile("rows.parquet", async (file) => {
            const written = await scratch.writePlainParquet(request, file, select, { ws: workspaceId, stamp });
            if (written === undefined || written.repeats > 0) return written;
            await this.insertParquet(table, file, written.rows);
            return written;
          });
          // Not plainly valid: the careful path. Stored: done. A repeated key: the scratch table below.
          if (direct === undefined || direct.repeats === 0) return direct?.rows;
        }
        const rows = await scratch.loadFile(request);
        if (rows === undefined) return undefined;
        await this.loadFromDuckDb(scratch, table, workspaceId);
        return rows;
      } finally {
        await scratch.close();
      }
    });
  }

  /** One INSERT of a Parquet file of stored columns in table order; the engine squashes its row groups into one block. */
  private async insertParquet(table: TableSpec, file: string, rows: number): Promise<void> {
    await this.bulk.insert({
      table: table.name,
      values: createReadStream(file, { highWaterMark: 1 << 20 }),
      format: "Parquet",
      columns: storedColumns(table),
      clickhouse_settings: { min_insert_block_size_rows: String(Math.max(rows, DEFAULT_BLOCK_ROWS)), min_insert_block_size_bytes: String(ONE_BLOCK_BYTES) },
    });
  }

  /**
   * Stores one table's rows of one workspace from a DuckDB database (rows already checked, one per key),
   * written by DuckDB as a Parquet file and streamed to the engine: in one INSERT, or with `chunkRows` in
   * INSERTs of that many rows (a bulk copy, then not all or nothing). Parquet rather than CSV: DuckDB
   * writes it and the engine reads it column by column, several times faster than text, and the body is
   * a quarter of the size. `onRows` hears the rows stored so far after every INSERT. Returns the rows stored.
   */
  async loadFromDuckDb(
    from: DuckDbStore,
    table: TableSpec,
    workspaceId: string,
    chunkRows?: number,
    onRows?: (rows: number) => void,
  ): Promise<number> {
    const [counted] = await from.query<{ rows: number }>(`SELECT count(*) AS rows FROM ${table.name} WHERE workspace_id = $ws`, { ws: workspaceId });
    const total = Number(counted?.rows ?? 0);
    const stamp = (this.loadStamp() * ROWS_PER_STAMP).toString();
    // Appended rows also carry their place in the source (as `load` gives them), which orders rows of
    // equal instants; keyed rows are one per key.
    const place = table.replaceKey ? "" : ` + least(row_number() OVER (ORDER BY rowid) - 1, ${ROWS_PER_STAMP - 1n})`;
    const version = `${versionSql(table)}${place}`;
    const columns = storedColumns(table).slice(0, -1).join(", ");
    const size = chunkRows ?? Math.max(total, 1);
    for (let offset = 0; offset < total; offset += size) {
      await withScratchFile("rows.parquet", async (file) => {
        const page = chunkRows === undefined ? "" : `ORDER BY rowid LIMIT ${size} OFFSET $offset`;
        // Uncompressed: on loopback or a LAN the engine reads plain pages faster than it inflates them.
        await from.exec(
          `COPY (SELECT ${columns}, (${version})::VARCHAR AS ${VERSION} FROM ${table.name} WHERE workspace_id = $ws ${page})
           TO ${sqlString(file)} (FORMAT parquet, COMPRESSION uncompressed)`,
          { ws: workspaceId, stamp, ...(chunkRows === undefined ? {} : { offset }) },
        );
        const rows = Math.min(size, total - offset);
        await this.insertParquet(table, file, rows);
        onRows?.(offset + rows);
      });
    }
    return total;
  }

  /** Plain rows into a table that is not a data table (accounts, export files), in one INSERT in the body. */
  insertRows(table: string, rows: readonly Record<string, unknown>[]): Promise<void> {
    return this.guarded(async () => {
      if (rows.length > 0) await this.client.insert({ table, values: [...rows], format: "JSONEachRow" });
    });
  }

  /** ClickHouse counts distinct strings itself; no interned keys are kept. */
  async internKeys(): Promise<void> {}

  /**
   * ClickHouse has no multi-statement transactions: statements run in order on the shared engine. Callers
   * that need all-or-nothing writes use `load` (one INSERT) instead.
   */
  transaction<T>(fn: (tx: Pick<Store, "query" | "exec">) => Promise<T>): Promise<T> {
    return fn({ query: (sql, params) => this.query(sql, params), exec: (sql, params) => this.exec(sql, params) });
  }

  /** The engine writes the Parquet file's bytes; they are streamed into the file here. */
  copyToParquet(sql: string, params: SqlParams, file: string): Promise<number> {
    return this.guarded(async () => {
      const [counted] = await this.query<{ rows: number }>(`SELECT count() AS rows FROM (${sql})`, params);
      const result = await this.client.exec({ query: `${sql}\nFORMAT Parquet`, query_params: toQueryParams(params) });
      await pipeline(result.stream, createWriteStream(file));
      return counted?.rows ?? 0;
    });
  }

  async close(): Promise<void> {
    await this.client.close();
    await this.bulk.close();
  }
}
