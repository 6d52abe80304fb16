// Moving up (CONTRACT §14): every data row of a DuckDB database copied into another store, table by table,
// in import order, through the target's own all-or-nothing `load` — so a second copy replaces, never doubles;
// and its workspaces and credentials into ClickHouse's account tables, replaced by key the same way.

import { InvalidInput } from "../errors.ts";
import { ACCOUNT_COLUMNS } from "./accounts-ddl.ts";
import { OAUTH_COLUMNS } from "./oauth-ddl.ts";
import type { ClickHouseStore } from "./clickhouse.ts";
import type { Cell, Store } from "./store.ts";
import { TABLES, type ColumnSpec, type TableSpec } from "./tables.ts";

/** Rows per load: large enough to keep loads few, small enough to keep memory flat at millions of rows. */
const CHUNK_ROWS = 100_000;

export interface CopiedTable {
  workspace: string;
  table: string;
  rows: number;
}

/** A stored value (timestamps as ISO text, dates as midnight instants) back as the cell `load` takes. */
function toCell(column: ColumnSpec, value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (column.type === "timestamp") return Date.parse(String(value));
  if (column.type === "date") return String(value).slice(0, 10);
  if (column.type === "integer" || column.type === "number") return Number(value);
  if (column.type === "boolean") return Boolean(value);
  return String(value);
}

async function copyTable(from: Store, to: Store, table: TableSpec, workspaceId: string): Promise<number> {
  const names = table.columns.map((c) => c.name).join(", ");
  // Generated ids (alert ids) are given again in the same order: the target's rows of the workspace go
  // first, so the ids come out equal and a second copy does not add them twice.
  const order = table.generatedId ? table.generatedId : "rowid";
  if (table.generatedId) {
    await to.exec(
      to.dialect === "clickhouse"
        ? `DELETE FROM ${table.name} WHERE workspace_id = {ws:String}`
        : `DELETE FROM ${table.name} WHERE workspace_id = $ws`,
      { ws: workspaceId },
    );
  }
  let copied = 0;
  for (let offset = 0; ; offset += CHUNK_ROWS) {
    const rows = await from.query<Record<string, unknown>>(
      `SELECT ${names} FROM ${table.name} WHERE workspace_id = $ws ORDER BY ${order} LIMIT ${CHUNK_ROWS} OFFSET $offset`,
      { ws: workspaceId, offset },
    );
    if (rows.length === 0) return copied;
    copied += await to.load({ table, workspaceId, rows: rows.map((row) => table.columns.map((c) => toCell(c, row[c.name]))) });
    if (rows.length < CHUNK_ROWS) return copied;
  }
}

/** Copies every workspace's rows of every data table; returns what was copied, table by table. */
export async function copyData(from: Store, to: Store, workspaceIds: readonly string[]): Promise<CopiedTable[]> {
  if (from.dialect !== "duckdb") throw new InvalidInput("The copy reads a DuckDB database (METRIGATE_DB).");
  const copied: CopiedTable[] = [];
  for (const workspace of workspaceIds) {
    for (const table of TABLES) copied.push({ workspace, table: table.name, rows: await copyTable(from, to, table, workspace) });
  }
  return copied;
}

/**
 * Sessions are not copied: a console sign-in lasts hours, and one ended on DuckDB after a first copy
 * would live on in ClickHouse. Users sign in again on the new servers. OAuth clients, consents and
 * refresh tokens are, so assistants stay connected; authorization codes (minutes long) are not.
 */
const COPIED_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  mg_workspaces: ACCOUNT_COLUMNS.mg_workspaces,
  mg_users: ACCOUNT_COLUMNS.mg_users,
  mg_api_keys: ACCOUNT_COLUMNS.mg_api_keys,
  mg_tokens: ACCOUNT_COLUMNS.mg_tokens,
  ...OAUTH_COLUMNS,
};

/**
 * Copies workspaces, users, API keys (digests and encrypted copies as stored), tokens and OAuth grants. The rows get
 * version 0: a second copy replaces the first (the last row of equal version wins), and a change made on
 * ClickHouse since (a revoked token, a regenerated key) keeps winning. Returns rows copied per table.
 */
export async function copyAccounts(from: Store, to: Pick<ClickHouseStore, "insertRows">): Promise<Record<string, number>> {
  if (from.dialect !== "duckdb") throw new InvalidInput("The copy reads a DuckDB database (METRIGATE_DB).");
  const copied: Record<string, number> = {};
  for (const [table, columns] of Object.entries(COPIED_COLUMNS)) {
    copied[table] = 0;
    for (let offset = 0; ; offset += CHUNK_ROWS) {
      const rows = await from.query<Record<string, unknown>>(
        `SELECT ${columns.join(", ")} FROM ${table} ORDER BY ${columns[0]} LIMIT ${CHUNK_ROWS} OFFSET $offset`,
        { offset },
      );
      await to.insertRows(table, rows.map((row) => ({ ...row, mg_version: 0 })));
      copied[table] += rows.length;
      if (rows.length < CHUNK_ROWS) break;
    }
  }
  return copied;
}
