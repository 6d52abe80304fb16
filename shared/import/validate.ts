// Row validation for the import tables (CONTRACT §8): raw values from NDJSON or CSV become typed cells,
// or a sentence saying which column is wrong and why. Pure.

import type { Cell } from "../store/store.ts";
import type { ColumnSpec, TableSpec } from "../store/tables.ts";
import { dayNumber } from "../time/zoned.ts";

export class RowError extends Error {}

const MAX_OFFSET_MINUTES = 18 * 60;
/** A number written as text: optional minus, digits, optional fraction and exponent; no spaces, hex or signs elsewhere. */
const NUMBER_TEXT = /^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;
/** A UTF-16 surrogate without its partner (JSON's "\ud800"); with the u flag a proper pair never matches. */
const LONE_SURROGATE = /\p{Cs}/u;

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|z|[+-]\d{2}:?\d{2})?$/;

/** ISO-8601 instant → epoch milliseconds; UTC when no offset is given. */
export function parseInstant(text: string): number | undefined {
  const m = INSTANT.exec(text.trim());
  if (!m) return undefined;
  if (Number.isNaN(dayNumber(`${m[1]}-${m[2]}-${m[3]}`))) return undefined;
  const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const fraction = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone && zone.toUpperCase() !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const [offsetHours, offsetMins] = [Number(digits.slice(0, 2)), Number(digits.slice(2))];
    // Real offsets lie within ±14:00; ±18:00 is ISO-8601's (and java.time's) outer bound.
    if (offsetMins > 59 || offsetHours * 60 + offsetMins > MAX_OFFSET_MINUTES) return undefined;
    offsetMinutes = sign * (offsetHours * 60 + offsetMins);
  }
  const utc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), hour, minute, second) + Math.floor(fraction);
  return utc - offsetMinutes * 60_000;
}

// String() for numbers: JSON.stringify writes an infinite one (1e400 in a file) as null.
const describe = (value: unknown) => (typeof value === "string" ? `"${value}"` : typeof value === "number" ? String(value) : JSON.stringify(value));

/**
 * Decimal columns (seconds, prices, revenue) stay below 10^15: their sums are then exact to the cent, and
 * no total overflows into infinity (two rows of 1e308 made every watch-hour figure null).
 */
const MAX_DECIMAL = 1e15;

function convert(column: ColumnSpec, raw: unknown): Cell {
  const empty = raw === null || raw === undefined || raw === "";
  if (empty) {
    if (column.required) throw new RowError(`column "${column.name}" is required`);
    return column.default ?? null;
  }
  switch (column.type) {
    case "string": {
      if (typeof raw !== "string" && typeof raw !== "number") throw new RowError(`column "${column.name}" must be text, got ${describe(raw)}`);
      let text = String(raw);
      if (LONE_SURROGATE.test(text)) throw new RowError(`column "${column.name}" is not valid Unicode text (a lone UTF-16 surrogate)`);
      if (column.country) {
        text = text.trim().toUpperCase();
        if (!/^[A-Z]{2}$/.test(text)) throw new RowError(`column "${column.name}" must be a two-letter country code, got ${describe(raw)}`);
      }
      if (column.values && !column.values.includes(text)) {
        throw new RowError(`column "${column.name}" must be one of ${column.values.join(", ")}, got ${describe(raw)}`);
      }
      return text;
    }
    case "integer":
    case "number": {
      const n = typeof raw === "number" ? raw : typeof raw === "string" && NUMBER_TEXT.test(raw) ? Number(raw) : Number.NaN;
      if (!Number.isFinite(n)) throw new RowError(`column "${column.name}" must be a number, got ${describe(raw)}`);
      if (column.type === "integer" && !Number.isInteger(n)) throw new RowError(`column "${column.name}" must be a whole number, got ${describe(raw)}`);
      if (column.type === "integer" && !Number.isSafeInteger(n)) {
        // A JSON number this large has already lost digits, so only text is echoed back.
        const got = typeof raw === "string" ? `, got ${describe(raw)}` : "";
        throw new RowError(`column "${column.name}" must be a whole number from ${Number.MIN_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER}${got}`);
      }
      if (column.type === "number" && Math.abs(n) >= MAX_DECIMAL) throw new RowError(`column "${column.name}" must be below 10^15 in size, got ${describe(raw)}`);
      if (column.min !== undefined && n < column.min) throw new RowError(`column "${column.name}" must be ≥ ${column.min}, got ${describe(raw)}`);
      return n;
    }
    case "boolean": {
      if (typeof raw === "boolean") return raw;
      const text = String(raw).trim().toLowerCase();
      if (text === "true" || text === "1") return true;
      if (text === "false" || text === "0") return false;
      throw new RowError(`column "${column.name}" must be true or false, got ${describe(raw)}`);
    }
    case "timestamp": {
      const ms = typeof raw === "string" ? parseInstant(raw) : undefined;
      if (ms === undefined) throw new RowError(`column "${column.name}" must be an ISO-8601 instant such as 2026-03-18T14:05:00Z, got ${describe(raw)}`);
      return ms;
    }
    case "date": {
      if (typeof raw !== "string" || Number.isNaN(dayNumber(raw))) throw new RowError(`column "${column.name}" must be a date YYYY-MM-DD, got ${describe(raw)}`);
      return raw;
    }
  }
}

/** Checks a header (CSV) or a record's keys (NDJSON): unknown columns and missing required ones. */
export function checkColumns(table: TableSpec, names: readonly string[]): void {
  // A CSV header naming a column twice leaves unclear which value is meant (NDJSON keys, as JSON parsers
  // read them, are unique: a repeated key keeps its last value).
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated !== undefined) throw new RowError(`column "${repeated}" appears twice in the header`);
  const known = new Set(table.columns.map((c) => c.name));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new RowError(`unknown column${unknown.length > 1 ? "s" : ""} ${unknown.map((n) => `"${n}"`).join(", ")} for table ${table.name} (columns: ${table.columns.map((c) => c.name).join(", ")})`);
  }
  const present = new Set(names);
  const missing = table.columns.filter((c) => c.required && !present.has(c.name)).map((c) => c.name);
  if (missing.length > 0) {
    throw new RowError(`missing required column${missing.length > 1 ? "s" : ""} ${missing.map((n) => `"${n}"`).join(", ")} for table ${table.name}`);
  }
}

/** One record (already checked for its columns) → cells in the table's column order. */
export function toCells(table: TableSpec, record: Record<string, unknown>): Cell[] {
  return table.columns.map((column) => convert(column, record[column.name]));
}
