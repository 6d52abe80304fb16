// The compact text of a tool result: `name: value` lines for figures and pipe tables for lists. It shows
// exactly the rows of the structured body it renders; result-budget.ts decides how many rows that is.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isScalar(value: Json): value is null | boolean | number | string {
  return value === null || typeof value !== "object";
}

function isRecord(value: Json): value is { [key: string]: Json } {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function scalarText(value: null | boolean | number | string): string {
  return value === null ? "null" : String(value).replace(/\s*\n\s*/g, " ");
}

/** One table cell: scalars as they are, lists of scalars comma-joined, anything deeper as compact JSON. */
function cell(value: Json | undefined): string {
  if (value === undefined) return "";
  if (isScalar(value)) return scalarText(value).replace(/\|/g, "\\|");
  if (Array.isArray(value) && value.every(isScalar)) return value.map((v) => scalarText(v)).join(",");
  return JSON.stringify(value).replace(/\|/g, "\\|");
}

/** A line of `k=v` pairs for an object whose values are all scalars or lists of scalars. */
function isFlat(value: { [key: string]: Json }): boolean {
  return Object.values(value).every((v) => isScalar(v) || (Array.isArray(v) && v.every(isScalar)));
}

class Writer {
  private readonly lines: string[] = [];

  line(text: string): void {
    this.lines.push(text);
  }

  text(): string {
    return this.lines.join("\n");
  }
}

function table(writer: Writer, label: string, rows: Json[]): void {
  if (rows.length === 0) {
    writer.line(`${label}: (none)`);
    return;
  }
  if (rows.every(isScalar)) {
    writer.line(`${label}: ${rows.map((v) => cell(v)).join(", ")}`);
    return;
  }
  const columns = [...new Set(rows.flatMap((row) => (isRecord(row) ? Object.keys(row) : ["value"])))];
  writer.line(`${label} (${rows.length} row${rows.length === 1 ? "" : "s"}):`);
  writer.line(columns.join(" | "));
  for (const row of rows) writer.line(isRecord(row) ? columns.map((c) => cell(row[c])).join(" | ") : cell(row));
}

function section(writer: Writer, label: string, value: Json): void {
  if (isScalar(value)) {
    writer.line(`${label}: ${scalarText(value)}`);
  } else if (Array.isArray(value)) {
    table(writer, label, value);
  } else if (isFlat(value)) {
    const pairs = Object.entries(value).map(([k, v]) => `${k}=${cell(v)}`);
    writer.line(`${label}: ${pairs.join(" ")}`);
  } else {
    // Scalars first on one line, then each nested part under a dotted name.
    const flat = Object.entries(value).filter(([, v]) => isScalar(v));
    if (flat.length > 0) writer.line(`${label}: ${flat.map(([k, v]) => `${k}=${cell(v)}`).join(" ")}`);
    for (const [k, v] of Object.entries(value)) if (!isScalar(v)) section(writer, `${label}.${k}`, v);
  }
}

/** Renders a JSON object: scalars first, then nested parts and tables. */
export function renderText(body: Record<string, unknown>): string {
  const writer = new Writer();
  const entries = Object.entries(body as { [key: string]: Json });
  for (const [k, v] of entries) if (isScalar(v)) section(writer, k, v);
  for (const [k, v] of entries) if (!isScalar(v)) section(writer, k, v);
  return writer.text();
}
