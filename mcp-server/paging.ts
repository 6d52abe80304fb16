// Paging any list of a tool's answer (issue 16.4): two tool-only arguments, `page_list` (which list) and
// `page_offset` (its first item), so a list too long for one result can be fetched whole, page by page.
// Also the note of a cut answer, which names the exact call that fetches the next page.

import type { AnyEndpoint } from "../shared/catalog/define.ts";
import { BadParameter } from "../shared/errors.ts";
import type { ListCut } from "./result-budget.ts";
import { listsOf, withList } from "./result-budget.ts";

export const PAGE_LIST = "page_list";
export const PAGE_OFFSET = "page_offset";

/** Dotted paths of the lists an answer holds (not lists inside list rows), from its output JSON Schema. */
export function listPaths(schema: unknown, path = ""): string[] {
  if (schema === null || typeof schema !== "object") return [];
  const type = "type" in schema ? schema.type : undefined;
  if (type === "array" || (Array.isArray(type) && type.includes("array"))) return [path];
  const properties = "properties" in schema && schema.properties !== null && typeof schema.properties === "object" ? schema.properties : {};
  return Object.entries(properties).flatMap(([name, child]) => listPaths(child, path ? `${path}.${name}` : name));
}

/** A type alias, not an interface: JSON-valued index signatures accept only the former. */
type PropertySchema = {
  type: string;
  enum?: string[];
  minimum?: number;
  description: string;
};

/** The JSON Schema of the two paging arguments for a tool whose answer holds these lists. */
export function pagingProperties(paths: readonly string[]): Record<string, PropertySchema> {
  return {
    [PAGE_LIST]: {
      type: "string",
      enum: [...paths],
      description: "MCP only: the list to page through when an answer was cut (other lists left out).",
    },
    [PAGE_OFFSET]: {
      type: "integer",
      minimum: 0,
      description: "MCP only: first item of page_list (default 0).",
    },
  };
}

export interface PageRequest {
  path: string;
  offset: number;
}

/** The paging arguments of a call (removed from `args`), or undefined when the call pages nothing. */
export function takePageRequest(args: Record<string, unknown>, paths: readonly string[]): PageRequest | undefined {
  const path = args[PAGE_LIST];
  const offset = args[PAGE_OFFSET] ?? 0;
  delete args[PAGE_LIST];
  delete args[PAGE_OFFSET];
  if (path === undefined || path === null) {
    if (offset !== 0) throw new BadParameter(PAGE_OFFSET, `Parameter '${PAGE_OFFSET}' goes with '${PAGE_LIST}': name the list to page.`);
    return undefined;
  }
  if (typeof path !== "string" || !paths.includes(path)) {
    throw new BadParameter(PAGE_LIST, `Invalid value ${JSON.stringify(path)} for parameter '${PAGE_LIST}'. Allowed values: ${paths.join(", ")}.`);
  }
  if (typeof offset !== "number" || !Number.isInteger(offset) || offset < 0) {
    throw new BadParameter(PAGE_OFFSET, `Parameter '${PAGE_OFFSET}' must be a whole number of at least 0 (got ${JSON.stringify(offset)}).`);
  }
  return { path, offset };
}

/** The body with the paged list starting at the offset and the other lists emptied; the span of the page. */
export function applyPage(body: Record<string, unknown>, page: PageRequest): { body: Record<string, unknown>; span: { from: number; total: number } } {
  let paged: unknown = body;
  let total = 0;
  for (const { path, list } of listsOf(body)) {
    if (path === page.path) total = list.length;
    paged = withList(paged, path, path === page.path ? list.slice(page.offset) : []);
  }
  return { body: paged as Record<string, unknown>, span: { from: Math.min(page.offset, total), total } };
}

/** The call that fetches the page starting at `offset` of the list at `path`, as a tool name and JSON arguments. */
function nextCall(endpoint: AnyEndpoint, args: Record<string, unknown>, path: string, offset: number): string {
  const paging = { [PAGE_LIST]: path, [PAGE_OFFSET]: offset };
  const whole = `${endpoint.name} ${JSON.stringify({ ...args, ...paging })}`;
  // Arguments too long to repeat (thousands of filter values) would eat the room the note is kept within.
  return whole.length <= MAX_CALL_CHARS ? whole : `${endpoint.name} with the same arguments plus ${JSON.stringify(paging)}`;
}

/** About a hundred tokens: two such calls fit the room kept for the note. */
const MAX_CALL_CHARS = 500;

/** One sentence per list that the answer does not show whole, each naming the call for the rest. */
export function pageNote(endpoint: AnyEndpoint, args: Record<string, unknown>, cuts: readonly ListCut[], page: PageRequest | undefined): string {
  const parts: string[] = [];
  for (const cut of cuts) {
    const last = cut.from + cut.kept - 1;
    const shown = cut.kept === 0 ? "no items" : `items ${cut.from}–${last}`;
    if (cut.newest) {
      parts.push(`${cut.path} shows the newest ${cut.kept} of ${cut.total} (${shown}); the older ones: ${nextCall(endpoint, args, cut.path, 0)}`);
    } else if (last + 1 < cut.total) {
      parts.push(`${cut.path} shows ${shown} of ${cut.total}; next page: ${nextCall(endpoint, args, cut.path, last + 1)}`);
    } else {
      parts.push(`${cut.path} shows ${shown} of ${cut.total}`);
    }
  }
  if (page && !cuts.some((c) => c.path === page.path)) parts.push(`${page.path} shows its items from ${page.offset} to the end`);
  if (page) parts.push("the other lists are left out while paging");
  if (parts.length === 0) return "";
  const cut = cuts.length > 0 ? "cut to stay under about 25,000 tokens: " : "";
  return `[${cut}${parts.join("; ")}.]`;
}
