// Answers that fit (issue 16.3 and 16.4) through the real /mcp: the worst cases of the issue, measured with
// the token estimate of result-budget.ts (JSON and text together), the newest point always kept, and every
// list fetched whole by following the calls the cut notes name.

import { Client, StreamableHTTPClientTransport, type CallToolResult } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DEFAULT_RESULT_TOKENS, estimateTokens } from "../mcp-server/result-budget.ts";
import { callTool, NOW, textOf } from "./support/mcp.ts";
import { startTestServer, type Credentials, type TestServer } from "./support/server.ts";

let server: TestServer;
let wide: Credentials;
let client: Client;

function tokensOf(result: CallToolResult): number {
  return estimateTokens(JSON.stringify(result.structuredContent), textOf(result));
}

/** The call a cut note names for `path`, as tool name and arguments. */
function namedCall(result: CallToolResult, path: string): { name: string; args: Record<string, unknown> } | undefined {
  const note = textOf(result).split("\n")[0];
  const shown = String.raw`(?:items \d+–\d+ of \d+; next page|the newest \d+ of \d+ \(items \d+–\d+\); the older ones)`;
  const match = new RegExp(String.raw`${path.replace(/\./g, "\\.")} shows ${shown}: ([a-z_]+) (\{[^}]*\})`).exec(note);
  return match ? { name: match[1], args: JSON.parse(match[2]) as Record<string, unknown> } : undefined;
}

beforeAll(async () => {
  server = await startTestServer({ now: NOW });
  wide = await server.workspace("wide");
  // 3,000 offers clicked today; 400 segments; sessions all week with the peak in the last half hour.
  await server.insert(
    "wide",
    "tr_clicks",
    Array.from({ length: 3000 }, (_, i) => ({ click_id: `k${i}`, ts: "2026-03-18T12:00:00Z", country: "US", offer: `offer-${String(i).padStart(4, "0")}` })),
  );
  await server.insert(
    "wide",
    "cdp_segments",
    Array.from({ length: 400 }, (_, i) => ({ segment_id: i + 1, name: `Segment ${i + 1}`, active: true, first_computed_at: "2026-03-01T00:00:00Z", last_computed_at: "2026-03-18T12:00:00Z" })),
  );
  await server.insert("wide", "tm_content", [{ content_id: "m1", title: "Monsoon", content_type: "movie" }]);
  await server.insert("wide", "tm_sessions", [
    ...Array.from({ length: 7 }, (_, d) => ({ session_id: `day${d}`, user_id: `u${d}`, content_id: "m1", device: "tv", region: "Goa", pop: "p", started_at: `2026-03-${String(11 + d).padStart(2, "0")}T01:00:00Z`, ended_at: `2026-03-${String(11 + d).padStart(2, "0")}T02:00:00Z`, watch_seconds: 3600, completed: true })),
    ...Array.from({ length: 3 }, (_, i) => ({ session_id: `late${i}`, user_id: `l${i}`, content_id: "m1", device: "tv", region: "Goa", pop: "p", started_at: "2026-03-18T15:05:00Z", ended_at: "", watch_seconds: 1500, completed: false })),
  ]);
  client = new Client({ name: "metrigate-fit-test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${wide.token}`, "X-Api-Key": wide.apiKey } },
    }),
  );
});

afterAll(async () => {
  await client.close();
  await server.close();
});

describe("a cut keeps the newest points", () => {
  test("tapemetric_concurrency 7d every 5 minutes: the newest point and the peak are there, under budget", async () => {
    const result = await callTool(client, "tapemetric_concurrency", { range: "7d", interval: 5 });
    const body = result.structuredContent as { peak: number; peak_at: string; points: { ts: string; value: number }[] };
    expect(body.points.at(-1)?.ts).toMatch(/^2026-03-18T15:30:00(\.000)?Z$/);
    expect(body.peak).toBe(3);
    expect(body.peak_at).toMatch(/^2026-03-18T15:05:00(\.000)?Z$/);
    expect(body.points.some((p) => p.ts === body.peak_at && p.value === 3)).toBe(true);
    expect(body.points.length).toBeLessThan(2016);
    const note = textOf(result).split("\n")[0];
    expect(note).toMatch(new RegExp(`^\\[cut to stay under about 25,000 tokens: points shows the newest ${body.points.length} of 201[67] `));
    // The text's table holds the same rows as the JSON.
    expect(textOf(result)).toContain(`points (${body.points.length} rows):`);
    expect(tokensOf(result)).toBeLessThanOrEqual(DEFAULT_RESULT_TOKENS);
    // The older points are one named call away, and that call's answer fits too.
    const older = namedCall(result, "points");
    expect(older?.args).toEqual({ range: "7d", interval: 5, page_list: "points", page_offset: 0 });
    const first = await callTool(client, "tapemetric_concurrency", older?.args ?? {});
    expect((first.structuredContent as { points: { ts: string }[] }).points[0].ts).toMatch(/^2026-03-11T15:30:00(\.000)?Z$/);
    expect(tokensOf(first)).toBeLessThanOrEqual(DEFAULT_RESULT_TOKENS);
  });
});

describe("every list reachable by paging", () => {
  /** Follows the named next-page calls from `first` and returns every item of the list at `path`. */
  async function collect(name: string, args: Record<string, unknown>, path: string, pick: (body: unknown) => unknown[]): Promise<unknown[]> {
    const items: unknown[] = [];
    let result = await callTool(client, name, args);
    for (let pages = 1; ; pages++) {
      expect(result.isError ?? false, textOf(result)).toBe(false);
      expect(tokensOf(result)).toBeLessThanOrEqual(DEFAULT_RESULT_TOKENS);
      items.push(...pick(result.structuredContent));
      const next = namedCall(result, path);
      if (!next) return items;
      expect(pages).toBeLessThan(50);
      result = await callTool(client, next.name, next.args);
    }
  }

  test("taprain_stats with 3,000 offers: all of data.by_offer, page by page", async () => {
    const offers = await collect("taprain_stats", { range: "today" }, "data.by_offer", (b) => (b as { data: { by_offer: unknown[] } }).data.by_offer);
    const names = offers.map((o) => (o as { offer: string }).offer);
    expect(names.length).toBe(3000);
    expect(new Set(names).size).toBe(3000);
  });

  test("arguments too long to repeat (3,000 offers named) are not copied into the note, which stays short", async () => {
    const offer = Array.from({ length: 3000 }, (_, i) => `offer-${String(i).padStart(4, "0")}`).join(",");
    const result = await callTool(client, "taprain_stats", { range: "today", offer });
    expect(result.isError ?? false).toBe(false);
    expect(tokensOf(result)).toBeLessThanOrEqual(DEFAULT_RESULT_TOKENS);
    const note = textOf(result).split("\n")[0];
    expect(note.length).toBeLessThan(1500);
    expect(note).toContain('taprain_stats with the same arguments plus {"page_list":"data.by_offer","page_offset":');
  });

  test("cdp_segments with 400 segments: all of them, page by page", async () => {
    const segments = await collect("cdp_segments", {}, "result", (b) => (b as { result: unknown[] }).result);
    expect(segments.map((s) => (s as { id: number }).id).sort((a, b) => a - b)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
  });

  test("a bad page argument is a tool error with the allowed values", async () => {
    const bad = await callTool(client, "taprain_stats", { page_list: "data.by_planet" });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toBe(
      "Invalid value \"data.by_planet\" for parameter 'page_list'. Allowed values: data.time_series, data.by_country, data.by_source, data.by_offer.",
    );
  });
});
