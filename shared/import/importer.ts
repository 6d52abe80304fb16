// Import and ingest (CONTRACT §3, §8): validated rows stored all or nothing, then the cache dropped.

import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import type { Accounts } from "../auth/accounts.ts";
import type { Engine } from "../engine.ts";
import { InvalidInput } from "../errors.ts";
import type { Rows, Store } from "../store/store.ts";
import { findTable, TABLE_NAMES, type TableSpec } from "../store/tables.ts";
import { estimateFileRows, rowsAtFraction } from "./estimate.ts";
import { kindOfFile, parseImport, readFileRows, type FileKind, type ImportFormat } from "./parse.ts";

export function requireTable(name: string): TableSpec {
  const table = findTable(name);
  if (!table) throw new InvalidInput(`Unknown table "${name}". Tables: ${TABLE_NAMES.join(", ")}.`);
  return table;
}

/**
 * How far an import has got: a fraction from 0 to 1 of the current stage, and the rows read so far once
 * they are known (`estimated` while the engine reads the file: from the file's size and first block).
 * `stage` names a new stage that counts from 0 again (the row-by-row check after the engine declined).
 */
export interface ImportProgress {
  fraction: number;
  rows?: number;
  estimated?: boolean;
  stage?: string;
}

/** The stage an import enters when the engine's reader declines the file. */
export const ROW_BY_ROW_STAGE = "checking row by row";

export interface FileImportOptions {
  /** How the file is named in messages (default: its path; an HTTP body's temporary file is "body"). */
  source?: string;
  onProgress?: (progress: ImportProgress) => void;
}

/** The size of the file to import; a missing file, a folder or a pipe is named as such. */
async function sizeOf(file: string, source: string): Promise<number> {
  const found = await stat(file).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") throw new InvalidInput(`No such file: ${source}.`);
    throw new InvalidInput(`Cannot read ${source}: ${e.code ?? e.message}.`);
  });
  if (found.isDirectory()) throw new InvalidInput(`${source} is a directory, not a file.`);
  // A pipe or a device would be waited on for ever by the engine's reader.
  if (!found.isFile()) throw new InvalidInput(`${source} is not a regular file (a pipe or a device); save the rows to a file first.`);
  return found.size;
}

/**
 * Where an import's scratch files go: beside the database (real disk; /tmp is often memory-backed), or
 * the system's temporary folder for an in-memory database.
 */
export function scratchDirFor(dbPath: string): string {
  return dbPath === ":memory:" ? tmpdir() : dirname(dbPath);
}

/**
 * Scratch folders are named after the process that made them (`metrigate-<purpose>-<pid>-XXXXXX`), so
 * that those of a killed process can be recognised and removed.
 */
export type ScratchPurpose = "import" | "ingest";
const SCRATCH_NAME = /^metrigate-(?:import|ingest)-(\d+)-/;

const running = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
};

/**
 * Removes the scratch folders of imports and ingests killed before they could (their process is gone).
 * Best effort: a folder that cannot be removed (another user's, in a shared temporary folder) is left.
 */
async function removeAbandonedScratch(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const pid = Number(SCRATCH_NAME.exec(name)?.[1] ?? Number.NaN);
    if (pid > 0 && pid !== process.pid && !running(pid)) await rm(join(dir, name), { recursive: true, force: true }).catch(() => undefined);
  }
}

/** A new owner-only scratch folder under `dir`, named after this process. */
const newScratchFolder = (dir: string, purpose: ScratchPurpose): Promise<string> => mkdtemp(join(dir, `metrigate-${purpose}-${process.pid}-`));

/**
 * A gzip-compressed NDJSON file inflated into an owner-only scratch folder under `dir`: DuckDB reads
 * compressed JSON on one thread but plain JSON on every core, and inflating costs a fraction of that.
 * Undefined, with nothing left behind, when it cannot be done (a full disk, a corrupt file): the file is
 * then read compressed, where a corrupt one gets its clear message.
 */
async function inflated(file: string, dir: string): Promise<{ file: string; remove: () => Promise<void> } | undefined> {
  let scratch: string | undefined;
  try {
    scratch = await newScratchFolder(dir, "import");
    const plain = join(scratch, "rows.ndjson");
    await pipeline(createReadStream(file), createGunzip({ chunkSize: 1 << 20 }), createWriteStream(plain, { mode: 0o600 }));
    const made = scratch;
    return { file: plain, remove: () => rm(made, { recursive: true, force: true }) };
  } catch {
    if (scratch) await rm(scratch, { recursive: true, force: true });
    return undefined;
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
    private readonly deps: {
      store: Store;
      accounts: Pick<Accounts, "requireWorkspace">;
      engine: Pick<Engine, "invalidate">;
      /** Where a compressed NDJSON file is inflated before the engine reads it (see `scratchDirFor`). */
      scratchDir: string;
    },
  ) {}

  /**
   * A new scratch folder for `purpose` where imports keep theirs (beside the database); the caller
   * removes it when done. Those left by killed processes go at the import of what it holds.
   */
  scratchFolder(purpose: ScratchPurpose): Promise<string> {
    return newScratchFolder(this.deps.scratchDir, purpose);
  }

  /** Removes the scratch folders left by killed processes (see `removeAbandonedScratch`). */
  removeAbandonedScratch(): Promise<void> {
    return removeAbandonedScratch(this.deps.scratchDir);
  }

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
   * bad line and column. Neither path holds the whole file in memory. A compressed NDJSON file is
   * inflated into a scratch file first, so that the engine reads it on every core.
   */
  async importFile(workspaceId: string, tableName: string, file: string, options: FileImportOptions = {}): Promise<number> {
    const table = requireTable(tableName);
    const kind = kindOfFile(file);
    const { source = file } = options;
    await this.deps.accounts.requireWorkspace(workspaceId);
    await sizeOf(file, source);
    await removeAbandonedScratch(this.deps.scratchDir);
    // An unreadable file is not inflated: storeFile then names it.
    const plain = this.deps.store.loadFile && kind.format === "ndjson" && kind.gzip ? await inflated(file, this.deps.scratchDir) : undefined;
    try {
      const read = plain ? { file: plain.file, kind: { ...kind, gzip: false } } : { file, kind };
      return await this.storeFile(table, workspaceId, read.file, read.kind, { ...options, source });
    } finally {
      await plain?.remove();
    }
  }

  private async storeFile(table: TableSpec, workspaceId: string, file: string, kind: FileKind, options: FileImportOptions & { source: string }): Promise<number> {
    const { source, onProgress } = options;
    const size = await sizeOf(file, source);
    if (this.deps.store.loadFile) {
      const estimate = onProgress && (await estimateFileRows(file, kind, size));
      const onFraction =
        onProgress && ((fraction: number) => onProgress(estimate === undefined ? { fraction } : { fraction, rows: rowsAtFraction(fraction, estimate), estimated: true }));
      const stored = await this.deps.store.loadFile({ table, workspaceId, file, format: kind.format, onProgress: onFraction });
      if (stored !== undefined) {
        await this.deps.engine.invalidate(workspaceId);
        onProgress?.({ fraction: 1, rows: stored });
        return stored;
      }
    }
    if (!onProgress) return this.store(table, workspaceId, readFileRows(table, file, kind, source));
    if (this.deps.store.loadFile) onProgress({ fraction: 0, stage: ROW_BY_ROW_STAGE });
    // The careful path reports the share of the file read and the rows validated so far.
    let fraction = 0;
    const blocks = readFileRows(table, file, kind, source, (bytes) => (fraction = bytes / Math.max(size, 1)));
    const stored = await this.store(table, workspaceId, countedRows(blocks, (rows) => onProgress({ fraction, rows })));
    onProgress({ fraction: 1, rows: stored });
    return stored;
  }
}
