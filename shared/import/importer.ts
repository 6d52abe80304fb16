// Import and ingest (CONTRACT §3, §8): validated rows stored all or nothing, then the cache dropped.

import { stat } from "node:fs/promises";
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

/** How far an import has got: a fraction from 0 to 1, and the rows read so far once they are known. */
export interface ImportProgress {
  fraction: number;
  rows?: number;
}

export interface FileImportOptions {
  /** How the file is named in messages (default: its path; an HTTP body's temporary file is "body"). */
  source?: string;
  onProgress?: (progress: ImportProgress) => void;
}

async function sizeOf(file: string, source: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch (e) {
    throw new InvalidInput(`Cannot read ${source}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`);
  }
}

/** Counts the rows of a stream of blocks as they pass, for progress reports. */
async function* countedRows(blocks: AsyncIterable<Rows>, onRows: (rows: number) => void): AsyncGenerator<Rows> {
  let rows = 0;
  for await (const block of blocks) {
    rows += block.length;
    onRows(rows);
    yield block;
  }
}

export class Importer {
  constructor(
    /** `engine`: whose cached answers an import makes stale (a process with no cache passes a no-op). */
    private readonly deps: { store: Store; accounts: Pick<Accounts, "requireWorkspace">; engine: Pick<Engine, "invalidate"> },
  ) {}

  /** Validates every row first; stores them in one transaction; returns the number of rows stored. */
  async importText(workspaceId: string, tableName: string, format: ImportFormat, text: string, source: string): Promise<number> {
    const table = requireTable(tableName);
    await this.deps.accounts.requireWorkspace(workspaceId);
    return this.store(table, workspaceId, parseImport(table, format, text, source));
  }

  private async store(table: TableSpec, workspaceId: string, rows: Rows | AsyncIterable<Rows>): Promise<number> {
    const stored = await this.deps.store.load({ table, workspaceId, rows });
    await this.deps.engine.invalidate(workspaceId);
    return stored;
  }

  /**
   * A file by name (CSV or NDJSON, gzip-compressed or not): the engine reads it itself and, when every
   * row is plainly valid, stores it straight away (close to the engine's own reading speed); otherwise
   * the file is streamed through row-by-row validation, which stores the same rows or names the first
   * bad line and column. Neither path holds the whole file in memory.
   */
  async importFile(workspaceId: string, tableName: string, file: string, options: FileImportOptions = {}): Promise<number> {
    const table = requireTable(tableName);
    const kind = kindOfFile(file);
    const { source = file, onProgress } = options;
    await this.deps.accounts.requireWorkspace(workspaceId);
    const size = await sizeOf(file, source);
    if (this.deps.store.loadFile) {
      const onFraction = onProgress && ((fraction: number) => onProgress({ fraction }));
      const stored = await this.deps.store.loadFile({ table, workspaceId, file, format: kind.format, onProgress: onFraction });
      if (stored !== undefined) {
        await this.deps.engine.invalidate(workspaceId);
        onProgress?.({ fraction: 1, rows: stored });
        return stored;
      }
    }
    if (!onProgress) return this.store(table, workspaceId, readFileRows(table, file, kind, source));
    // The careful path reports the share of the file read and the rows validated so far.
    let fraction = 0;
    const blocks = readFileRows(table, file, kind, source, (bytes) => (fraction = bytes / Math.max(size, 1)));
    const stored = await this.store(table, workspaceId, countedRows(blocks, (rows) => onProgress({ fraction, rows })));
    onProgress({ fraction: 1, rows: stored });
    return stored;
  }
}
