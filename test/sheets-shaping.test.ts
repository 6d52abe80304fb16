// The pure pieces shared by the add-on and sheet sync: response bodies as tables, Sheets arguments as
// parameters, client pacing, response reading, report configs and cell ranges — table-driven, by hand.

import { z } from "zod";
import { describe, expect, test } from "vitest";
import { ChunkedCache, splitByBytes } from "../sheets-addon/src/cache.ts";
import { defineEndpoint, type AnyEndpoint } from "../shared/catalog/define.ts";
import { CATALOG } from "../shared/catalog/index.ts";
import { callOf, findSheetFunction, sheetFunctions, toSheetFunction } from "../shared/sheets/functions.ts";
import { CLIENT_LIMITS, limitOf, nextSlot } from "../shared/sheets/pacing.ts";
import { columnLetters, parseCell, parseReportsConfig, reportBlock } from "../shared/sheets/reports.ts";
import { readResponse, retryWait } from "../shared/sheets/response.ts";
import { sectionsOf, tableOf, toSheetTable } from "../shared/sheets/table.ts";

/** An endpoint with only what shaping looks at: its name, parameters and response schema. */
function endpointWith(response: z.ZodType, params: z.ZodObject = z.object({})): AnyEndpoint {
  return defineEndpoint({
    name: "test_endpoint",
    family: "cdp",
    title: "Test",
    description: "Test endpoint.",
    method: "GET",
    path: "/test",
    params,
    response,
    readOnly: true,
    cacheable: true,
    sheetFunction: "TEST_FN",
    compute: () => Promise.reject(new Error("not computed in these tests")),
  }) as unknown as AnyEndpoint;
}

describe("tables from response bodies", () => {
  test("a record with a nested object is one row; the nested fields become dotted columns; null is an empty cell", () => {
    const overview = endpointWith(
      z.object({
        monthly_active_users: z.number(),
        watch_hours: z.number(),
        wow_delta: z.object({ mau: z.number().nullable(), watch_hours: z.number().nullable() }),
      }),
    );
    expect(sectionsOf(overview)).toEqual([""]);
    expect(tableOf(overview, { monthly_active_users: 120, watch_hours: 33.5, wow_delta: { mau: 12.5, watch_hours: null } })).toEqual([
      ["monthly_active_users", "watch_hours", "wow_delta.mau", "wow_delta.watch_hours"],
      [120, 33.5, 12.5, ""],
    ]);
  });

  test("a list is a row per item; a nested list is one readable cell", () => {
    const segments = endpointWith(
      z.array(
        z.object({
          id: z.number(),
          name: z.string(),
          trend: z.array(z.object({ date: z.string(), members: z.number() })),
          tags: z.array(z.string()),
        }),
      ),
    );
    const body = [
      { id: 1, name: "Buyers", trend: [{ date: "2026-03-17", members: 12 }, { date: "2026-03-18", members: 15 }], tags: ["a", "b"] },
      { id: 2, name: "New", trend: [], tags: [] },
    ];
    expect(tableOf(segments, body)).toEqual([
      ["id", "name", "trend", "tags"],
      [1, "Buyers", "date: 2026-03-17, members: 12; date: 2026-03-18, members: 15", "a; b"],
      [2, "New", "", ""],
    ]);
    expect(tableOf(segments, [])).toEqual([["id", "name", "trend", "tags"]]);
  });

  test("a body holding a list and plain fields: the list is the default section, the plain fields a summary", () => {
    const concurrency = endpointWith(
      z.object({
        interval_minutes: z.number(),
        points: z.array(z.object({ ts: z.string(), value: z.number() })),
        peak: z.number(),
        peak_at: z.string().nullable(),
      }),
    );
    const body = { interval_minutes: 15, points: [{ ts: "2026-03-18T15:00:00Z", value: 3 }, { ts: "2026-03-18T15:15:00Z", value: 5 }], peak: 5, peak_at: "2026-03-18T15:15:00Z" };
    expect(sectionsOf(concurrency)).toEqual(["points", "summary"]);
    expect(tableOf(concurrency, body)).toEqual([["ts", "value"], ["2026-03-18T15:00:00Z", 3], ["2026-03-18T15:15:00Z", 5]]);
    expect(tableOf(concurrency, body, "SUMMARY")).toEqual([["interval_minutes", "peak", "peak_at"], [15, 5, "2026-03-18T15:15:00Z"]]);
    expect(() => tableOf(concurrency, body, "peaks")).toThrow('Unknown section "peaks" for TEST_FN: use points or summary.');
  });

  test("fields of list items that the schema does not name become extra columns after the known ones", () => {
    const segments = endpointWith(z.array(z.object({ id: z.number(), trend: z.array(z.object({ date: z.string(), members: z.number() })) })));
    const body = [{ id: 7, trend: [{ day: "2026-04-03", count: 3201 }], tier: "gold" }, { id: 8, trend: [], note: { a: 1 } }];
    expect(tableOf(segments, body)).toEqual([
      ["id", "trend", "tier", "note"],
      [7, "day: 2026-04-03, count: 3201", "gold", ""],
      [8, "", "", "a: 1"],
    ]);
  });

  test("usage pairs become used/limit columns; records of other shapes become one readable cell", () => {
    const usage = endpointWith(
      z.object({
        plan_name: z.string(),
        events: z.object({ used: z.number(), limit: z.number() }),
        extra: z.record(z.string(), z.number()),
      }),
    );
    expect(tableOf(usage, { plan_name: "Growth", events: { used: 950, limit: -1 }, extra: { a: 1, b: 2 } })).toEqual([
      ["plan_name", "events.used", "events.limit", "extra"],
      ["Growth", 950, -1, "a: 1, b: 2"],
    ]);
    expect(() => tableOf(usage, {}, "events")).toThrow('TEST_FN returns a single table: leave \'section\' empty (got "events").');
  });

  test("Taprain's envelope: the sections of data, summary first; meta is left out", () => {
    const stats = CATALOG.find((e) => e.name === "taprain_stats");
    expect(stats && sectionsOf(stats)).toEqual(["summary", "time_series", "by_country", "by_source", "by_offer"]);
    const body = {
      success: true,
      meta: { range: "today" },
      data: {
        summary: { clicks: 4, leads: 1, revenue: 2.5, cvr: 25, epc: 0.625 },
        time_series: [],
        by_country: [{ country: "US", clicks: 4, leads: 1, revenue: 2.5, cvr: 25, epc: 0.625 }],
        by_source: [],
        by_offer: [],
      },
    };
    expect(toSheetTable("taprain_stats", body)).toEqual([["clicks", "leads", "revenue", "cvr", "epc"], [4, 1, 2.5, 25, 0.625]]);
    expect(toSheetTable("taprain_stats", body, "by_country")).toEqual([
      ["country", "clicks", "leads", "revenue", "cvr", "epc"],
      ["US", 4, 1, 2.5, 25, 0.625],
    ]);
    expect(toSheetTable("taprain_stats", body, "by_offer")).toEqual([["offer", "clicks", "leads", "revenue", "cvr", "epc"]]);
  });

  test("every catalog endpoint with a sheet function gives a header row even for an empty body", () => {
    // Query answers name their columns after the request they echo, so they have no header without one.
    for (const fn of sheetFunctions().filter((f) => !f.endpoint.tabular)) {
      for (const section of fn.sections.length > 0 ? fn.sections : [undefined]) {
        const table = tableOf(fn.endpoint, {}, section);
        expect(table.length, `${fn.name} ${section ?? ""}`).toBe(1);
        expect(table[0].length, `${fn.name} ${section ?? ""}`).toBeGreaterThan(0);
      }
    }
  });
});

describe("custom functions from the catalog", () => {
  const CONTRACT_FUNCTIONS: Record<string, string> = {
    STATS: "taprain_stats",
    TM_OVERVIEW: "tapemetric_overview",
    TM_CONCURRENCY: "tapemetric_concurrency",
    TM_TOP_CONTENT: "tapemetric_top_content",
    TM_GEO: "tapemetric_geo",
    TM_DEVICES: "tapemetric_devices",
    TM_ALERTS: "tapemetric_alerts",
    CDP_OVERVIEW: "cdp_overview",
    CDP_SEGMENTS: "cdp_segments",
    CDP_OVERLAP: "cdp_overlap",
    CDP_ACTIVATIONS: "cdp_activations",
    CDP_COPILOT: "cdp_copilot",
    CDP_USAGE: "cdp_usage",
    TAPEMETRIC_QUERY: "tapemetric_query",
    TAPRAIN_QUERY: "taprain_query",
    CDP_QUERY: "cdp_query",
  };

  test("each function is one of CONTRACT §13.1's, on its endpoint, read-only, with the parameters in order", () => {
    for (const fn of sheetFunctions()) {
      expect(CONTRACT_FUNCTIONS[fn.name], fn.name).toBe(fn.endpoint.name);
      expect(fn.endpoint.readOnly, fn.name).toBe(true);
      const params = Object.keys(fn.endpoint.params.shape);
      expect(fn.arguments.map((a) => a.name).slice(0, params.length)).toEqual(params);
      expect(fn.arguments.length - params.length).toBe(fn.sections.length > 0 ? 1 : 0);
    }
    for (const [name, endpoint] of Object.entries(CONTRACT_FUNCTIONS)) {
      const inCatalog = CATALOG.find((e) => e.name === endpoint);
      if (inCatalog) expect(inCatalog.sheetFunction, endpoint).toBe(name);
    }
  });

  test("STATS takes (range, country, offer, source, timezone, start, end, section)", () => {
    expect(findSheetFunction("stats")?.arguments.map((a) => [a.name, a.type, a.optional])).toEqual([
      ["range", "string", true],
      ["country", "string", true],
      ["offer", "string", true],
      ["source", "string", true],
      ["timezone", "string", true],
      ["start", "string", true],
      ["end", "string", true],
      ["section", "string", true],
    ]);
  });

  const fn = toSheetFunction(
    endpointWith(
      z.object({ rows: z.array(z.object({ a: z.number() })), total: z.number() }),
      z.object({ range: z.string().default("7d"), interval: z.number().optional(), acknowledged: z.boolean().optional(), start: z.string().optional() }),
    ),
    "TEST_FN",
  );

  test.each([
    ["empty, blank and omitted arguments are left out", ["", "  ", undefined], "UTC", { params: {} }],
    ["strings are trimmed; numbers and booleans stay what they are", [" 24h ", 15, false], "UTC", { params: { range: "24h", interval: 15, acknowledged: false } }],
    ["a range of cells becomes a comma-separated list", [[["us", ""], ["GB", "fr"]]], "UTC", { params: { range: "us,GB,fr" } }],
    // 2026-03-17T20:00Z is already the 18th in Kolkata (UTC+5:30).
    ["a date cell is its day in the sheet's zone", [undefined, undefined, undefined, new Date("2026-03-17T20:00:00Z")], "Asia/Kolkata", { params: { start: "2026-03-18" } }],
    ["the section argument picks a section, case-insensitive", ["30d", "", "", "", "Summary"], "UTC", { params: { range: "30d" }, section: "summary" }],
  ])("%s", (_label, args, zone, expected) => {
    expect(callOf(fn, args, zone)).toEqual({ section: undefined, ...expected });
  });

  test("too many arguments and unknown sections are refused with the function's own words", () => {
    expect(() => callOf(fn, ["7d", 5, true, "", "rows", "extra"], "UTC")).toThrow(
      "TEST_FN takes at most 5 arguments (range, interval, acknowledged, start, section).",
    );
    expect(() => callOf(fn, ["7d", "", "", "", "totals"], "UTC")).toThrow('Unknown section "totals" for TEST_FN: use rows or summary.');
  });
});

describe("pacing under CONTRACT §5", () => {
  const limit = { name: "key" as const, quota: 3, windowMs: 1000 };

  test.each([
    ["an empty log waits for nothing", [], 5000, 0, [5000]],
    ["under the quota: no wait, old entries dropped", [3000, 4500, 4600], 5000, 0, [4500, 4600, 5000]],
    ["at the quota: wait until the oldest in the window leaves it", [4200, 4500, 4600], 5000, 200, [4500, 4600, 5200]],
    // Four in the window already (parallel callers): the new one may start when 4200 leaves, leaving 4500,
    // 4600 and itself in (4200, 5200].
    ["over the quota (parallel callers): wait for the quota-th most recent", [4100, 4200, 4500, 4600], 5000, 200, [4500, 4600, 5200]],
  ])("%s", (_label, log, now, waitMs, kept) => {
    expect(nextSlot(log, now, limit)).toEqual({ waitMs, log: kept });
  });

  test("which limit a request falls under comes from its credential header", () => {
    expect(limitOf({ "X-Api-Key": "k" })).toBe(CLIENT_LIMITS.key);
    expect(limitOf({ Authorization: "Api-Key k" })).toBe(CLIENT_LIMITS.key);
    expect(limitOf({ Authorization: "Bearer t" })).toBe(CLIENT_LIMITS.token);
    expect(limitOf({ Accept: "application/json" })).toBeUndefined();
    expect([CLIENT_LIMITS.key.quota, CLIENT_LIMITS.key.windowMs, CLIENT_LIMITS.token.quota, CLIENT_LIMITS.token.windowMs]).toEqual([600, 3_600_000, 300, 60_000]);
  });
});

describe("reading responses", () => {
  const key = { url: "http://m.example/api/v1/stats", headers: { "X-Api-Key": "k" } };
  const token = { url: "http://m.example/v1/analytics/overview", headers: { Authorization: "Bearer t" } };

  test.each([
    ["200 JSON", key, 200, {}, '{"a":1}', { kind: "ok", body: { a: 1 } }],
    ["200 not JSON", key, 200, {}, "<html>", { kind: "error", message: "The server at http://m.example/api/v1/stats did not answer with JSON: check its URL setting." }],
    ["401 with a key", key, 401, {}, '{"success":false,"error":"The API key is invalid."}', { kind: "error", message: "Not authorised (401): The API key is invalid. Check METRIGATE_API_KEY." }],
    ["401 with a token", token, 401, {}, '{"error":"unauthorized","message":"The token has expired."}', { kind: "error", message: "Not authorised (401): The token has expired. Check METRIGATE_TOKEN." }],
    ["403 without a body", key, 403, {}, "", { kind: "error", message: "Forbidden (403): this credential may not read this data." }],
    ["404 from something else", key, 404, {}, "Not Found", { kind: "error", message: "Not found (404): nothing at http://m.example/api/v1/stats. Check that the URL setting points at a server of this API." }],
    ["404 from Metrigate", key, 404, {}, '{"detail":"No subscription covers today."}', { kind: "error", message: "Not found (404): No subscription covers today." }],
    ["429 with retry-after in any case", key, 429, { "retry-after": "7" }, "", { kind: "retry", afterSeconds: 7, message: "Rate limited (429): try again in 7 s." }],
    ["429 with only RateLimit-Reset", key, 429, { "RateLimit-Reset": "12" }, '{"success":false,"error":"Rate limit exceeded."}', { kind: "retry", afterSeconds: 12, message: "Rate limited (429): try again in 12 s. Rate limit exceeded." }],
    // RFC 9110 allows an HTTP date; "now" below is 2026-03-18T15:30:00Z, 45 s before it.
    ["429 with Retry-After as an HTTP date", key, 429, { "Retry-After": "Wed, 18 Mar 2026 15:30:45 GMT" }, "", { kind: "retry", afterSeconds: 45, message: "Rate limited (429): try again in 45 s." }],
    ["429 with an HTTP date already past", key, 429, { "Retry-After": "Wed, 18 Mar 2026 15:29:00 GMT" }, "", { kind: "retry", afterSeconds: 0, message: "Rate limited (429): try again in 0 s." }],
    ["429 without headers", key, 429, {}, "", { kind: "retry", afterSeconds: 60, message: "Rate limited (429): try again in 60 s." }],
    ["400 says what the server said", key, 400, {}, '{"success":false,"error":"Bad range."}', { kind: "error", message: "Bad range." }],
    ["500 with a message", key, 500, {}, '{"detail":"Internal error; quote request id r1."}', { kind: "error", message: "Metrigate server error (500): Internal error; quote request id r1." }],
    ["502 without one", key, 502, {}, "", { kind: "error", message: "HTTP 502 from http://m.example/api/v1/stats." }],
  ])("%s", (_label, request, status, headers, text, expected) => {
    expect(readResponse(request, status, headers, text, Date.parse("2026-03-18T15:30:00Z"))).toEqual(expected);
  });

  test("a 429 is retried while attempts and the time budget last", () => {
    const limited = { kind: "retry" as const, afterSeconds: 3, message: "" };
    expect(retryWait(limited, 1, 25_000)).toBe(3000);
    expect(retryWait(limited, 1, 2_999)).toBeUndefined();
    expect(retryWait(limited, 4, 25_000)).toBeUndefined();
    // The retried request needs time to be answered too: a 3 s wait plus 8 s for the answer needs 11 s.
    expect(retryWait(limited, 1, 11_000, 8_000)).toBe(3000);
    expect(retryWait(limited, 1, 10_999, 8_000)).toBeUndefined();
  });
});

describe("reports and ranges", () => {
  test.each([
    [1, "A"],
    [26, "Z"],
    [27, "AA"],
    [702, "ZZ"],
    [703, "AAA"],
  ])("column %i is %s and back", (n, letters) => {
    expect(columnLetters(n)).toBe(letters);
    expect(parseCell(`${letters}7`)).toEqual({ row: 7, column: n });
  });

  test("a report's block: the table's range and the columns it owns from its anchor down", () => {
    expect(reportBlock({ sheet: "Bob's data", cell: "$Y$10" }, [["a", "b", "c"], [1, 2, 3]])).toEqual({
      row: 10,
      column: 25,
      rows: 2,
      columns: 3,
      valuesRange: "'Bob''s data'!Y10:AA11",
      clearRange: "'Bob''s data'!Y10:AA",
    });
  });

  test("a reports config with defaults filled; problems named by where they are", () => {
    expect(parseReportsConfig('{"reports":[{"name":"A","endpoint":"STATS","sheet":"S"}]}').reports).toEqual([
      { name: "A", endpoint: "STATS", params: {}, sheet: "S", cell: "A1", schedule: "none" },
    ]);
    expect(() => parseReportsConfig("{", "r.json")).toThrow(/^r\.json is not valid JSON: /);
    expect(() => parseReportsConfig('{"reports":[]}', "r.json")).toThrow("r.json reports: Too small: expected array to have >=1 items.");
    expect(() => parseReportsConfig('{"reports":[{"name":"A","endpoint":"STATS","sheet":"S","cell":"A0"}]}', "r.json")).toThrow(
      "r.json reports[0].cell: must be one cell in A1 notation, such as A1 or C5.",
    );
  });
});

describe("chunked cache values", () => {
  test("pieces never split a character and never exceed the byte limit", () => {
    const text = "aé€😀".repeat(50);
    const pieces = splitByBytes(text, 7);
    expect(pieces.join("")).toBe(text);
    for (const piece of pieces) expect(Buffer.byteLength(piece, "utf8")).toBeLessThanOrEqual(7);
    // a é € = 1 + 2 + 3 bytes; 😀 a é = 4 + 1 + 2; € 😀 = 3 + 4.
    expect(pieces.slice(0, 3)).toEqual(["aé€", "😀aé", "€😀"]);
  });

  test("a value over 100 KB goes into chunks of at most 90 KB (room under CacheService's 100 KB) and comes back whole; a lost chunk is a miss", () => {
    const store = new Map<string, string>();
    const cache = {
      get: (k: string) => store.get(k) ?? null,
      getAll: (keys: string[]) => Object.fromEntries(keys.filter((k) => store.has(k)).map((k) => [k, store.get(k) ?? ""])),
      put: (k: string, v: string) => void store.set(k, v),
      putAll: (values: Record<string, string>) => Object.entries(values).forEach(([k, v]) => store.set(k, v)),
      remove: (k: string) => void store.delete(k),
    };
    const chunked = new ChunkedCache(cache);
    const value = "x".repeat(250 * 1024);
    chunked.put("big", value, 300);
    // 250 KB in 90 KB chunks: 3 chunks and the manifest.
    expect(store.size).toBe(4);
    expect(Math.max(...[...store.values()].map((v) => v.length))).toBe(90 * 1024);
    expect(chunked.get("big")).toBe(value);
    store.delete([...store.keys()].find((k) => k.endsWith(".1")) ?? "");
    expect(chunked.get("big")).toBeUndefined();
    chunked.put("small", "hello", 300);
    expect(chunked.get("small")).toBe("hello");
  });
});
