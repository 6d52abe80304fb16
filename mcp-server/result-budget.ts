// Keeps one tool result under what MCP clients accept (about 25,000 tokens): when the structured body alone
// is too large, its longest lists are shortened, and the caller is told which ones and by how much.

/** About 25,000 tokens at roughly 4 characters a token, for the JSON and the text together. */
export const DEFAULT_RESULT_CHARS = 100_000;

/** Share of the budget the structured body may take; the text rendering gets the rest. */
const STRUCTURED_SHARE = 0.6;

export interface ListCut {
  /** Dotted path of the list in the body, e.g. `data.by_offer`. */
  path: string;
  kept: number;
  total: number;
}

interface Found {
  path: string;
  list: unknown[];
  size: number;
}

function listsIn(value: unknown, path: string, found: Found[]): void {
  if (Array.isArray(value)) {
    found.push({ path, list: value, size: JSON.stringify(value).length });
    for (const item of value) if (item !== null && typeof item === "object") listsIn(item, `${path}[]`, found);
  } else if (value !== null && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) listsIn(child, path ? `${path}.${key}` : key, found);
  }
}

/** Copy of `value` with the list at `target` (by identity) cut to `keep` items. */
function withCut(value: unknown, target: unknown[], keep: number): unknown {
  if (value === target) return target.slice(0, keep);
  if (Array.isArray(value)) return value.map((item) => withCut(item, target, keep));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withCut(v, target, keep)]));
  }
  return value;
}

/**
 * The body as it fits `budget * STRUCTURED_SHARE` characters of JSON: unchanged when it already does
 * (the usual case), else with its largest top-level lists (not lists nested in rows) cut from the end.
 */
export function fitStructured(
  body: Record<string, unknown>,
  budget: number,
): { body: Record<string, unknown>; cuts: ListCut[]; jsonChars: number } {
  const limit = Math.floor(budget * STRUCTURED_SHARE);
  let current = body;
  let json = JSON.stringify(current);
  const cuts: ListCut[] = [];
  while (json.length > limit) {
    const found: Found[] = [];
    listsIn(current, "", found);
    const largest = found.filter((f) => !f.path.includes("[]") && f.list.length > 0).sort((a, b) => b.size - a.size)[0];
    if (!largest) break;
    // Keep the share of items that fits, estimated from the list's average item size, at least one less.
    const excess = json.length - limit;
    const perItem = largest.size / largest.list.length;
    const keep = Math.max(0, Math.min(largest.list.length - 1, Math.floor(largest.list.length - excess / perItem - 1)));
    current = withCut(current, largest.list, keep) as Record<string, unknown>;
    json = JSON.stringify(current);
    const previous = cuts.find((c) => c.path === largest.path);
    if (previous) previous.kept = keep;
    else cuts.push({ path: largest.path, kept: keep, total: largest.list.length });
  }
  return { body: current, cuts, jsonChars: json.length };
}
