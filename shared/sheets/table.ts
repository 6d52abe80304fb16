// Any endpoint's JSON as a spreadsheet table (a header row, then rows), shaped from the endpoint's response
// schema so that an empty result still has its header. Pure and Node-free: the add-on and sheet sync share it.

import type { z } from "zod";
import type { AnyEndpoint } from "../catalog/define.ts";
import { endpointByName } from "../catalog/index.ts";
import { BadParameter } from "../errors.ts";

export type SheetCell = string | number | boolean;
export type SheetTable = SheetCell[][];

/** One column: where its value sits inside a row item, and whether it needs a text rendering. */
interface Column {
  header: string;
  path: string[];
  text: boolean;
}

/** One table an endpoint can produce: `many` sections are lists (a row per item), others one row. */
interface Section {
  name: string;
  path: string[];
  many: boolean;
  columns: Column[];
}

interface TablePlan {
  /** Path to the body's payload (Taprain wraps it in `data`). */
  root: string[];
  sections: Section[];
}

type Shape = Record<string, z.ZodType>;
type Kind = { type: "scalar" } | { type: "object"; shape: Shape } | { type: "list"; element: Kind } | { type: "other" };

const WRAPPERS = new Set(["optional", "nullable", "default", "prefault", "readonly", "catch", "nonoptional"]);
const SCALARS = new Set(["string", "number", "int", "boolean", "bigint", "literal", "enum", "null", "date", "template_literal"]);

function kindOf(schema: z.ZodType): Kind {
  let current = schema;
  for (;;) {
    const def = current._zod.def as { type: string; innerType?: z.ZodType; in?: z.ZodType; out?: z.ZodType };
    if (WRAPPERS.has(def.type) && def.innerType) current = def.innerType;
    else if (def.type === "pipe" && def.out) current = def.out;
    else break;
  }
  const def = current._zod.def as { type: string; shape?: Shape; element?: z.ZodType; options?: z.ZodType[] };
  if (def.type === "object" && def.shape) return { type: "object", shape: def.shape };
  if (def.type === "array" && def.element) return { type: "list", element: kindOf(def.element) };
  if (SCALARS.has(def.type)) return { type: "scalar" };
  if (def.type === "union" && def.options?.every((o) => kindOf(o).type === "scalar")) return { type: "scalar" };
  return { type: "other" };
}

/** Scalars become columns, nested objects dotted columns (wow_delta.mau), lists and the rest text cells. */
function columnsOf(kind: Kind, prefix: string[] = []): Column[] {
  if (kind.type !== "object") return [{ header: prefix.join(".") || "value", path: prefix, text: kind.type !== "scalar" }];
  return Object.entries(kind.shape).flatMap(([key, field]) => {
    const inner = kindOf(field);
    const path = [...prefix, key];
    return inner.type === "object" ? columnsOf(inner, path) : [{ header: path.join("."), path, text: inner.type !== "scalar" }];
  });
}

const isTable = (kind: Kind) => kind.type === "list" && kind.element.type === "object";

function planOf(endpoint: AnyEndpoint): TablePlan {
  let kind = kindOf(endpoint.response);
  const root: string[] = [];
  // A `{success, data}` envelope (Taprain) carries its payload in data; meta describes the request.
  if (kind.type === "object" && "success" in kind.shape && "data" in kind.shape) {
    root.push("data");
    kind = kindOf(kind.shape.data);
  }
  if (kind.type === "list") {
    return { root, sections: [{ name: "", path: [], many: true, columns: columnsOf(kind.element) }] };
  }
  if (kind.type !== "object") return { root, sections: [{ name: "", path: [], many: false, columns: columnsOf(kind) }] };
  const fields = Object.entries(kind.shape).map(([key, schema]) => ({ key, kind: kindOf(schema) }));
  if (!fields.some((f) => isTable(f.kind))) {
    return { root, sections: [{ name: "", path: [], many: false, columns: columnsOf(kind) }] };
  }
  // Several tables in one body (stats: summary, time_series, by_country...): each list or object is a
  // section, in the body's order, and the remaining plain fields form a "summary" section of their own.
  const sections: Section[] = [];
  const rest: Column[] = [];
  for (const { key, kind: field } of fields) {
    if (field.type === "list" && field.element.type === "object") {
      sections.push({ name: key, path: [key], many: true, columns: columnsOf(field.element) });
    } else if (field.type === "object") {
      sections.push({ name: key, path: [key], many: false, columns: columnsOf(field) });
    } else {
      rest.push({ header: key, path: [key], text: field.type !== "scalar" });
    }
  }
  if (rest.length > 0) {
    const name = sections.some((s) => s.name === "summary") ? "fields" : "summary";
    sections.push({ name, path: [], many: false, columns: rest });
  }
  return { root, sections };
}

function endpointNamed(name: string): AnyEndpoint {
  const endpoint = endpointByName(name);
  if (!endpoint) throw new BadParameter("endpoint", `Unknown endpoint "${name}".`);
  return endpoint;
}

/** The sections an endpoint's body splits into, default first; `[""]` when it is a single table. */
export function sectionsOf(endpoint: AnyEndpoint): string[] {
  if (endpoint.tabular) return [""];
  return planOf(endpoint).sections.map((s) => s.name);
}

/**
 * The section a caller asked for (case-insensitive), or the default one for an empty request; a
 * BadParameter naming the allowed sections otherwise. Callers check before requesting anything.
 */
export function sectionNamed(endpoint: AnyEndpoint, section: string | undefined): string {
  const sections = sectionsOf(endpoint);
  const wanted = section?.trim() ?? "";
  if (wanted === "") return sections[0];
  const label = endpoint.sheetFunction ?? endpoint.name;
  if (sections.length === 1) throw new BadParameter("section", `${label} returns a single table: leave 'section' empty (got "${wanted}").`);
  const found = sections.find((s) => s === wanted.toLowerCase());
  if (found === undefined) throw new BadParameter("section", `Unknown section "${wanted}" for ${label}: use ${listOf(sections)}.`);
  return found;
}

export function listOf(names: readonly string[]): string {
  return names.length < 2 ? names.join("") : `${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}`;
}

function valueAt(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== "object" || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Nested values as one readable line: `key: value, key: value` per object, `; ` between list items. */
function renderText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map(renderText).join("; ");
  if (typeof value === "object") {
    return Object.entries(value as Record<string, unknown>)
      .map(([key, v]) => `${key}: ${v !== null && typeof v === "object" ? `(${renderText(v)})` : renderText(v)}`)
      .join(", ");
  }
  return String(value);
}

function cellOf(value: unknown, text: boolean): SheetCell {
  if (value === null || value === undefined) return "";
  if (!text && (typeof value === "string" || typeof value === "number" || typeof value === "boolean")) return value;
  return renderText(value);
}

/**
 * An endpoint's response body as a table with a header row. `section` picks one of several tables in
 * the body (see sectionsOf); empty means the first. Unknown sections throw BadParameter("section").
 */
export function tableOf(endpoint: AnyEndpoint, body: unknown, section?: string): SheetTable {
  const name = sectionNamed(endpoint, section);
  if (endpoint.tabular) {
    const flat = endpoint.tabular(body);
    return [flat.header, ...flat.rows.map((row) => row.map((cell) => cellOf(cell, false)))];
  }
  const plan = planOf(endpoint);
  const chosen = plan.sections.find((s) => s.name === name) ?? plan.sections[0];
  const data = valueAt(valueAt(body, plan.root), chosen.path);
  const empty = data === undefined || data === null || (typeof data === "object" && Object.keys(data).length === 0);
  const items = chosen.many ? (Array.isArray(data) ? data : []) : empty ? [] : [data];
  // Only list items: a one-row section shares its object with the body's other sections.
  const columns = chosen.many ? [...chosen.columns, ...unknownColumns(chosen.columns, items)] : chosen.columns;
  const header = columns.map((c) => c.header);
  return [header, ...items.map((item) => columns.map((c) => cellOf(valueAt(item, c.path), c.text)))];
}

/**
 * Fields a list's items carry that the response schema does not name (another server's newer or older
 * field names): appended as columns after the known ones, so nothing the server said is dropped.
 */
function unknownColumns(known: readonly Column[], items: readonly unknown[]): Column[] {
  const names = new Set(known.map((c) => c.path[0]));
  const extra: Column[] = [];
  for (const item of items) {
    if (item === null || typeof item !== "object" || Array.isArray(item)) continue;
    for (const [key, value] of Object.entries(item)) {
      if (names.has(key)) continue;
      names.add(key);
      extra.push({ header: key, path: [key], text: value !== null && typeof value === "object" });
    }
  }
  return extra;
}

/** tableOf for a catalog endpoint named by its MCP tool name (e.g. "taprain_stats"). */
export function toSheetTable(endpointName: string, body: unknown, section?: string): SheetTable {
  return tableOf(endpointNamed(endpointName), body, section);
}
