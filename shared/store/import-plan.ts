// DuckDB's own readers as the fast path of import and ingest: SQL that converts a file's cells (CSV text
// or NDJSON values) into the import columns, and a test that each row is plainly valid. The test is
// deliberately narrower than the row validation of import/validate.ts — a row it doubts (an instant
// with a fraction finer than milliseconds, a number with spaces, a number given as a JSON string, any
// invalid value) sends the whole file down the careful path, which stores the same rows or names the
// bad line. So the fast path never accepts what the careful one would refuse, and it converts every
// value it accepts to exactly what the careful one would store.

import type { ImportFormat } from "../import/parse.ts";
import type { ColumnSpec, TableSpec } from "./tables.ts";
import { SQL_TYPES } from "./duckdb-types.ts";
import { sqlString } from "./sql-literal.ts";

/** read_csv's dialect, matching the careful parser: comma, double quotes, a row's fields all present. */
const CSV_DIALECT = "delim = ',', quote = '\"', escape = '\"', strict_mode = true, null_padding = false";

/**
 * Finding a CSV file's columns: its header line, every column text. A one-row sample in a 4 MB buffer
 * spares the sniffer reading (or, for .gz, inflating) 32 MB of the file first; a header longer than
 * that only sends the file down the careful path.
 */
const CSV_HEADER_OPTIONS = `header = true, all_varchar = true, ${CSV_DIALECT}, sample_size = 1, buffer_size = 4194304`;

/**
 * read_json options: one object per line, each top-level value kept as its JSON text. The keys are
 * detected from the first lines (`sampling`: the first line only, or DuckDB's sample of the first
 * 20,480); a later line with another key fails the read (and the file goes the careful way, or, failing
 * within the sample, is read again with the sample's keys), as do duplicate keys, lone surrogates and
 * invalid UTF-8.
 */
const ndjsonOptions = (sampling: KeySampling) => `format = 'newline_delimited', records = true, maximum_depth = 1${sampling === "first line" ? ", sample_size = 1" : ""}`;

/** Where an NDJSON file's keys are learnt: from its first line only, or from DuckDB's sample of its lines. */
export type KeySampling = "first line" | "sample";
/** The lines DuckDB's read_json samples for keys by default. */
export const KEY_SAMPLE_LINES = 20_480;

/** The engine's reader of a file, to learn its columns (gzip is recognised by the `.gz` ending). */
export function readerSql(format: ImportFormat, file: string): string {
  return format === "csv" ? `read_csv(${sqlString(file)}, ${CSV_HEADER_OPTIONS})` : `read_json(${sqlString(file)}, ${ndjsonOptions("sample")})`;
}

/**
 * The engine's reader of a whole file whose columns are known (`header`, in the file's order). A CSV
 * file is read with nothing left to detect (the header line is skipped, every column text); NDJSON
 * keeps detecting keys, since a key outside the given columns would otherwise pass unnoticed.
 */
export function fileReaderSql(format: ImportFormat, file: string, header: readonly string[], sampling: KeySampling): string {
  if (format !== "csv") return `read_json(${sqlString(file)}, ${ndjsonOptions(sampling)})`;
  const columns = header.map((name) => `${sqlString(name)}: 'VARCHAR'`).join(", ");
  return `read_csv(${sqlString(file)}, header = true, auto_detect = false, columns = {${columns}}, ${CSV_DIALECT})`;
}

const BARE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The columns a file's first line gives, where they are plain to see without the engine: a CSV header of
 * bare names (no quotes, spaces or byte-order mark), or the keys of an NDJSON object, which the engine
 * then learns from that line alone (sampling "first line"). Undefined otherwise: the engine is asked.
 * (A repeated NDJSON key, of which JSON.parse keeps the last value, fails the engine's read, so the
 * careful path reads that file.)
 */
export function headerOfLine(format: ImportFormat, line: string): string[] | undefined {
  if (format === "csv") {
    const names = line.split(",");
    return names.every((name) => BARE_NAME.test(name)) ? names : undefined;
  }
  try {
    const record: unknown = JSON.parse(line);
    return record !== null && typeof record === "object" && !Array.isArray(record) ? Object.keys(record) : undefined;
  } catch {
    return undefined;
  }
}

const literal = (value: string | number | boolean | null | undefined): string =>
  value === null || value === undefined ? "NULL" : typeof value === "string" ? sqlString(value) : String(value);
const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;
/** The column of `plainPlan`'s `converted` step that holds import column `name`'s converted value. */
export const convertedValue = (name: string) => quoted(`${name}:value`);

// Years 1000-9999 (JavaScript's Date.UTC reads two-digit years differently); hours 00-23; at most
// milliseconds; UTC, or an offset ±HH:MM / ±HHMM with minutes up to 59 and at most 18 hours either way
// (the careful path's bounds).
const DATE = "[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}";
const OFFSET = "[+-](0[0-9]|1[0-7]):?[0-5][0-9]|[+-]18:?00";
const INSTANT = `${DATE}[T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,3})?)?([Zz]|${OFFSET})?`;
/** The commonest instant, 2026-03-18T14:05:00Z, as a glob: a subset of INSTANT once the hour is below 24. */
const COMMON_INSTANT = "[1-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z";
const DECIMAL = "-?[0-9]{1,15}(\\.[0-9]{1,15})?";
const WHOLE = "-?[0-9]{1,15}";

/**
 * How one format's cells read as SQL. `columns(name)` is what a first projection over the reader keeps
 * of the file's column `name`, so that each cell is decoded once; the rest is SQL over those columns:
 * when the cell is empty, its text (the CSV field, or a JSON string's content), whether it is a text at
 * all, and whether it is true / plainly boolean.
 */
interface CellReading {
  columns(name: string): string[];
  empty(name: string): string;
  text(name: string): string;
  isText(name: string): string;
  /** The text of a number (the CSV field or the JSON number literal); never a JSON string. */
  numberText(name: string): string;
  isTrue(name: string): string;
  isBoolean(name: string): string;
}

const CSV_CELLS: CellReading = {
  columns: (name) => [quoted(name)],
  empty: (name) => `(${quoted(name)} IS NULL OR ${quoted(name)} = '')`,
  text: (name) => quoted(name),
  isText: () => "true",
  numberText: (name) => quoted(name),
  isTrue: (name) => `lower(${quoted(name)}) IN ('true', '1')`,
  isBoolean: (name) => `lower(${quoted(name)}) IN ('true', '1', 'false', '0')`,
};

/**
 * An NDJSON cell as its JSON text (`"a"`, `12`, `null`; SQL NULL when the key is missing) and a string's
 * content. A JSON string without a backslash holds its content verbatim between its quotes, so only one
 * with an escape is decoded by json_extract_string (which, for every cell, cost a quarter of the reading
 * statement's CPU).
 * The content of a cell that is not a string is never used: such a cell fails `isText` first.
 */
const json = (name: string) => quoted(`${name}:json`);
const jsonText = (name: string) => quoted(`${name}:text`);
const jsonContent = (cell: string) => `CASE WHEN contains(${cell}, '\\') THEN json_extract_string(${cell}, '$') ELSE ${cell}[2:-2] END`;
const NDJSON_CELLS: CellReading = {
  columns: (name) => [`CAST(${quoted(name)} AS VARCHAR) AS ${json(name)}`, `${jsonContent(`CAST(${quoted(name)} AS VARCHAR)`)} AS ${jsonText(name)}`],
  empty: (name) => `(${json(name)} IS NULL OR ${json(name)} IN ('null', '""'))`,
  text: (name) => jsonText(name),
  isText: (name) => `starts_with(${json(name)}, '"')`,
  numberText: (name) => json(name),
  isTrue: (name) => `${json(name)} = 'true'`,
  isBoolean: (name) => `${json(name)} IN ('true', 'false')`,
};

/** An instant in UTC as TIMESTAMP: DuckDB casts most forms INSTANT admits as they are; a 'z', or a 'Z' after minutes, is dropped first. */
const utcInstant = (text: string) => `coalesce(TRY_CAST(${text} AS TIMESTAMP), TRY_CAST(regexp_replace(${text}, '[Zz]$', '') AS TIMESTAMP))`;

/**
 * An instant ending in an offset of `length` characters (6 for ±HH:MM, 5 for ±HHMM) as the UTC
 * TIMESTAMP. DuckDB reads the instant with its offset as TIMESTAMPTZ, whose epoch does not depend on the
 * session's time zone (a text without an offset would be read in that zone: the sign is looked for
 * first); an instant without seconds, which that cast refuses, is the local time before the offset less
 * the offset. (A plain cast to TIMESTAMP would drop the offset.) The sign's position tells the two
 * lengths apart: in an instant INSTANT admits, the sixth and fifth characters from the end are
 * otherwise digits, ':', '.', 'T' or ' '.
 */
function offsetInstant(text: string, length: 5 | 6): string {
  const minutes = `(TRY_CAST(${text}[${1 - length}:${2 - length}] AS INTEGER) * 60 + TRY_CAST(${text}[-2:] AS INTEGER))`;
  const signed = `CASE WHEN ${text}[${-length}] = '-' THEN -${minutes} ELSE ${minutes} END`;
  const shifted = `TRY_CAST(${text}[:${-length - 1}] AS TIMESTAMP) - to_minutes(${signed})`;
  return `coalesce(make_timestamp(epoch_us(TRY_CAST(${text} AS TIMESTAMPTZ))), ${shifted})`;
}

/**
 * A non-empty cell's value, and whether it is plainly valid as SQL over the cells of column `r` and a
 * reference to that value (`valid(value)`), so that the value is computed once for both.
 */
function conversion(column: ColumnSpec, r: string, cells: CellReading): { value: string; valid: (value: string) => string } {
  const atLeast = (value: string) => (column.min === undefined ? "true" : `${value} >= ${column.min}`);
  const text = cells.text(r);
  const asText = (valid: string) => `(${cells.isText(r)} AND ${valid})`;
  switch (column.type) {
    case "string":
      if (column.country) return { value: `upper(trim(${text}))`, valid: (value) => asText(`regexp_full_match(${value}, '[A-Z]{2}')`) };
      if (column.values) {
        const allowed = column.values.map(literal).join(", ");
        return { value: text, valid: (value) => asText(`${value} IN (${allowed})`) };
      }
      return { value: text, valid: () => cells.isText(r) };
    case "integer":
    case "number": {
      const digits = cells.numberText(r);
      const pattern = column.type === "integer" ? WHOLE : DECIMAL;
      return { value: `TRY_CAST(${digits} AS ${SQL_TYPES[column.type]})`, valid: (value) => `(regexp_full_match(${digits}, '${pattern}') AND ${atLeast(value)})` };
    }
    case "boolean":
      return { value: cells.isTrue(r), valid: () => cells.isBoolean(r) };
    case "timestamp": {
      // A trailing 'Z' settles most instants before any look for an offset's sign.
      const value = `CASE WHEN ends_with(${text}, 'Z') THEN ${utcInstant(text)} WHEN ${text}[-6] IN ('+', '-') THEN ${offsetInstant(text, 6)} WHEN ${text}[-5] IN ('+', '-') THEN ${offsetInstant(text, 5)} ELSE ${utcInstant(text)} END`;
      // Most files write whole seconds with a 'Z': a glob settles those at a fraction of the pattern's cost.
      const shaped = `CASE WHEN ${text} GLOB '${COMMON_INSTANT}' THEN substr(${text}, 12, 2) < '24' ELSE regexp_full_match(${text}, '${INSTANT}') END`;
      return { value, valid: (value) => asText(`${shaped} AND ${value} IS NOT NULL`) };
    }
    case "date":
      return { value: `TRY_CAST(${text} AS DATE)`, valid: (value) => asText(`regexp_full_match(${text}, '${DATE}') AND ${value} IS NOT NULL`) };
  }
}

/**
 * For a file whose columns (CSV header, NDJSON keys) are exactly known columns (each once) including
 * every required one, the SELECT of its rows in three steps over the reader: the cells (`cells`, a first
 * projection), the cells with each one's converted value beside them (`converted`), then the import
 * columns in table order (`values`) of the rows meeting the condition of plainly valid rows (`valid`).
 * The checks and the stored columns share each converted value rather than casting twice.
 * Undefined for any other set of columns, which the careful path then explains.
 */
export function plainPlan(
  table: TableSpec,
  format: ImportFormat,
  header: readonly string[],
): { cells: string; converted: string; values: string; valid: string } | undefined {
  const known = new Set(table.columns.map((c) => c.name));
  if (new Set(header).size !== header.length || header.some((name) => !known.has(name))) return undefined;
  if (table.columns.some((c) => c.required && !header.includes(c.name))) return undefined;
  const reading = format === "csv" ? CSV_CELLS : NDJSON_CELLS;
  const cells: string[] = [];
  const converted = ["*"];
  const values: string[] = [];
  const valid: string[] = [];
  for (const column of table.columns) {
    const type = SQL_TYPES[column.type];
    if (!header.includes(column.name)) {
      values.push(`CAST(${literal(column.default)} AS ${type}) AS ${column.name}`);
      continue;
    }
    cells.push(...reading.columns(column.name));
    const empty = reading.empty(column.name);
    const { value, valid: ok } = conversion(column, column.name, reading);
    const converts = convertedValue(column.name);
    converted.push(`${value} AS ${converts}`);
    values.push(`CAST(CASE WHEN ${empty} THEN ${literal(column.default)} ELSE ${converts} END AS ${type}) AS ${column.name}`);
    valid.push(column.required ? `(NOT ${empty} AND ${ok(converts)})` : `(${empty} OR ${ok(converts)})`);
  }
  return { cells: cells.join(", "), converted: converted.join(", "), values: values.join(", "), valid: valid.length > 0 ? valid.join(" AND ") : "true" };
}
