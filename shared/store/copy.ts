// Moving up (CONTRACT §14): every data row of a DuckDB database copied into ClickHouse, table by table, in
// import order — DuckDB writes each table as Parquet and the engine loads it in large INSERTs, replacing by
// key, so a second copy replaces, never doubles; and its workspaces and credentials into ClickHouse's
// account tables, replaced by key the same way.

import { InvalidInput } from "../errors.ts";
import { ACCOUNT_COLUMNS } from "./accounts-ddl.ts";
import { OAUTH_COLUMNS } from "./oauth-ddl.ts";
import type { ClickHouseStore } from "./clickhouse.ts";
import { DuckDbStore } from "./duckdb.ts";
import type { Store } from "./store.ts";
import { TABLES, type TableSpec } from "./tables.ts";

/** Rows per account INSERT: large enough to keep INSERTs few, small enough to keep memory flat. */
const CHUNK_ROWS = 100_000;

/** Rows per data INSERT of a large table: one Parquet file of about 20-60 MB, one part per month per INSERT. */
const DATA_CHUNK_ROWS = 1_000_000;

export interface CopiedTable {
  workspace: string;
  table: string;
  rows: number;
}

/** What a copy needs of its target: ClickHouse's bulk load from DuckDB, and plain statements. */
export type CopyTarget = Pick<ClickHouseStore, "loadFromDuckDb" | "exec">;

/** A store the data can be copied into (ClickHouse), told apart without loading the ClickHouse client. */
export function isCopyTarget(store: Store): store is Store & CopyTarget {
  return store.dialect === "clickhouse" && "loadFromDuckDb" in store;
}

/**
 * Appended tables (alerts, sync logs) have no key to replace by: the workspace's rows there are removed
 * first, so a second copy replaces them instead of adding them again. Keyed tables replace by key.
 */
async function copyTable(from: DuckDbStore, to: CopyTarget, table: TableSpec, workspaceId: string, onRows: (rows: number) => void): Promise<number> {
  if (!table.replaceKey) await to.exec(`DELETE FROM ${table.name} WHERE workspace_id = {ws:String}`, { ws: workspaceId });
  return to.loadFromDuckDb(from, table, workspaceId, DATA_CHUNK_ROWS, onRows);
}

/**
 * Copies every workspace's rows of every data table; returns what was copied, table by table.
 * `onProgress` hears the share of rows stored so far after every INSERT.
 */
export async function copyData(
  from: Store,
  to: Store,
  workspaceIds: readonly string[],
  onProgress?: (progress: { fraction: number; rows: number }) => void,
): Promise<CopiedTable[]> {
  if (!(from instanceof DuckDbStore)) throw new InvalidInput("The copy reads a DuckDB database (METRIGATE_DB).");
  if (!isCopyTarget(to)) throw new InvalidInput("The copy writes into ClickHouse (METRIGATE_STORE=clickhouse).");
  let total = 0;
  for (const table of TABLES) {
    const [counted] = await from.query<{ rows: number }>(`SELECT count(*) AS rows FROM ${table.name} WHERE list_contains($ws, workspace_id)`, {
      ws: [...workspaceIds],
    });
    total += Number(counted?.rows ?? 0);
  }
  const copied: CopiedTable[] = [];
  let done = 0;
  for (const workspace of workspaceIds) {
    for (const table of TABLES) {
      const rows = await copyTable(from, to, table, workspace, (stored) => onProgress?.({ fraction: total === 0 ? 1 : (done + stored) / total, rows: done + stored }));
      done += rows;
      copied.push({ workspace, table: table.name, rows });
    }
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
