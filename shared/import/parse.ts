// Reading import data: NDJSON and CSV (text, files or streams, gzip too) into validated rows, with line
// numbers. The stream readers hold one block of the input at a time, never the whole file.

import { createReadStream } from "node:fs";
import { createGunzip } from "node:zlib";
import { parse as parseCsvStream, type Parser } from "csv-parse";
import { parse as parseCsv } from "csv-parse/sync";
import { InvalidInput } from "../errors.ts";
import type { Cell } from "../store/store.ts";
import type { TableSpec } from "../store/tables.ts";
import { checkColumns, RowError, toCells } from "./validate.ts";

export type ImportFormat = "ndjson" | "csv";

/** How a file is written: its format and whether it is gzip-compressed. */
export interface FileKind {
  format: ImportFormat;
  gzip: boolean;
}

export function kindOfFile(file: string): FileKind {
  const lower = file.toLowerCase();
  const gzip = lower.endsWith(".gz");
  const name = gzip ? lower.slice(0, -3) : lower;
  if (name.endsWith(".ndjson") || name.endsWith(".jsonl")) return { format: "ndjson", gzip };
  if (name.endsWith(".csv")) return { format: "csv", gzip };
  throw new InvalidInput(`Cannot tell the format of ${file}: use a .ndjson, .jsonl or .csv file.`);
}

function fail(source: string, line: number, message: string): never {
  throw new InvalidInput(`${source}: line ${line}: ${message}. Nothing was imported.`);
}

/** Runs a row conversion, turning its RowError into the import's line-numbered error. */
function atLine<T>(source: string, line: number, convert: () => T): T {
  try {
    return convert();
  } catch (e) {
    if (e instanceof RowError) fail(source, line, e.message);
    throw e;
  }
}

/**
 * A JSON text with a trailing comma before a closing brace or bracket dropped (`{"a":1,}`), as DuckDB's
 * reader accepts it, so both ways of importing read a line alike; a comma inside a string stays.
 */
export function withoutTrailingCommas(text: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") {
        out += c + (text[i + 1] ?? "");
        i++;
        continue;
      }
      if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === ",") {
      let next = i + 1;
      while (next < text.length && " \t\r\n".includes(text[next])) next++;
      if (text[next] === "}" || text[next] === "]") continue;
    }
    out += c;
  }
  return out;
}

/** One line's JSON value: strict JSON, or else the same text without trailing commas (see above). */
function parseJsonLine(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    if (!text.includes(",")) throw e;
    return JSON.parse(withoutTrailingCommas(text));
  }
}

/** One NDJSON line at a time: a row, or undefined for a blank line. */
class NdjsonRows {
  // Lines of one file nearly always name the same keys: a set of keys once checked is not checked again.
  private checkedKeys = "";

  constructor(
    private readonly table: TableSpec,
    private readonly source: string,
  ) {}

  row(text: string, line: number): Cell[] | undefined {
    const trimmed = text.trim();
    if (trimmed === "") return undefined;
    let record: unknown;
    try {
      record = parseJsonLine(trimmed);
    } catch {
      fail(this.source, line, "not valid JSON");
    }
    if (record === null || typeof record !== "object" || Array.isArray(record)) fail(this.source, line, "each line must be a JSON object");
    const fields = record as Record<string, unknown>;
    return atLine(this.source, line, () => {
      const keys = Object.keys(fields);
      const signature = keys.join("\u0000");
      if (signature !== this.checkedKeys) {
        checkColumns(this.table, keys);
        this.checkedKeys = signature;
      }
      return toCells(this.table, fields);
    });
  }
}

/** CSV records after the header: the header is checked once, then each record becomes a row. */
class CsvRows {
  private header: string[] | undefined;

  constructor(
    private readonly table: TableSpec,
    private readonly source: string,
  ) {}

  /** A row, or undefined for the header record. */
  row(fields: readonly string[], line: number): Cell[] | undefined {
    if (!this.header) {
      const header = fields.map((h) => h.trim());
      atLine(this.source, 1, () => checkColumns(this.table, header));
      this.header = header;
      return undefined;
    }
    // Empty fields past the header's columns (a line ending in a comma) are ignored, as DuckDB's reader
    // ignores them; one with a value is an error.
    if (fields.length > this.header.length && fields.slice(this.header.length).some((field) => field !== "")) {
      fail(this.source, line, `not valid CSV (expect ${this.header.length} fields, got ${fields.length})`);
    }
    const record: Record<string, unknown> = {};
    this.header.forEach((name, i) => (record[name] = fields[i]));
    return atLine(this.source, line, () => toCells(this.table, record));
  }

  finish(): void {
    if (!this.header) fail(this.source, 1, "the file is empty; the first line must name the columns");
  }
}

/**
 * csv-parse: a record may run past the header with empty fields, which CsvRows then ignores, as DuckDB's
 * CSV reader does (a line ending in a comma); too few fields remain an error, as do stray quotes.
 */
const CSV_OPTIONS = { bom: true, skip_empty_lines: true, info: true, relax_column_count_more: true } as const;

function csvFailure(source: string, e: unknown): never {
  const err = e as { lines?: number; message: string };
  fail(source, err.lines ?? 1, `not valid CSV (${err.message.replace(/^Invalid Record Length: /, "")})`);
}

export function parseNdjson(table: TableSpec, text: string, source: string): Cell[][] {
  const reader = new NdjsonRows(table, source);
  const rows: Cell[][] = [];
  text.split("\n").forEach((line, i) => {
    const row = reader.row(i === 0 ? line.replace(/^\uFEFF/, "") : line, i + 1);
    if (row) rows.push(row);
  });
  return rows;
}

export function parseCsvText(table: TableSpec, text: string, source: string): Cell[][] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parseCsv(text, CSV_OPTIONS);
  } catch (e) {
    csvFailure(source, e);
  }
  const reader = new CsvRows(table, source);
  const rows: Cell[][] = [];
  for (const { record, info } of records) {
    const row = reader.row(record, info.lines);
    if (row) rows.push(row);
  }
  reader.finish();
  return rows;
}

export function parseImport(table: TableSpec, format: ImportFormat, text: string, source: string): Cell[][] {
  return format === "ndjson" ? parseNdjson(table, text, source) : parseCsvText(table, text, source);
}

/** A block of whole lines decoded from the input, the number of the first, and whether a line break followed the last. */
interface LineBlock {
  firstLine: number;
  lines: string[];
  ended: boolean;
}

const NEWLINE = 0x0a;
/** No row of any table comes near this: a longer line is a file of another shape, refused before it fills memory. */
const MAX_LINE_BYTES = 16 * 2 ** 20;

/**
 * Bytes → blocks of whole lines, decoded as strict UTF-8: invalid bytes name their line instead of
 * becoming U+FFFD. A line break byte never occurs inside a multi-byte character, so splitting bytes
 * at line breaks is safe.
 */
async function* utf8Lines(bytes: AsyncIterable<Buffer>, source: string): AsyncGenerator<LineBlock> {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  let nextLine = 1;
  const decode = (block: Buffer, ended: boolean): LineBlock => {
    let text: string;
    try {
      text = decoder.decode(block);
    } catch {
      let line = nextLine;
      let start = 0;
      for (let end = block.indexOf(NEWLINE); ; end = block.indexOf(NEWLINE, start)) {
        const stop = end < 0 ? block.length : end;
        try {
          decoder.decode(block.subarray(start, stop));
        } catch {
          fail(source, line, "not valid UTF-8");
        }
        if (end < 0) break;
        start = end + 1;
        line++;
      }
      throw new Error("strict UTF-8 decoding failed on a block whose every line decodes");
    }
    const lines = text.split("\n");
    const firstLine = nextLine;
    nextLine += lines.length;
    return { firstLine, lines, ended };
  };
  // The start of an unfinished line, as the chunks that hold it: each chunk is searched once, so a long
  // line costs its length, not its length squared (a JSON array saved as one line, a runaway field).
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of bytes) {
    const last = chunk.lastIndexOf(NEWLINE);
    if (last < 0) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes > MAX_LINE_BYTES) {
        fail(source, nextLine, `longer than ${MAX_LINE_BYTES / 2 ** 20} MiB without a line break (rows go one per line; a JSON array is not NDJSON)`);
      }
      continue;
    }
    const block = pending.length > 0 ? Buffer.concat([...pending, chunk.subarray(0, last)]) : chunk.subarray(0, last);
    pending = [chunk.subarray(last + 1)];
    pendingBytes = pending[0].length;
    yield decode(block, true);
  }
  if (pendingBytes > 0) yield decode(Buffer.concat(pending), false);
}

async function* ndjsonStreamRows(table: TableSpec, bytes: AsyncIterable<Buffer>, source: string): AsyncGenerator<Cell[][]> {
  const reader = new NdjsonRows(table, source);
  for await (const { firstLine, lines } of utf8Lines(bytes, source)) {
    const rows: Cell[][] = [];
    lines.forEach((text, i) => {
      const line = firstLine + i;
      const row = reader.row(line === 1 ? text.replace(/^\uFEFF/, "") : text, line);
      if (row) rows.push(row);
    });
    yield rows;
  }
}

async function* csvStreamRows(table: TableSpec, bytes: AsyncIterable<Buffer>, source: string): AsyncGenerator<Cell[][]> {
  const parser: Parser = parseCsvStream(CSV_OPTIONS);
  const reader = new CsvRows(table, source);
  const feed = (async () => {
    // Each block goes back to the parser as it was: a last line without a line break gets none (a CRLF
    // file's parser would otherwise read an added "\n" as part of the last field).
    for await (const { lines, ended } of utf8Lines(bytes, source)) {
      if (!parser.write(`${lines.join("\n")}${ended ? "\n" : ""}`)) await new Promise((resolve) => parser.once("drain", resolve));
    }
    parser.end();
  })();
  // A decoding failure ends the parser too, so the loop below stops; the feed's own error is then thrown.
  feed.catch((e: unknown) => parser.destroy(e instanceof Error ? e : new Error(String(e))));
  try {
    let rows: Cell[][] = [];
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const row = reader.row(record, info.lines);
      if (row) rows.push(row);
      if (rows.length === 10_000) {
        yield rows;
        rows = [];
      }
    }
    yield rows;
  } catch (e) {
    if (e instanceof InvalidInput) throw e;
    csvFailure(source, e);
  }
  await feed;
  reader.finish();
}

/**
 * The bytes of a file, gunzipped when it is compressed; unreadable or corrupt files are clear errors.
 * `onRead` is told how many bytes of the file (compressed, if it is) have been read so far.
 */
async function* fileBytes(file: string, kind: FileKind, source: string, onRead?: (bytes: number) => void): AsyncGenerator<Buffer> {
  const raw = createReadStream(file);
  const stream = kind.gzip ? raw.pipe(createGunzip()) : raw;
  raw.on("error", (e) => stream.destroy(e));
  if (onRead) raw.on("data", () => onRead(raw.bytesRead));
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code && /^Z_/.test(code)) throw new InvalidInput(`${source}: not a valid gzip file (${(e as Error).message}). Nothing was imported.`);
    throw new InvalidInput(`Cannot read ${source}: ${code ?? (e as Error).message}.`);
  } finally {
    raw.destroy();
  }
}

/**
 * A file's validated rows, in blocks, read as a stream: the first bad line stops the reading with
 * its line number and column.
 */
export function readFileRows(table: TableSpec, file: string, kind: FileKind, source: string, onRead?: (bytes: number) => void): AsyncIterable<Cell[][]> {
  const bytes = fileBytes(file, kind, source, onRead);
  return kind.format === "ndjson" ? ndjsonStreamRows(table, bytes, source) : csvStreamRows(table, bytes, source);
}
