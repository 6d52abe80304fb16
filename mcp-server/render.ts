// The compact text of a tool result: `name: value` lines for figures and pipe tables for lists, written
// within a character budget so a long list is cut with a note instead of crowding out everything else.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Room kept for the notes that say what was cut. */
const NOTE_ROOM = 400;

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
  private used = 0;
  readonly cuts: string[] = [];

  constructor(private readonly budget: number) {}

  /** Adds a line when it fits; false once the budget is spent. */
  tryLine(text: string): boolean {
    if (this.used + text.length + 1 > this.budget - NOTE_ROOM) return false;
    this.lines.push(text);
    this.used += text.length + 1;
    return true;
  }

  /** Adds a line, or notes that `label` was left out. */
  line(label: string, text: string): void {
    if (!this.tryLine(text)) this.cuts.push(`[text cut: ${label} not shown]`);
  }

  text(): string {
    return [...this.lines, ...this.cuts].join("\n");
  }
}

function table(writer: Writer, label: string, rows: Json[]): void {
  if (rows.length === 0) {
    writer.line(label, `${label}: (none)`);
    return;
  }
  if (rows.every(isScalar)) {
    writer.line(label, `${label}: ${rows.map((v) => cell(v)).join(", ")}`);
    return;
  }
  const columns = [...new Set(rows.flatMap((row) => (isRecord(row) ? Object.keys(row) : ["value"])))];
  const heading = `${label} (${rows.length} row${rows.length === 1 ? "" : "s"}):`;
  if (!writer.tryLine(heading) || !writer.tryLine(columns.join(" | "))) {
    writer.cuts.push(`[text cut: ${label} (${rows.length} rows) not shown]`);
    return;
  }
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const text = isRecord(row) ? columns.map((c) => cell(row[c])).join(" | ") : cell(row);
    if (!writer.tryLine(text)) {
      writer.cuts.push(`[text cut: ${label} shows ${i} of ${rows.length} rows here]`);
      return;
    }
  }
}

function section(writer: Writer, label: string, value: Json): void {
  if (isScalar(value)) {
    writer.line(label, `${label}: ${scalarText(value)}`);
  } else if (Array.isArray(value)) {
    table(writer, label, value);
  } else if (isFlat(value)) {
    const pairs = Object.entries(value).map(([k, v]) => `${k}=${cell(v)}`);
    writer.line(label, `${label}: ${pairs.join(" ")}`);
  } else {
    // Scalars first on one line, then each nested part under a dotted name.
    const flat = Object.entries(value).filter(([, v]) => isScalar(v));
    if (flat.length > 0) writer.line(label, `${label}: ${flat.map(([k, v]) => `${k}=${cell(v)}`).join(" ")}`);
    for (const [k, v] of Object.entries(value)) if (!isScalar(v)) section(writer, `${label}.${k}`, v);
  }
}

/** Renders a JSON object in at most `budget` characters; what did not fit is named at the end. */
export function renderText(body: Record<string, unknown>, budget: number): string {
  const writer = new Writer(budget);
  const entries = Object.entries(body as { [key: string]: Json });
  for (const [k, v] of entries) if (isScalar(v)) section(writer, k, v);
  for (const [k, v] of entries) if (!isScalar(v)) section(writer, k, v);
  return writer.text();
}
