// Keeps one tool result under what MCP clients accept (about 25,000 tokens), counting the structured JSON
// and its text rendering together. Long lists are shortened until both fit; a list in time order keeps its
// newest items (the oldest go), any other list keeps its first. The caller learns each list's kept span.

/** Tokens one result may take, JSON and text together: under the clients' 25,000 with room for the note. */
export const DEFAULT_RESULT_TOKENS = 24_000;

/**
 * Characters per token, as measured on our answers with a GPT-style tokenizer: numeric JSON about 2 (each
 * quote, colon and digit group is a token), pipe tables of numbers about 1.6. Rounded down, so estimates err high.
 */
const CHARS_PER_TOKEN = { json: 2, text: 1.6 } as const;

export function estimateTokens(json: string, text: string): number {
  return Math.ceil(json.length / CHARS_PER_TOKEN.json + text.length / CHARS_PER_TOKEN.text);
}

export interface ListCut {
  /** Dotted path of the list in the body, e.g. `data.by_offer`. */
  path: string;
  /** Index (in the whole list) of the first item kept. */
  from: number;
  kept: number;
  total: number;
  /** Kept the newest items of a list in time order. */
  newest: boolean;
}

/** Keys that mark a row as a point in time; a list of such rows in ascending order is a time series. */
const TIME_KEYS = ["ts", "period", "day", "date", "time", "hour", "week", "month"];

function timeOf(item: unknown): string | undefined {
  if (item === null || typeof item !== "object" || Array.isArray(item)) return undefined;
  const key = Object.keys(item).find((k) => TIME_KEYS.includes(k));
  const value = key === undefined ? undefined : (item as Record<string, unknown>)[key];
  return typeof value === "string" ? value : undefined;
}

export function isTimeSeries(list: readonly unknown[]): boolean {
  const times = list.map(timeOf);
  return list.length > 1 && times.every((t, i) => t !== undefined && (i === 0 || (times[i - 1] ?? "") <= t));
}

/** The top-level lists of a body (not lists inside rows), by dotted path. */
export function listsOf(value: unknown, path = ""): { path: string; list: unknown[] }[] {
  if (Array.isArray(value)) return [{ path, list: value }];
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, child]) => listsOf(child, path ? `${path}.${key}` : key));
}

/** Copy of `value` with the list at `path` replaced. */
export function withList(value: unknown, path: string, list: unknown[]): unknown {
  if (path === "") return list;
  const [head, ...rest] = path.split(".");
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === head ? withList(v, rest.join("."), list) : v]));
}

/**
 * The body as it fits `budgetTokens` together with its text (`render`), and that text. Unchanged when it
 * already fits (the usual case); else the list costing most is shortened, again until everything fits.
 * `spans` gives lists already paged by the caller (their `from` and `total` in the whole list).
 */
export function fitResult(
  body: Record<string, unknown>,
  render: (body: Record<string, unknown>) => string,
  budgetTokens: number,
  spans: ReadonlyMap<string, { from: number; total: number }> = new Map(),
): { body: Record<string, unknown>; text: string; cuts: ListCut[] } {
  let current = body;
  const cuts = new Map<string, ListCut>();
  for (;;) {
    const text = render(current);
    const json = JSON.stringify(current);
    const cost = estimateTokens(json, text);
    if (cost <= budgetTokens) return { body: current, text, cuts: [...cuts.values()] };
    const largest = listsOf(current)
      .filter((l) => l.list.length > 0)
      .map((l) => ({ ...l, size: JSON.stringify(l.list).length }))
      .sort((a, b) => b.size - a.size)[0];
    if (!largest) return { body: current, text, cuts: [...cuts.values()] };
    // Keep the share of items that fits, from the list's share of the cost, at least one fewer.
    const share = budgetTokens / cost;
    const keep = Math.max(0, Math.min(largest.list.length - 1, Math.floor(largest.list.length * share) - 1));
    const previous = cuts.get(largest.path);
    const span = spans.get(largest.path);
    const newest = previous?.newest ?? (span === undefined && isTimeSeries(largest.list));
    const kept = newest ? largest.list.slice(largest.list.length - keep) : largest.list.slice(0, keep);
    const baseFrom = previous?.from ?? span?.from ?? 0;
    const total = previous?.total ?? span?.total ?? largest.list.length;
    const from = newest ? baseFrom + (largest.list.length - keep) : baseFrom;
    cuts.set(largest.path, { path: largest.path, from, kept: keep, total, newest });
    current = withList(current, largest.path, kept) as Record<string, unknown>;
  }
}
