// The vendor documents' JSON examples (../shared/seeds), read from the documents themselves: each example
// with the path of the endpoint it illustrates and, where the document shows one, the query it was asked with.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const SEEDS_DIR = new URL("../../../shared/seeds/", import.meta.url).pathname;

export interface SeedExample {
  document: string;
  /** The endpoint's path as the document writes it, without host or query (e.g. `/api/analytics/segments/`). */
  path: string;
  /** The query string of the document's first request to that path that has one; "" when none does. */
  query: string;
  body: unknown;
}

/** A heading or request line naming an endpoint: `GET /v1/analytics/overview`, `GET https://host/api/v1/stats`. */
const ENDPOINT_LINE = /^GET\s+(?:https?:\/\/[^/\s]+)?(\/\S*)$/;
/** A request URL inside an example (curl), with its query. */
const REQUEST_URL = /https?:\/\/[^/\s"']+(\/[^\s"'?]*)\?([^\s"']+)/;

/** The JSON value that starts at the first `{` or `[` of `text`, matched bracket by bracket. */
function leadingJson(text: string): string {
  const start = text.search(/[[{]/);
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
  throw new Error(`unbalanced JSON example: ${text.slice(start, start + 80)}`);
}

const samePath = (a: string, b: string) => a.replace(/\/$/, "") === b.replace(/\/$/, "");

function examplesOf(document: string, text: string): SeedExample[] {
  const lines = text.split("\n");
  const examples: SeedExample[] = [];
  let path: string | undefined;
  let query = "";
  lines.forEach((line, i) => {
    const heading = ENDPOINT_LINE.exec(line.trim());
    if (heading) {
      path = heading[1].split("?")[0];
      query = "";
      return;
    }
    const request = REQUEST_URL.exec(line);
    if (path !== undefined && request && query === "" && samePath(request[1], path)) query = request[2];
    if (/^json$/i.test(line.trim()) && path !== undefined) {
      const body: unknown = JSON.parse(leadingJson(lines.slice(i + 1).join("\n")));
      examples.push({ document, path, query, body });
    }
  });
  return examples;
}

/** Every JSON example of every seed document, in document order. */
export function seedExamples(): SeedExample[] {
  return readdirSync(SEEDS_DIR)
    .filter((name) => name.endsWith(".txt"))
    .sort()
    .flatMap((name) => examplesOf(name, readFileSync(join(SEEDS_DIR, name), "utf8")));
}
