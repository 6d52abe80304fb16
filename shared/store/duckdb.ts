// The embedded DuckDB store: one database file per server, a small connection pool, appender-based loads.

import type { DuckDBAppender, DuckDBConnection, DuckDBInstance, DuckDBMaterializedResult, DuckDBType, DuckDBValue } from "@duckdb/node-api";
import { createRequire } from "node:module";
import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { InvalidInput, MetrigateError } from "../errors.ts";
import { convertedValue, fileReaderSql, headerOfLine, KEY_SAMPLE_LINES, plainPlan, readerSql, type KeySampling } from "./import-plan.ts";
import { firstLine } from "./file-head.ts";
import { gzipIntact } from "./gzip-intact.ts";
import type { Cell, FileRequest, LoadRequest, Row, Rows, SqlParams, Store } from "./store.ts";
import { storedColumns, TABLES, type ColumnType, type TableSpec } from "./tables.ts";
import { ACCOUNT_DDL } from "./accounts-ddl.ts";
import { OAUTH_DDL } from "./oauth-ddl.ts";
import { SQL_TYPES } from "./duckdb-types.ts";
import { sqlString } from "./sql-literal.ts";

// Required, not imported: an ESM import of this CommonJS package makes Node scan each of its modules for
// export names, which costs a short command (an import, a key) about a third of its start-up.
const duckdb = createRequire(import.meta.url)("@duckdb/node-api") as typeof import("@duckdb/node-api");
const { DOUBLE, LIST, listValue, VARCHAR, DuckDBDateValue, DuckDBTimestampValue } = duckdb;

export function dataTableDdl(table: TableSpec): string[] {
  const columns = storedColumns(table).map((c) => `${c.name} ${SQL_TYPES[c.type]}`);
  const ddl = [`CREATE TABLE IF NOT EXISTS ${table.name} (${columns.join(", ")})`];
  if (table.interned) {
    const { column, key, dictionary } = table.interned;
    // Databases made before the key existed gain the column; `migrate` fills it.
    ddl.push(`ALTER TABLE ${table.name} ADD COLUMN IF NOT EXISTS ${key} BIGINT`);
    ddl.push(`CREATE TABLE IF NOT EXISTS ${dictionary} (workspace_id VARCHAR, ${column} VARCHAR, ${key} BIGINT)`);
  }
  return ddl;
}

type Interned = NonNullable<TableSpec["interned"]>;

/**
 * Numbers the values of an interned column not yet in the dictionary, after the workspace's highest key,
 * in value order. `values`: a SELECT of distinct (workspace_id, <column>) pairs.
 */
function dictionarySql(interned: Interned, values: string): string {
  const { column, key, dictionary } = interned;
  return `INSERT INTO ${dictionary} (workspace_id, ${column}, ${key})
     SELECT workspace_id, ${column},
            coalesce((SELECT max(d.${key}) FROM ${dictionary} d WHERE d.workspace_id = n.workspace_id), 0)
              + row_number() OVER (PARTITION BY workspace_id ORDER BY ${column})
     FROM (${values}) n
     -- Distinct values first, then the dictionary: one lookup per value rather than one per row.
     WHERE NOT EXISTS (SELECT 1 FROM ${dictionary} d WHERE d.workspace_id = n.workspace_id AND d.${column} = n.${column})`;
}

/**
 * Numbers the values of an interned column that rows lack a key for, then writes the keys into those
 * rows. `$ws` null: every workspace.
 */
function internSql(table: TableSpec): string[] {
  if (!table.interned) return [];
  const { column, key, dictionary } = table.interned;
  const scope = "($ws::VARCHAR IS NULL OR s.workspace_id = $ws::VARCHAR)";
  return [
    dictionarySql(table.interned, `SELECT DISTINCT s.workspace_id, s.${column} FROM ${table.name} s WHERE ${scope} AND s.${key} IS NULL`),
    `UPDATE ${table.name} s SET ${key} = d.${key}
     FROM ${dictionary} d
     WHERE ${scope} AND s.${key} IS NULL AND d.workspace_id = s.workspace_id AND d.${column} = s.${column}`,
  ];
}

/**
 * How many rows of `from` repeat the key of another, found among the keys' hashes, sorted: for ten million
 * rows a third cheaper than a hash table of every key, and hashes cost a fraction of the strings. Two keys
 * sharing a hash (about one chance in 300,000 for 10 million keys) only count as a repeat, which callers
 * then settle exactly.
 */
function repeatsSql(key: string, from: string): string {
  return `SELECT count(*) AS repeats FROM (
            SELECT h, lag(h) OVER (ORDER BY h) AS previous FROM (SELECT hash(${key}) AS h FROM ${from}))
          WHERE h = previous`;
}

/** The database file is held by another process: a clear sentence instead of DuckDB's IO error. */
export class DatabaseLocked extends MetrigateError {
  constructor(path: string) {
    super(
      "conflict",
      `The database ${path} is in use by another Metrigate process (a running \`metrigate serve\`, or an import or seed ` +
        `still at work). Wait for it or stop it; while a server runs, send data through its POST /v1/ingest/<table>.`,
    );
  }
}

function toJs(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toJs);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJs(v)]));
  }
  return value;
}

interface Bound {
  values?: Record<string, DuckDBValue>;
  types?: Record<string, DuckDBType>;
}

/** Named parameters with explicit list types (DuckDB cannot infer the type of a bare JS array). */
function bind(params: SqlParams | undefined): Bound {
  if (!params) return {};
  const values: Record<string, DuckDBValue> = {};
  const types: Record<string, DuckDBType> = {};
  for (const [k, v] of Object.entries(params)) {
    if (Array.isArray(v)) {
      const numeric = v.length > 0 && typeof v[0] === "number";
      values[k] = listValue(v as DuckDBValue[]);
      types[k] = LIST(numeric ? DOUBLE : VARCHAR);
    } else {
      values[k] = v as DuckDBValue;
    }
  }
  return { values, types };
}

function args(params: SqlParams | undefined): [Record<string, DuckDBValue>?, Record<string, DuckDBType>?] {
  const { values, types } = bind(params);
  return [values, types];
}

function appendCell(appender: DuckDBAppender, type: ColumnType, cell: Cell): void {
  if (cell === null) return appender.appendNull();
  switch (type) {
    case "string":
      return appender.appendVarchar(String(cell));
    case "integer":
      return appender.appendBigInt(BigInt(cell as number));
    case "number":
      return appender.appendDouble(cell as number);
    case "boolean":
      return appender.appendBoolean(cell as boolean);
    case "timestamp":
      return appender.appendTimestamp(new DuckDBTimestampValue(BigInt(cell as number) * 1000n));
    case "date":
      return appender.appendDate(new DuckDBDateValue(Math.round(Date.parse(`${String(cell)}T00:00:00Z`) / 86_400_000)));
  }
}

async function internKeysIn(tx: Pick<Store, "exec">, table: TableSpec, workspaceId: string | null): Promise<void> {
  for (const sql of internSql(table)) await tx.exec(sql, { ws: workspaceId });
}

/**
 * Share of a file import's time spent in the statements that read the file (of an interned column's
 * values, then of the rows); the rest settles replaced rows and keys.
 */
const READING_SHARE = 0.7;
/** Of the reading share, the part that reading an interned column's values takes (one column of the file). */
const VALUES_PART = 0.25;

interface ProgressWatch {
  /** The statements from now on fill the bar from `from` to `to` (fractions of the whole import). */
  span(from: number, to: number): void;
  stop(): void;
}

/**
 * Polls DuckDB's progress of the running statement and reports the import's fraction, each statement
 * filling the span it was given.
 */
function watchProgress(connection: DuckDBConnection, report: (fraction: number) => void): ProgressWatch {
  let [start, share, reported] = [0, READING_SHARE, 0];
  const reportAtLeast = (fraction: number) => {
    // Each statement counts from 0 again, and a load may be redone: the reported fraction only ever grows.
    if (fraction > reported) report((reported = fraction));
  };
  const timer = setInterval(() => reportAtLeast(start + (share * Math.min(Math.max(connection.progress.percentage, 0), 100)) / 100), 200);
  return {
    span(from, to) {
      [start, share] = [from, to - from];
      reportAtLeast(from);
    },
    stop() {
      clearInterval(timer);
    },
  };
}

/** Rows given whole, or as a stream of blocks, as a stream of blocks. */
async function* blocksOf(rows: Rows | AsyncIterable<Rows>): AsyncGenerator<Rows> {
  if (Symbol.asyncIterator in rows) yield* rows;
  else yield rows;
}

/** A marker in the SQL of the engine's reading: the statement stops at the first row that is not plainly valid. */
const DOUBTFUL_ROW = "mg_doubtful_row";

/** The engine could not read the file as plainly valid rows: the careful path takes it. */
class FileNotPlain extends Error {}

/** The file repeats a key, so which row wins depends on the rows' order: the load is redone in the file's order. */
class FileOrderNeeded extends Error {}

/** A file's plain rows as SQL (see DuckDbStore.plainRowsSql). */
interface PlainRows {
  rows: string;
  valuesOf: (column: string) => string;
  sampling: KeySampling;
}

/**
 * Whether DuckDB's read failed on an NDJSON key that its first line lacks, within the lines it samples by
 * default: read with that sample's keys, the file may be plain. (Beyond the sample it fails either way.)
 */
function keyWithinSample(message: string): boolean {
  if (!/has unknown key/.test(message)) return false;
  const line = /, in line (\d+):/.exec(message);
  return line === null || Number(line[1]) <= KEY_SAMPLE_LINES;
}

/** Runs a statement that reads rows and returns how many it wrote; a failure means the rows were not plain. */
async function rowsChanged(statement: () => Promise<DuckDBMaterializedResult>): Promise<number> {
  try {
    return Number((await statement()).rowsChanged);
  } catch (e) {
    throw new FileNotPlain((e as Error).message);
  }
}

/** Serialises work on one connection: DuckDB transactions belong to a connection. */
class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

export class DuckDbStore implements Store {
  readonly dialect = "duckdb" as const;
  private readonly writer = new Serial();
  private readonly readers: DuckDBConnection[] = [];
  private nextReader = 0;
  private stageCounter = 0;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly writeConnection: DuckDBConnection,
  ) {}

  /**
   * `memoryLimit` (e.g. "512MB"): DuckDB's own memory bound; past it, work spills to `<database>.tmp/`.
   * Unset: DuckDB's default, 80% of the machine's memory.
   */
  static async open(path: string, options: { readers?: number; memoryLimit?: string } = {}): Promise<DuckDbStore> {
    if (path !== ":memory:") {
      // The database, its WAL and the Parquet files DuckDB writes hold raw data: owner-only, like the
      // secret. The mask covers every file this process creates; files of older versions are tightened.
      process.umask(0o077);
      try {
        mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
        for (const file of [path, `${path}.wal`]) if (existsSync(file)) chmodSync(file, 0o600);
      } catch (e) {
        throw new InvalidInput(`METRIGATE_DB: cannot use ${path}: ${(e as Error).message}.`);
      }
    }
    let instance: DuckDBInstance;
    try {
      // Group keys spanning up to 2^20 values (interned user keys of a million users) get DuckDB's
      // perfect hash aggregate, several times faster than a hash table.
      // A bulk insert writes each full row group to disk at once rather than five at a time: compressing
      // and writing then overlap the reading, and less memory is held (a million-row NDJSON import
      // measured 12% faster with a fifth fewer page faults; the file is the same size).
      const limit: Record<string, string> = options.memoryLimit ? { memory_limit: options.memoryLimit } : {};
      instance = await duckdb.DuckDBInstance.create(path, { perfect_ht_threshold: "20", write_buffer_row_group_count: "1", ...limit });
    } catch (e) {
      if (/lock/i.test(String((e as Error).message))) throw new DatabaseLocked(path);
      // A path DuckDB cannot open (a folder, no permission): the setting to fix, in one line.
      if (/^IO Error/.test(String((e as Error).message))) throw new InvalidInput(`METRIGATE_DB: cannot open ${path}: ${String((e as Error).message).split("\n")[0]}`);
      throw e;
    }
    const store = new DuckDbStore(instance, await instance.connect());
    // Progress of long statements (imports) is read by polling, never printed by DuckDB itself.
    await store.writeConnection.run("SET enable_progress_bar = true");
    await store.writeConnection.run("SET enable_progress_bar_print = false");
    for (let i = 0; i < (options.readers ?? 3); i++) store.readers.push(await instance.connect());
    await store.migrate();
    return store;
  }

  private async migrate(): Promise<void> {
    // One call for every statement: each call of its own cost a command about a millisecond.
    await this.writeConnection.run([...TABLES.flatMap(dataTableDdl), ...ACCOUNT_DDL, ...OAUTH_DDL].join(";\n"));
    for (const table of TABLES) {
      if (!table.interned) continue;
      // Rows lack a key only in a database made before keys existed: one cheap look spares every start the work.
      const lacking = await this.writeConnection.runAndReadAll(`SELECT 1 FROM ${table.name} WHERE ${table.interned.key} IS NULL LIMIT 1`);
      if (lacking.currentRowCount > 0) await this.inTransaction((tx) => internKeysIn(tx, table, null));
    }
  }

  internKeys(table: TableSpec, workspaceId: string): Promise<void> {
    return this.writer.run(() => this.inTransaction((tx) => internKeysIn(tx, table, workspaceId)));
  }

  private reader(): DuckDBConnection {
    const connection = this.readers[this.nextReader % this.readers.length];
    this.nextReader++;
    return connection;
  }

  async query<T = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    const reader = await this.reader().runAndReadAll(sql, ...args(params));
    return reader.getRowObjectsJS().map((row) => toJs(row) as T);
  }

  exec(sql: string, params?: SqlParams): Promise<void> {
    return this.writer.run(async () => {
      await this.writeConnection.run(sql, ...args(params));
    });
  }

  transaction<T>(fn: (tx: Pick<Store, "query" | "exec">) => Promise<T>): Promise<T> {
    return this.writer.run(() => this.inTransaction(fn));
  }

  private async inTransaction<T>(fn: (tx: Pick<Store, "query" | "exec">) => Promise<T>): Promise<T> {
    const connection = this.writeConnection;
    const tx = {
      query: async <R = Row>(sql: string, params?: SqlParams): Promise<R[]> => {
        const reader = await connection.runAndReadAll(sql, ...args(params));
        return reader.getRowObjectsJS().map((row) => toJs(row) as R);
      },
      exec: async (sql: string, params?: SqlParams): Promise<void> => {
        await connection.run(sql, ...args(params));
      },
    };
    await connection.run("BEGIN TRANSACTION");
    try {
      const result = await fn(tx);
      await connection.run("COMMIT");
      return result;
    } catch (e) {
      await connection.run("ROLLBACK");
      throw e;
    }
  }

  load(request: LoadRequest): Promise<number> {
    return this.writer.run(() => this.loadRows(request));
  }

  /** The careful path's rows (validated in JavaScript) go through a temporary table, then into the table. */
  private async loadRows({ table, workspaceId, rows }: LoadRequest): Promise<number> {
    const columns = table.columns;
    return this.withStage(table, async (connection, stage) => {
      await connection.run(`CREATE TEMP TABLE ${stage} (${columns.map((c) => `${c.name} ${SQL_TYPES[c.type]}`).join(", ")})`);
      const appender = await connection.createAppender(stage, "main", "temp");
      try {
        for await (const block of blocksOf(rows)) {
          for (const row of block) {
            for (let i = 0; i < columns.length; i++) appendCell(appender, columns[i].type, row[i]);
            appender.endRow();
          }
        }
      } finally {
        appender.closeSync();
      }
      return this.storeRows(table, workspaceId, stage, { inFileOrder: true });
    });
  }

  /**
   * The SELECT of a file's rows as the import columns in table order, converted and checked in one pass
   * over the file: the first doubtful row stops the statement (`rows`); and `valuesOf(column)`, the SELECT
   * of one column's distinct converted values, unchecked (a doubtful file fails `rows` anyway). Undefined
   * when the file's columns are not plainly known (the careful path then explains).
   * The columns come from the file's first line where it shows them plainly (`sampling` "first line"),
   * else from the engine's detection (DESCRIBE, "sample"); `sampling` tells which was used.
   */
  private async plainRowsSql({ table, format, file }: FileRequest, wanted: KeySampling): Promise<PlainRows | undefined> {
    const line = wanted === "first line" ? await firstLine(file) : undefined;
    // A header of known columns is short: a CSV file without a line break ("\n") in its first 64 KiB has
    // none that is plain. Its lines may end in a bare CR, which DuckDB reads and csv-parse reads only in a
    // small file: the careful path decides, so both ways of importing agree.
    if (format === "csv" && wanted === "first line" && line === undefined) return undefined;
    let header = line === undefined ? undefined : headerOfLine(format, line);
    const sampling: KeySampling = header ? "first line" : "sample";
    if (!header) {
      try {
        header = (await this.writeConnection.runAndReadAll(`DESCRIBE SELECT * FROM ${readerSql(format, file)}`)).getRowObjectsJS().map((r) => String(r.column_name));
      } catch {
        return undefined;
      }
    }
    const plan = plainPlan(table, format, header);
    if (!plan) return undefined;
    const reader = fileReaderSql(format, file, header, sampling);
    const converted = `SELECT ${plan.converted} FROM (SELECT ${plan.cells} FROM ${reader})`;
    return {
      rows: `SELECT ${plan.values} FROM (${converted}) WHERE CASE WHEN (${plan.valid}) IS TRUE THEN true ELSE error('${DOUBTFUL_ROW}') END`,
      valuesOf: (column) => `SELECT DISTINCT ${convertedValue(column)} AS ${column} FROM (${converted})`,
      sampling,
    };
  }

  /**
   * Runs `attempt` over a file's plain rows; undefined when the file is not plainly valid (`attempt` threw
   * FileNotPlain, having stored nothing). An NDJSON file whose keys were learnt from its first line and
   * that has another key on a later line within DuckDB's sample (an optional key the first record left
   * out) is tried again with the sample's keys, as it would have been read before the first line sufficed.
   */
  private async plainAttempts<T>(request: FileRequest, attempt: (rows: PlainRows, intact: () => Promise<void>) => Promise<T>): Promise<T | undefined> {
    // A compressed file is checked beside the engine's read; `intact` (awaited before the rows are kept)
    // fails the attempt for a damaged one.
    const stop = new AbortController();
    const checked = request.file.endsWith(".gz") ? gzipIntact(request.file, stop.signal) : undefined;
    const intact = async () => {
      if (checked && !(await checked)) throw new FileNotPlain(`${request.file} is not an intact gzip file`);
    };
    try {
      for (const wanted of ["first line", "sample"] as const) {
        const plainRows = await this.plainRowsSql(request, wanted);
        if (!plainRows) return undefined;
        try {
          return await attempt(plainRows, intact);
        } catch (e) {
          if (!(e instanceof FileNotPlain)) throw e;
          if (plainRows.sampling === "first line" && keyWithinSample(e.message)) continue;
          return undefined;
        }
      }
      return undefined;
    } finally {
      // A declined file goes the careful way, which inflates it anyway: the check stops.
      stop.abort();
    }
  }

  /**
   * A file's plainly valid rows written as a Parquet file without being stored: `select` turns the SELECT
   * of the rows (import columns in table order) into what is written, with `params` bound. Returns the
   * rows written and how many of them repeat a key of an earlier one (by their keys' hashes, as
   * `storeRows` counts them; 0 for a table without a key); undefined, with nothing written, when the file
   * is not plainly valid.
   */
  writePlainParquet(
    request: FileRequest,
    target: string,
    select: (rows: string) => string,
    params: SqlParams,
  ): Promise<{ rows: number; repeats: number } | undefined> {
    return this.writer.run(() =>
      this.plainAttempts(request, async (plainRows, intact) => {
        const rows = await rowsChanged(() => this.writeConnection.run(`COPY (${select(`(${plainRows.rows})`)}) TO ${sqlString(target)} (FORMAT parquet, COMPRESSION uncompressed)`, ...args(params)));
        await intact();
        const key = request.table.replaceKey?.join(", ");
        if (!key) return { rows, repeats: 0 };
        const [counted] = (await this.writeConnection.runAndReadAll(repeatsSql(key, `read_parquet(${sqlString(target)})`))).getRowObjectsJS();
        return { rows, repeats: Number(counted.repeats) };
      }),
    );
  }

  loadFile(request: FileRequest): Promise<number | undefined> {
    const { table, workspaceId } = request;
    return this.writer.run(() =>
      this.plainAttempts(request, async (plainRows, intact) => {
        const progress = request.onProgress ? watchProgress(this.writeConnection, request.onProgress) : undefined;
        try {
          if (!table.sortKey) {
            // Rows stored in any order are written faster (each thread fills its own row groups); the order
            // matters only for generated ids and for a file that repeats a key, which is then read again.
            const inFileOrder = table.generatedId !== undefined;
            try {
              return await this.storeRows(table, workspaceId, `(${plainRows.rows})`, { progress, inFileOrder, valuesOf: plainRows.valuesOf, intact });
            } catch (e) {
              if (!(e instanceof FileOrderNeeded)) throw e;
              return await this.storeRows(table, workspaceId, `(${plainRows.rows})`, { progress, inFileOrder: true, intact });
            }
          }
          // A sorted table needs the file's order beside the sort (the last of equal rows wins): staged first.
          return await this.withStage(table, async (connection, stage) => {
            await rowsChanged(() => connection.run(`CREATE TEMP TABLE ${stage} AS ${plainRows.rows}`));
            return this.storeRows(table, workspaceId, stage, { progress, inFileOrder: true, reading: [READING_SHARE, READING_SHARE], intact });
          });
        } finally {
          progress?.stop();
        }
      }),
    );
  }

  /** Runs `fill` with a fresh temp table name on the write connection and drops the table afterwards. */
  private async withStage<T>(table: TableSpec, fill: (connection: DuckDBConnection, stage: string) => Promise<T>): Promise<T> {
    const stage = `mg_stage_${table.name}_${process.pid}_${++this.stageCounter}`;
    try {
      return await fill(this.writeConnection, stage);
    } finally {
      await this.writeConnection.run(`DROP TABLE IF EXISTS temp.${stage}`);
    }
  }

  /**
   * Stores the rows of a stage table or a subquery (the import columns in the table's order) into the
   * table, all or nothing, in one transaction: the rows go straight in, then the few that replacement
   * rules (§8) remove are deleted — most imports repeat no key, and one count tells so. The new rows are
   * told apart by their row ids: DuckDB numbers the rows a transaction appends above every stored row.
   * `inFileOrder`: the rows keep the source's order (else a file repeating a key is FileOrderNeeded).
   * `valuesOf` (rows in any order only): the SELECT of a column's distinct values in `from`, so that an
   * interned column's values are numbered first and each row is written with its key, rather than the
   * keys written into the stored rows afterwards, which rewrote them (a fifth of a sessions import).
   * `reading`: the span of the progress bar the reading statements fill.
   * `intact`: awaited before the commit; a rejection rolls the rows back (a damaged compressed file).
   */
  private async storeRows(
    table: TableSpec,
    workspaceId: string,
    from: string,
    options: { progress?: ProgressWatch; inFileOrder: boolean; valuesOf?: (column: string) => string; reading?: [number, number]; intact?: () => Promise<void> },
  ): Promise<number> {
    const { progress, inFileOrder, valuesOf, reading: [readFrom, readTo] = [0, READING_SHARE], intact } = options;
    // Keys written with the rows: the file's values are numbered first (rows in any order only).
    const keyed = !inFileOrder && valuesOf && table.interned ? { ...table.interned, valuesOf } : undefined;
    const names = table.columns.map((c) => c.name);
    const ws = { ws: workspaceId };
    const connection = this.writeConnection;
    if (!inFileOrder) await connection.run("SET SESSION preserve_insertion_order = false");
    const store = async (tx: Pick<Store, "query" | "exec">): Promise<number> => {
      const [before] = await tx.query<{ last: number; stored: number }>(
        `SELECT coalesce(max(rowid), -1) AS last, count(*) FILTER (WHERE workspace_id = $ws) AS stored FROM ${table.name}`,
        ws,
      );
      const fresh = { ...ws, last: before.last };
      let insert: string;
      if (keyed) {
        const { column, key, dictionary } = keyed;
        const valuesEnd = readFrom + (readTo - readFrom) * VALUES_PART;
        progress?.span(readFrom, valuesEnd);
        const values = `SELECT $ws::VARCHAR AS workspace_id, ${column} FROM (${keyed.valuesOf(column)}) WHERE ${column} IS NOT NULL`;
        await rowsChanged(() => connection.run(dictionarySql(keyed, values), ...args(ws)));
        progress?.span(valuesEnd, readTo);
        insert = `INSERT INTO ${table.name} (workspace_id, ${names.join(", ")}, ${key})
                  SELECT $ws, ${names.map((name) => `f.${name}`).join(", ")}, d.${key}
                  FROM ${from} f LEFT JOIN ${dictionary} d ON d.workspace_id = $ws AND d.${column} = f.${column}`;
      } else {
        progress?.span(readFrom, readTo);
        // Sorted rows keep the file's order among equals (a stage's row ids).
        const sorted = table.sortKey ? `ORDER BY ${table.sortKey.join(", ")}, rowid` : "";
        insert = `INSERT INTO ${table.name} (workspace_id, ${names.join(", ")}) SELECT $ws, ${names.join(", ")} FROM ${from} ${sorted}`;
      }
      const inserted = await rowsChanged(() => connection.run(insert, ...args(ws)));
      let stored = inserted;
      progress?.span(READING_SHARE, 1);
      if (table.replaceKey) {
        const key = table.replaceKey.join(", ");
        const [{ repeats }] = await tx.query<{ repeats: number }>(
          repeatsSql(key, `${table.name} ${before.last >= 0 ? "WHERE rowid > $last" : ""}`),
          before.last >= 0 ? { last: before.last } : undefined,
        );
        if (repeats > 0 && !inFileOrder) throw new FileOrderNeeded();
        // Of the rows sharing a key with a new row, one stays: the greatest version, then the last loaded.
        if (repeats > 0 || before.stored > 0) {
          await tx.exec(
            `DELETE FROM ${table.name} WHERE rowid IN (
               SELECT rowid FROM (
                 SELECT rowid, row_number() OVER (PARTITION BY ${key} ORDER BY ${table.version ? `${table.version} DESC, ` : ""}rowid DESC) AS mg_rank
                 FROM ${table.name}
                 WHERE workspace_id = $ws AND (${key}) IN (SELECT (${key}) FROM ${table.name} WHERE rowid > $last))
               WHERE mg_rank > 1)`,
            fresh,
          );
          // The rows stored are the new rows still there: not those a later row of the same file, or a
          // stored row of a greater version, replaced.
          const [{ kept }] = await tx.query<{ kept: number }>(`SELECT count(*) AS kept FROM ${table.name} WHERE rowid > $last`, { last: before.last });
          stored = Number(kept);
        }
      }
      if (table.generatedId) {
        const id = table.generatedId;
        await tx.exec(
          `UPDATE ${table.name} SET ${id} = n.mg_id
           FROM (SELECT rowid AS mg_row, (SELECT coalesce(max(${id}), 0) FROM ${table.name} WHERE workspace_id = $ws) + row_number() OVER (ORDER BY rowid) AS mg_id
                 FROM ${table.name} WHERE rowid > $last) n
           WHERE ${table.name}.rowid = n.mg_row`,
          fresh,
        );
      }
      // Rows written with their keys lack none; others get theirs now.
      if (!keyed) await internKeysIn(tx, table, workspaceId);
      await intact?.();
      return stored;
    };
    try {
      return await this.inTransaction(store);
    } finally {
      if (!inFileOrder) await connection.run("SET SESSION preserve_insertion_order = true");
    }
  }

  copyToParquet(sql: string, params: SqlParams, file: string): Promise<number> {
    return this.writer.run(async () => {
      const result = await this.writeConnection.run(`COPY (${sql}) TO ${sqlString(file)} (FORMAT parquet)`, ...args(params));
      return Number(result.rowsChanged);
    });
  }

  async close(): Promise<void> {
    for (const c of this.readers) c.closeSync();
    this.writeConnection.closeSync();
    this.instance.closeSync();
  }
}
