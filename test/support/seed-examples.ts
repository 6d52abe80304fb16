// The JSON examples of the three vendor documents (../shared/seeds), read from the documents themselves so
// nothing is retyped: each example's exact text and parsed value, keyed by the endpoint it belongs to.

import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Family } from "../../shared/catalog/define.ts";

export const SEEDS_DIR = fileURLToPath(new URL("../../../shared/seeds/", import.meta.url));

export interface SeedExample {
  family: Family;
  method: "GET" | "POST";
  /** The endpoint path as the document writes it, without host or query (e.g. `/api/analytics/overview/`). */
  path: string;
  /** The query string of the document's first request to the endpoint before its example; "" when none. */
  query: string;
  /** The example exactly as printed in the document (numbers such as `10.40` kept). */
  text: string;
  body: unknown;
}

/** Which family a document is, from the endpoint paths it describes. */
function familyOf(paths: readonly string[]): Family {
  if (paths.some((p) => p.startsWith("/v1/analytics/"))) return "tapemetric";
  if (paths.some((p) => p.startsWith("/api/v1/stats"))) return "taprain";
  if (paths.some((p) => p.startsWith("/api/analytics/"))) return "cdp";
  throw new Error(`A seed document with unknown endpoints: ${paths.join(", ")}`);
}

/** The JSON value that starts at the first `{` or `[` of the text: its exact characters. */
function jsonValueAt(text: string): string {
  const start = text.search(/[{[]/);
  if (start < 0) throw new Error("A JSON example marker with no JSON after it.");
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) return text.slice(start, i + 1);
    }
  }
  throw new Error("A JSON example that never closes.");
}

/** A request URL with a query inside an example (curl): its path and query. */
const REQUEST_URL = /https?:\/\/[^/\s"']+(\/[^\s"'?]*)\?([^\s"']+)/;

/**
 * Parses one document: an endpoint line (`GET /v1/analytics/geo`, `GET https://taprain.com/api/v1/stats`)
 * names the endpoint; the first `json` block after it is its example.
 */
export function examplesOf(document: string): SeedExample[] {
  const lines = document.split("\n");
  const found: Omit<SeedExample, "family">[] = [];
  let current: { method: "GET" | "POST"; path: string; query: string } | undefined;
  lines.forEach((line, index) => {
    const endpoint = /^(GET|POST) (\S+)$/.exec(line.trim());
    if (endpoint) {
      current = { method: endpoint[1] as "GET" | "POST", path: new URL(endpoint[2], "https://vendor.invalid").pathname, query: "" };
      return;
    }
    const request = REQUEST_URL.exec(line);
    if (current && current.query === "" && request && request[1] === current.path) current.query = request[2];
    if (line.trim().toLowerCase() !== "json" || !current) return;
    if (found.some((f) => f.method === current?.method && f.path === current.path)) return;
    const text = jsonValueAt(lines.slice(index + 1).join("\n"));
    found.push({ ...current, text, body: JSON.parse(text) });
  });
  const family = familyOf(found.map((f) => f.path));
  return found.map((f) => ({ family, ...f }));
}

/** Every example of every document in the seeds folder. */
export function seedExamples(dir = SEEDS_DIR): SeedExample[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(".txt"))
    .sort()
    .flatMap((name) => examplesOf(readFileSync(`${dir}${name}`, "utf8")));
}

/** The example of one endpoint; throws when the documents have none (a typo in a test). */
export function seedExample(examples: readonly SeedExample[], method: "GET" | "POST", path: string): SeedExample {
  const found = examples.find((e) => e.method === method && e.path === path);
  if (!found) throw new Error(`The seed documents have no example for ${method} ${path}.`);
  return found;
}
