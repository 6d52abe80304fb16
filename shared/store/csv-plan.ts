// DuckDB's own CSV reader as the fast path of `metrigate import`: SQL that converts a file read as text
// into the import columns, and a test that each row is plainly valid. The test is deliberately narrower
// than the row validation of import/validate.ts — a row it doubts (an offset instant, a number with
// spaces, any invalid value) sends the whole file down the careful path, which stores the same rows or
// names the bad line. So the fast path never accepts what the careful one would refuse, and it converts
// every value it accepts to exactly what the careful one would store.

import type { ColumnSpec, TableSpec } from "./tables.ts";
import { SQL_TYPES } from "./duckdb-types.ts";
import { sqlString } from "./sql-literal.ts";

/** read_csv options matching the careful parser: a header line, comma, double quotes, text columns. */
export const CSV_OPTIONS = "header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"', strict_mode = true, null_padding = false";


const literal = (value: string | number | boolean | null | undefined): string =>
  value === null || value === undefined ? "NULL" : typeof value === "string" ? sqlString(value) : String(value);
const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

// Years 1000-9999 (JavaScript's Date.UTC reads two-digit years differently); hours 00-23; at most
// milliseconds; UTC only (an offset is left to the careful path).
const DATE = "[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}";
const INSTANT = `${DATE}[T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,3})?)?[Zz]?`;
const DECIMAL = "-?[0-9]{1,15}(\\.[0-9]{1,15})?";
const WHOLE = "-?[0-9]{1,15}";

/** A non-empty text's value and whether it is plainly valid, as SQL over `r`. */
function conversion(column: ColumnSpec, r: string): { value: string; valid: string } {
  const atLeast = (value: string) => (column.min === undefined ? "true" : `${value} >= ${column.min}`);
  switch (column.type) {
    case "string":
      if (column.country) return { value: `upper(trim(${r}))`, valid: `regexp_full_match(upper(trim(${r})), '[A-Z]{2}')` };
      if (column.values) return { value: r, valid: `${r} IN (${column.values.map(literal).join(", ")})` };
      return { value: r, valid: "true" };
    case "integer":
    case "number": {
      const value = `TRY_CAST(${r} AS ${SQL_TYPES[column.type]})`;
      const pattern = column.type === "integer" ? WHOLE : DECIMAL;
      return { value, valid: `(regexp_full_match(${r}, '${pattern}') AND ${atLeast(value)})` };
    }
    case "boolean":
      return { value: `lower(${r}) IN ('true', '1')`, valid: `lower(${r}) IN ('true', '1', 'false', '0')` };
    case "timestamp": {
      const value = `TRY_CAST(regexp_replace(replace(${r}, 'T', ' '), '[Zz]$', '') AS TIMESTAMP)`;
      return { value, valid: `(regexp_full_match(${r}, '${INSTANT}') AND ${value} IS NOT NULL)` };
    }
    case "date": {
      const value = `TRY_CAST(${r} AS DATE)`;
      return { value, valid: `(regexp_full_match(${r}, '${DATE}') AND ${value} IS NOT NULL)` };
    }
  }
}

/**
 * For a file whose header names exactly known columns (each once) including every required one: the
 * SELECT list of the import columns in table order, and the condition a plainly valid row meets.
 * Undefined for any other header, which the careful path then explains.
 */
export function plainCsvPlan(table: TableSpec, header: readonly string[]): { values: string; valid: string } | undefined {
  const known = new Set(table.columns.map((c) => c.name));
  if (new Set(header).size !== header.length || header.some((name) => !known.has(name))) return undefined;
  if (table.columns.some((c) => c.required && !header.includes(c.name))) return undefined;
  const values: string[] = [];
  const valid: string[] = [];
  for (const column of table.columns) {
    const type = SQL_TYPES[column.type];
    if (!header.includes(column.name)) {
      values.push(`CAST(${literal(column.default)} AS ${type}) AS ${column.name}`);
      continue;
    }
    const r = quoted(column.name);
    const empty = `(${r} IS NULL OR ${r} = '')`;
    const { value, valid: ok } = conversion(column, r);
    values.push(`CAST(CASE WHEN ${empty} THEN ${literal(column.default)} ELSE ${value} END AS ${type}) AS ${column.name}`);
    valid.push(column.required ? `(NOT ${empty} AND ${ok})` : `(${empty} OR ${ok})`);
  }
  return { values: values.join(", "), valid: valid.length > 0 ? valid.join(" AND ") : "true" };
}
