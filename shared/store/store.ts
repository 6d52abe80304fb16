// The store interface every engine satisfies: SQL with named parameters in, plain rows out, bulk loads.

import type { ImportFormat } from "../import/parse.ts";
import type { TableSpec } from "./tables.ts";

/** A bound SQL parameter. Instants travel as ISO strings and are cast in SQL. */
export type SqlValue = string | number | boolean | null | readonly string[] | readonly number[];
export type SqlParams = Record<string, SqlValue>;

/** The caller's workspace parameter as each engine's SQL binds it: `$ws` (DuckDB) or `{ws:String}` (ClickHouse). */
export const WORKSPACE_PARAMETER = /\$ws\b|\{ws:String\}/;

/**
 * Result rows: integers and decimals as numbers, timestamps as ISO-8601 strings with `Z`,
 * lists as arrays. Select dates with strftime when a `YYYY-MM-DD` string is wanted.
 */
export type Row = Record<string, unknown>;

/** A validated cell ready for loading: timestamps are epoch milliseconds, dates `YYYY-MM-DD`. */
export type Cell = string | number | boolean | null;

/** Rows in the order of `table.columns`. */
export type Rows = readonly (readonly Cell[])[];

export interface LoadRequest {
  table: TableSpec;
  workspaceId: string;
  /**
   * All the rows, or a stream of blocks of rows (a file read as it goes); a stream that throws stores
   * nothing.
   */
  rows: Rows | AsyncIterable<Rows>;
}

export interface FileRequest {
  table: TableSpec;
  workspaceId: string;
  /** A CSV file with a header line or an NDJSON file on this machine; gzip-compressed when it ends in `.gz`. */
  file: string;
  format: ImportFormat;
  /** Told now and then how far the engine has got, from 0 to 1 (optional; for progress bars). */
  onProgress?: (fraction: number) => void;
}

export interface Store {
  readonly dialect: "duckdb" | "clickhouse";
  query<T = Row>(sql: string, params?: SqlParams): Promise<T[]>;
  exec(sql: string, params?: SqlParams): Promise<void>;
  /**
   * Stores rows into one data table of one workspace, all or nothing: rows whose replace key already
   * exists replace the older rows, others are appended. Returns the number of rows stored: a row that a
   * later row of the same load replaces is not counted (nor, on DuckDB, one that loses to a stored row
   * of a greater version).
   */
  load(request: LoadRequest): Promise<number>;
  /**
   * The fast path of a file import: the engine reads the file itself and stores it as `load` would, when
   * every row is plainly valid; undefined (nothing stored) when any row needs the careful path (which
   * validates in JavaScript, names the first bad line, or stores the same rows through `load`).
   */
  loadFile?(request: FileRequest): Promise<number | undefined>;
  /**
   * Gives rows of `table` written by plain SQL (the demo seed) their interned key (`table.interned`);
   * `load` does this itself.
   */
  internKeys(table: TableSpec, workspaceId: string): Promise<void>;
  /** Runs `fn` inside one transaction on one connection: every statement commits or none does. */
  transaction<T>(fn: (tx: Pick<Store, "query" | "exec">) => Promise<T>): Promise<T>;
  /** Writes the result of a query to a Parquet file; returns the number of rows written. */
  copyToParquet(sql: string, params: SqlParams, file: string): Promise<number>;
  close(): Promise<void>;
}
