// Reading import files: NDJSON and CSV text into validated rows, all or nothing, with line numbers.

import { parse as parseCsv } from "csv-parse/sync";
import { InvalidInput } from "../errors.ts";
import type { Cell } from "../store/store.ts";
import type { TableSpec } from "../store/tables.ts";
import { checkColumns, RowError, toCells } from "./validate.ts";

export type ImportFormat = "ndjson" | "csv";

export function formatOfFile(file: string): ImportFormat {
  const lower = file.toLowerCase();
  if (lower.endsWith(".ndjson") || lower.endsWith(".jsonl")) return "ndjson";
  if (lower.endsWith(".csv")) return "csv";
  throw new InvalidInput(`Cannot tell the format of ${file}: use a .ndjson, .jsonl or .csv file.`);
}

function fail(source: string, line: number, message: string): never {
  throw new InvalidInput(`${source}: line ${line}: ${message}. Nothing was imported.`);
}

export function parseNdjson(table: TableSpec, text: string, source: string): Cell[][] {
  const rows: Cell[][] = [];
  const lines = text.split("\n");
  // Lines of one file nearly always name the same keys: a set of keys once checked is not checked again.
  let checkedKeys = "";
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      fail(source, i + 1, "not valid JSON");
    }
    if (record === null || typeof record !== "object" || Array.isArray(record)) fail(source, i + 1, "each line must be a JSON object");
    try {
      const keys = Object.keys(record as object);
      const signature = keys.join("\u0000");
      if (signature !== checkedKeys) {
        checkColumns(table, keys);
        checkedKeys = signature;
      }
      rows.push(toCells(table, record as Record<string, unknown>));
    } catch (e) {
      if (e instanceof RowError) fail(source, i + 1, e.message);
      throw e;
    }
  }
  return rows;
}

export function parseCsvText(table: TableSpec, text: string, source: string): Cell[][] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parseCsv(text, { bom: true, skip_empty_lines: true, info: true });
  } catch (e) {
    const err = e as { lines?: number; message: string };
    fail(source, err.lines ?? 1, `not valid CSV (${err.message.replace(/^Invalid Record Length: /, "")})`);
  }
  if (records.length === 0) fail(source, 1, "the file is empty; the first line must name the columns");
  const header = records[0].record.map((h) => h.trim());
  try {
    checkColumns(table, header);
  } catch (e) {
    if (e instanceof RowError) fail(source, 1, e.message);
    throw e;
  }
  const rows: Cell[][] = [];
  for (let r = 1; r < records.length; r++) {
    const record: Record<string, unknown> = {};
    header.forEach((name, i) => (record[name] = records[r].record[i]));
    try {
      rows.push(toCells(table, record));
    } catch (e) {
      if (e instanceof RowError) fail(source, records[r].info.lines, e.message);
      throw e;
    }
  }
  return rows;
}

export function parseImport(table: TableSpec, format: ImportFormat, text: string, source: string): Cell[][] {
  return format === "ndjson" ? parseNdjson(table, text, source) : parseCsvText(table, text, source);
}
