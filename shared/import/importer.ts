// Import and ingest (CONTRACT §3, §8): validated rows stored all or nothing, then the cache dropped.

import type { Accounts } from "../auth/accounts.ts";
import type { Engine } from "../engine.ts";
import { InvalidInput } from "../errors.ts";
import type { Rows, Store } from "../store/store.ts";
import { findTable, TABLE_NAMES, type TableSpec } from "../store/tables.ts";
import { kindOfFile, parseImport, readFileRows, type ImportFormat } from "./parse.ts";

export function requireTable(name: string): TableSpec {
  const table = findTable(name);
  if (!table) throw new InvalidInput(`Unknown table "${name}". Tables: ${TABLE_NAMES.join(", ")}.`);
  return table;
}

export class Importer {
  constructor(
    private readonly deps: { store: Store; accounts: Accounts; engine: Engine },
  ) {}

  /** Validates every row first; stores them in one transaction; returns the number of rows stored. */
  async importText(workspaceId: string, tableName: string, format: ImportFormat, text: string, source: string): Promise<number> {
    const table = requireTable(tableName);
    await this.deps.accounts.requireWorkspace(workspaceId);
    return this.store(table, workspaceId, parseImport(table, format, text, source));
  }

  private async store(table: TableSpec, workspaceId: string, rows: Rows | AsyncIterable<Rows>): Promise<number> {
    const stored = await this.deps.store.load({ table, workspaceId, rows });
    this.deps.engine.invalidate(workspaceId);
    return stored;
  }

  /**
   * A file by name (CSV or NDJSON, gzip-compressed or not): the engine reads it itself and, when every
   * row is plainly valid, stores it straight away (close to the engine's own reading speed); otherwise
   * the file is streamed through row-by-row validation, which stores the same rows or names the first
   * bad line and column. Neither path holds the whole file in memory. `source` names the file in
   * messages (an HTTP body's temporary file is "body").
   */
  async importFile(workspaceId: string, tableName: string, file: string, source = file): Promise<number> {
    const table = requireTable(tableName);
    const kind = kindOfFile(file);
    await this.deps.accounts.requireWorkspace(workspaceId);
    if (this.deps.store.loadFile) {
      const stored = await this.deps.store.loadFile({ table, workspaceId, file, format: kind.format });
      if (stored !== undefined) {
        this.deps.engine.invalidate(workspaceId);
        return stored;
      }
    }
    return this.store(table, workspaceId, readFileRows(table, file, kind, source));
  }
}
