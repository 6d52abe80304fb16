// The store interface every engine satisfies: SQL with named parameters in, plain rows out, bulk loads.

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

export interface LoadRequest {
  table: TableSpec;
  workspaceId: string;
  /** Rows in the order of `table.columns`. */
  rows: readonly (readonly Cell[])[];
}

export interface CsvFileRequest {
  table: TableSpec;
  workspaceId: string;
  /** A CSV file on this machine, with a header line. */
  file: string;
}

export interface Store {
  readonly dialect: "duckdb" | "clickhouse";
  query<T = Row>(sql: string, params?: SqlParams): Promise<T[]>;
  exec(sql: string, params?: SqlParams): Promise<void>;
  /**
   * Stores rows into one data table of one workspace, all or nothing: rows whose replace key already
   * exists replace the older rows, others are appended. Returns the number of rows stored.
   */
  load(request: LoadRequest): Promise<number>;
  /**
   * The fast path of a CSV import: the engine reads the file itself and stores it as `load` would, when
   * every row is plainly valid; undefined (nothing stored) when any row needs the careful path.
   */
  loadCsvFile?(request: CsvFileRequest): Promise<number | undefined>;
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
