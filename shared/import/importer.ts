// Import and ingest (CONTRACT §3, §8): validated rows stored all or nothing, then the cache dropped.

import type { Accounts } from "../auth/accounts.ts";
import type { Engine } from "../engine.ts";
import { InvalidInput } from "../errors.ts";
import type { Store } from "../store/store.ts";
import { findTable, TABLE_NAMES, type TableSpec } from "../store/tables.ts";
import { formatOfFile, parseImport, type ImportFormat } from "./parse.ts";

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
    return this.loadParsed(table, workspaceId, format, text, source);
  }

  private async loadParsed(table: TableSpec, workspaceId: string, format: ImportFormat, text: string, source: string): Promise<number> {
    const rows = parseImport(table, format, text, source);
    const stored = await this.deps.store.load({ table, workspaceId, rows });
    this.deps.engine.invalidate(workspaceId);
    return stored;
  }

  /**
   * A file by name: a CSV file the engine can read and whose rows are all plainly valid goes straight
   * into the store (seconds for millions of rows); anything else is read with `readText` and validated
   * row by row, which stores the same rows or names the first bad line.
   */
  async importFile(workspaceId: string, tableName: string, file: string, readText: () => Promise<string>): Promise<number> {
    const table = requireTable(tableName);
    const format = formatOfFile(file);
    await this.deps.accounts.requireWorkspace(workspaceId);
    if (format === "csv" && this.deps.store.loadCsvFile) {
      const stored = await this.deps.store.loadCsvFile({ table, workspaceId, file });
      if (stored !== undefined) {
        this.deps.engine.invalidate(workspaceId);
        return stored;
      }
    }
    return this.loadParsed(table, workspaceId, format, await readText(), file);
  }
}
