// Taprain query API (CONTRACT §17) over a hand-made fixture: every metric and dimension, filters, zone
// buckets across both DST changes and in a half-hour zone, weeks and months, comparison, paging, CSV.
// The clicks (c1…) and conversions (v1…) the comments name are in support/query-fixtures.ts.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { csvOf, type TableCell } from "../shared/query/answer.ts";
import { postQuery } from "./support/query.ts";
import { QUERY_NOW as NOW, TAPRAIN_CLICKS as CLICKS, TAPRAIN_CONVERSIONS as CONVERSIONS } from "./support/query-fixtures.ts";
import { startTestServer, type Credentials, type TestServer } from "./support/server.ts";

let server: TestServer;
let acme: Credentials;

const query = (body: Record<string, unknown>, headers: Record<string, string> = {}) => postQuery(server, "taprain", { "X-Api-Key": acme.apiKey, ...headers }, body);

const ALL = ["clicks", "leads", "revenue", "cvr", "epc"];
const MARCH_8 = { range: "custom", start: "2026-03-08", end: "2026-03-08" };
const MARCH_7_TO_9 = { range: "custom", start: "2026-03-07", end: "2026-03-09" };
const MARCH = { range: "custom", start: "2026-03-01", end: "2026-03-31" };

beforeAll(async () => {
  server = await startTestServer({ now: NOW });
  acme = await server.workspace("acme");
  await server.insert("acme", "tr_clicks", CLICKS);
  await server.insert("acme", "tr_conversions", CONVERSIONS);
  const globex = await server.workspace("globex");
  await server.insert(globex.workspace, "tr_clicks", [{ click_id: "g1", ts: "2026-03-08T12:00:00Z", country: "US", offer: "Freecash CPI", source: "" }]);
});

afterAll(async () => {
  await server.close();
});

/** The hour labels of 2026-03-08 in New York: 02:00 does not exist (spring forward). */
const SPRING_HOURS = ["00", "01", ...Array.from({ length: 21 }, (_, i) => String(i + 3).padStart(2, "0"))].map((h) => `2026-03-08 ${h}:00`);

describe("rows worked out by hand", () => {
  test.each([
    {
      name: "one DST day by hour in New York: 23 zero-filled hours, every metric",
      body: { metrics: ALL, dimensions: ["time:hour"], ...MARCH_8 },
      rows: SPRING_HOURS.map((label) =>
        label.endsWith("01:00")
          ? [[label], [1, 1, 1.25, 100, 1.25]] // c2 and v3
          : label.endsWith("03:00")
            ? [[label], [1, 1, 2.5, 100, 2.5]] // c3 and v1 (the hour after the jump)
            : label.endsWith("23:00")
              ? [[label], [1, 0, 0, 0, 0]] // c4
              : [[label], [0, 0, 0, 0, 0]],
      ),
      totals: [3, 2, 3.75, 66.6667, 1.25],
      period: ["2026-03-08T05:00:00.000Z", "2026-03-09T04:00:00.000Z"],
    },
    {
      name: "the fall-back day: 25 hours, 01:00 twice",
      body: { metrics: ["clicks"], dimensions: ["hour"], range: "custom", start: "2026-11-01", end: "2026-11-01" },
      rows: [
        [["2026-11-01 00:00"], [0]],
        [["2026-11-01 01:00"], [1]], // c6, 01:30 EDT
        [["2026-11-01 01:00"], [1]], // c7, 01:30 EST
        ...Array.from({ length: 22 }, (_, i) => [[`2026-11-01 ${String(i + 2).padStart(2, "0")}:00`], [0]]),
      ],
      totals: [2],
      period: ["2026-11-01T04:00:00.000Z", "2026-11-02T05:00:00.000Z"],
    },
    {
      name: "a half-hour zone (Asia/Kolkata, +05:30): hours start at :30 UTC",
      body: { metrics: ["clicks", "leads", "revenue"], dimensions: ["time:hour"], ...MARCH_8, timezone: "Asia/Kolkata" },
      rows: Array.from({ length: 24 }, (_, h) => {
        const label = `2026-03-08 ${String(h).padStart(2, "0")}:00`;
        if (h === 10) return [[label], [1, 0, 0]]; // c1 04:30Z = 10:00 IST
        if (h === 12) return [[label], [1, 1, 1.25]]; // c2 06:30Z = 12:00, v3 06:59Z = 12:29
        if (h === 13) return [[label], [1, 1, 2.5]]; // c3 07:30Z = 13:00, v1 07:45Z = 13:15
        return [[label], [0, 0, 0]];
      }),
      totals: [3, 2, 3.75],
      period: ["2026-03-07T18:30:00.000Z", "2026-03-08T18:30:00.000Z"],
    },
    {
      name: "days across the DST change",
      body: { metrics: ["clicks", "leads", "revenue"], dimensions: ["time:day"], ...MARCH_7_TO_9 },
      rows: [
        [["2026-03-07"], [1, 0, 0]], // c1
        [["2026-03-08"], [3, 2, 3.75]], // c2 c3 c4, v1 v3
        [["2026-03-09"], [1, 1, 4]], // c5, v2
      ],
      totals: [5, 3, 7.75],
      period: ["2026-03-07T05:00:00.000Z", "2026-03-10T04:00:00.000Z"],
    },
    {
      name: "ISO weeks start on Monday (2026-03-01 is a Sunday)",
      body: { metrics: ["clicks", "revenue"], dimensions: ["time:week"], ...MARCH },
      rows: [
        [["2026-02-23"], [0, 0]],
        [["2026-03-02"], [4, 3.75]], // c1 (Sat 7th) c2 c3 c4 (Sun 8th); v1 v3
        [["2026-03-09"], [1, 4]], // c5, v2 (Mon 9th)
        [["2026-03-16"], [0, 0]],
        [["2026-03-23"], [0, 0]],
        [["2026-03-30"], [0, 0]],
      ],
      totals: [5, 7.75],
      period: ["2026-03-01T05:00:00.000Z", "2026-04-01T04:00:00.000Z"],
    },
    {
      name: "months",
      body: { metrics: ["clicks", "leads"], dimensions: ["time:month"], range: "custom", start: "2026-01-01", end: "2026-03-31" },
      rows: [
        [["2026-01-01"], [0, 0]],
        [["2026-02-01"], [1, 1]], // c8, v4
        [["2026-03-01"], [5, 3]],
      ],
      totals: [6, 4],
      period: ["2026-01-01T05:00:00.000Z", "2026-04-01T04:00:00.000Z"],
    },
    {
      name: "by country (empty reads Unknown, codes upper-case), first metric descending",
      body: { metrics: ["revenue", "clicks", "cvr", "epc"], dimensions: ["country"], ...MARCH_7_TO_9 },
      rows: [
        [["GB"], [4, 1, 100, 4]], // c3, v2
        [["US"], [3.75, 3, 66.6667, 1.25]], // c1 c2 c5, v1 v3
        [["Unknown"], [0, 1, 0, 0]], // c4
      ],
      totals: [7.75, 5, 60, 1.55],
      period: ["2026-03-07T05:00:00.000Z", "2026-03-10T04:00:00.000Z"],
    },
    {
      name: "by source (empty reads Direct) and offer, ordered by clicks then names",
      body: { metrics: ["clicks", "leads"], dimensions: ["source", "offer"], ...MARCH_7_TO_9, order_by: [["clicks", "desc"]] },
      // Every pair has one click: ties go by source, then offer, in code-point order (upper case first).
      rows: [
        [["Direct", "Freecash CPI"], [1, 1]], // c2, v3
        [["TikTok", "Swagbucks"], [1, 1]], // c3, v2
        [["google", "Freecash CPI"], [1, 0]], // c5
        [["google", "Swagbucks"], [1, 0]], // c4
        [["tiktok_ads", "Freecash CPI"], [1, 1]], // c1, v1
      ],
      totals: [5, 3],
      period: ["2026-03-07T05:00:00.000Z", "2026-03-10T04:00:00.000Z"],
    },
    {
      name: "filters: source contains tiktok (any case), by offer",
      body: { metrics: ["clicks", "leads", "revenue"], dimensions: ["offer"], ...MARCH_7_TO_9, filters: [["source", "contains", ["TIKTOK"]]] },
      rows: [
        [["Freecash CPI"], [1, 1, 2.5]], // c1, v1
        [["Swagbucks"], [1, 1, 4]], // c3, v2
      ],
      totals: [2, 2, 6.5],
      period: ["2026-03-07T05:00:00.000Z", "2026-03-10T04:00:00.000Z"],
    },
    {
      name: "filters combine with AND; is matches country codes in any case; is_not excludes",
      body: {
        metrics: ["clicks", "revenue"],
        dimensions: ["source"],
        ...MARCH_7_TO_9,
        filters: [["country", "is", ["us"]], ["source", "is_not", ["google"]]],
      },
      rows: [
        [["Direct"], [1, 1.25]], // c2, v3
        [["tiktok_ads"], [1, 2.5]], // c1, v1
      ],
      totals: [2, 3.75],
      period: ["2026-03-07T05:00:00.000Z", "2026-03-10T04:00:00.000Z"],
    },
    {
      name: "filter by the displayed values Direct and Unknown, text form",
      body: { metrics: ["clicks"], dimensions: [], ...MARCH_7_TO_9, filters: "source is Direct, google; country is_not Unknown" },
      rows: [[[], [2]]], // c2 (Direct), c5 (google, US); c4 is google but Unknown
      totals: [2],
      period: ["2026-03-07T05:00:00.000Z", "2026-03-10T04:00:00.000Z"],
    },
  ])("$name", async ({ body, rows, totals, period }) => {
    const res = await query(body);
    expect(res.status, res.text).toBe(200);
    expect(res.body.results.map((r: { dimensions: string[]; metrics: number[] }) => [r.dimensions, r.metrics])).toEqual(rows);
    expect(res.body.meta).toMatchObject({ period_start: period[0], period_end: period[1], total_rows: rows.length, cut: false, totals });
  });
});

test("the answer echoes the normalised request and the zone; other workspaces' rows never count", async () => {
  const res = await query({ metrics: "clicks", dimensions: "offer, day", ...MARCH_8, filters: "country is us" });
  expect(res.body.query).toEqual({
    metrics: ["clicks"],
    dimensions: ["offer", "time:day"],
    filters: [["country", "is", ["US"]]],
    range: "custom",
    start: "2026-03-08",
    end: "2026-03-08",
    timezone: "America/New_York",
    order_by: [],
    limit: 1000,
    offset: 0,
    format: "json",
  });
  expect(res.body.meta.timezone).toBe("America/New_York");
  // c2 only: globex's click at 12:00Z on the same day is not acme's.
  expect(res.body.results).toEqual([{ dimensions: ["Freecash CPI", "2026-03-08"], metrics: [1] }]);
  expect(res.body.meta.requests_remaining).toBeTypeOf("number");
});

test("compare with the previous period: March against February (whole months), change in percent", async () => {
  const res = await query({ metrics: ["revenue", "clicks"], dimensions: ["offer"], ...MARCH, compare: "previous_period" });
  expect(res.status, res.text).toBe(200);
  expect(res.body.results).toEqual([
    // Swagbucks: March c3 c4 and v2; nothing in February, so no percentage.
    { dimensions: ["Swagbucks"], metrics: [4, 2], comparison: { metrics: [0, 0], change: [null, null] } },
    // Freecash CPI: March c1 c2 c5 and v1 v3 = 3.75; February c8 and v4 = 5 → −25 %, clicks 1 → 3 = +200 %.
    { dimensions: ["Freecash CPI"], metrics: [3.75, 3], comparison: { metrics: [5, 1], change: [-25, 200] } },
  ]);
  expect(res.body.meta.totals).toEqual([7.75, 5]);
  expect(res.body.meta.comparison).toEqual({
    period_start: "2026-02-01T05:00:00.000Z",
    period_end: "2026-03-01T05:00:00.000Z",
    totals: [5, 1],
    change: [55, 400],
  });
});

test("compare by week lines each bucket up with the bucket at the same place in the period before", async () => {
  // 2026-03-08 .. 03-14 (7 days) against 03-01 .. 03-07: days, not months.
  const res = await query({ metrics: ["clicks"], dimensions: ["time:day"], range: "custom", start: "2026-03-08", end: "2026-03-09", compare: "previous_period" });
  expect(res.body.results).toEqual([
    { dimensions: ["2026-03-08"], metrics: [3], comparison: { metrics: [0], change: [null] } }, // 03-06: nothing
    { dimensions: ["2026-03-09"], metrics: [1], comparison: { metrics: [1], change: [0] } }, // 03-07: c1
  ]);
});

test("paging: limit and offset cut the ordered rows; total_rows and cut say what is left", async () => {
  const base = { metrics: ["clicks"], dimensions: ["country"], ...MARCH_7_TO_9, order_by: "clicks desc" };
  const first = await query({ ...base, limit: 2 });
  expect(first.body.results.map((r: { dimensions: string[] }) => r.dimensions[0])).toEqual(["US", "GB"]);
  expect(first.body.meta).toMatchObject({ total_rows: 3, cut: true });
  const last = await query({ ...base, limit: 2, offset: 2 });
  expect(last.body.results).toEqual([{ dimensions: ["Unknown"], metrics: [1] }]);
  expect(last.body.meta).toMatchObject({ total_rows: 3, cut: false });
  const beyond = await query({ ...base, offset: 10 });
  expect(beyond.body.results).toEqual([]);
  expect(beyond.body.meta).toMatchObject({ total_rows: 3, cut: false, totals: [5] });
});

test("CSV with Accept: text/csv or format csv: the same rows with a header", async () => {
  const body = { metrics: ["revenue", "clicks"], dimensions: ["country"], ...MARCH_7_TO_9, compare: "previous_period" };
  const expected = [
    "country,revenue,clicks,revenue (previous),revenue change %,clicks (previous),clicks change %",
    "GB,4,1,0,,0,",
    "US,3.75,3,0,,0,",
    "Unknown,0,1,0,,0,",
    "",
  ].join("\r\n");
  const byHeader = await query(body, { Accept: "text/csv" });
  expect(byHeader.status).toBe(200);
  expect(byHeader.headers.get("content-type")).toMatch(/^text\/csv/);
  expect(byHeader.text).toBe(expected);
  const byFormat = await query({ ...body, format: "csv" });
  expect(byFormat.text).toBe(expected);
  const quoted = await query({ metrics: ["clicks"], dimensions: ["offer"], ...MARCH_7_TO_9, filters: [["offer", "contains", ["cash"]]], format: "csv" });
  expect(quoted.text).toBe("offer,clicks\r\nFreecash CPI,3\r\n");
});

test("CSV never hands a spreadsheet a formula: text starting with = + - @ gets a leading apostrophe", () => {
  const table = { header: ["source", "clicks"], rows: [["=HYPERLINK(\"http://x\")", 1], ["@SUM(A1)", -2], ["-cmd", 3], ["Direct", 4]] as TableCell[][] };
  expect(csvOf(table)).toBe('source,clicks\r\n"\'=HYPERLINK(""http://x"")",1\r\n\'@SUM(A1),-2\r\n\'-cmd,3\r\nDirect,4\r\n');
});

test("dimension values: offers with their clicks, most first", async () => {
  const res = await server.get("/v1/query/taprain/values?dimension=offer&range=custom&start=2026-03-01&end=2026-03-31", { "X-Api-Key": acme.apiKey });
  expect(res.status).toBe(200);
  expect(res.body).toEqual({
    dimension: "offer",
    values: [
      { value: "Freecash CPI", count: 3 },
      { value: "Swagbucks", count: 2 },
    ],
    meta: {
      period_start: "2026-03-01T05:00:00.000Z",
      period_end: "2026-04-01T04:00:00.000Z",
      timezone: "America/New_York",
      total_rows: 2,
      cut: false,
      requests_remaining: expect.any(Number),
    },
  });
});

describe("every refusal is a 400 in Taprain's shape naming the term and the allowed ones", () => {
  test.each([
    [{ metrics: ["clicks", "profit"] }, 'Unknown metric "profit" in \'metrics\'. Allowed metrics: clicks, leads, revenue, cvr, epc.'],
    [{ metrics: [] }, "Parameter 'metrics' needs at least one metric. Allowed metrics: clicks, leads, revenue, cvr, epc."],
    [{ metrics: ["clicks", "clicks"] }, 'Metric "clicks" appears twice in \'metrics\'.'],
    [
      { dimensions: ["device"] },
      'Unknown dimension "device" in \'dimensions\'. Allowed dimensions: country, offer, source, time:hour, time:day, time:week, time:month.',
    ],
    [{ dimensions: ["country", "offer", "source", "time:day"] }, "Parameter 'dimensions' takes at most 3 dimensions (got 4: country, offer, source, time:day)."],
    [{ dimensions: ["time:day", "week"] }, "Parameter 'dimensions' takes one time dimension (got time:day and time:week)."],
    [{ dimensions: ["offer", "offer"] }, 'Dimension "offer" appears twice in \'dimensions\'.'],
    [{ filters: [["region", "is", ["x"]]] }, 'Unknown dimension "region" in \'filters\'. Allowed dimensions: country, offer, source.'],
    [{ filters: [["country", "like", ["US"]]] }, 'Unknown operator "like" in \'filters\'. Allowed operators: is, is_not, contains.'],
    [{ filters: [["country", "is", []]] }, 'The filter on "country" in \'filters\' takes 1 to 100 values (got 0).'],
    [{ filters: [["country", "is"]] }, 'Each filter in \'filters\' is [dimension, operator, [values]] (got ["country","is"]).'],
    [{ filters: "country equals US" }, 'Cannot read the filter "country equals US" in \'filters\': write "dimension is value", "dimension is_not value" or "dimension contains value".'],
    [{ order_by: [["leads", "desc"]] }, "Unknown term \"leads desc\" in 'order_by': order by a requested metric or dimension (clicks)."],
    [{ order_by: "clicks up" }, "Unknown direction \"up\" in 'order_by'. Allowed directions: asc, desc."],
    [{ range: "90days" }, 'Invalid value "90days" for parameter \'range\'. Allowed values: hour, today, yesterday, 7days, 30days, custom.'],
    [{ range: "custom", start: "2025-01-01", end: "2026-01-02" }, "Parameter 'end': a custom range may cover at most 366 days, start and end included (2025-01-01 to 2026-01-02 is 367)."],
    [{ range: "custom", end: "2026-01-02" }, "Parameter 'start' is required when range is custom (YYYY-MM-DD)."],
    [{ range: "custom", start: "2026-02-30", end: "2026-03-02" }, "Parameter 'start' must be a real date in YYYY-MM-DD form (got \"2026-02-30\")."],
    [{ timezone: "Mars/Olympus" }, "Unknown time zone \"Mars/Olympus\" in 'timezone': use an IANA name such as America/New_York or UTC."],
    [{ compare: "last_year" }, "Invalid value \"last_year\" for parameter 'compare'. Allowed values: previous_period."],
    [{ limit: 10001 }, "Parameter 'limit' must be at most 10000 (got 10001)."],
    [{ limit: 0 }, "Parameter 'limit' must be at least 1 (got 0)."],
    [{ offset: -1 }, "Parameter 'offset' must be at least 0 (got -1)."],
    [{ format: "xml" }, 'Invalid value "xml" for parameter \'format\'. Allowed values: json, csv.'],
    [
      { metric: ["clicks"] },
      "Unknown parameter 'metric'. Allowed parameters: metrics, dimensions, range, start, end, filters, timezone, compare, order_by, limit, offset, format.",
    ],
  ])("%j", async (body, message) => {
    const res = await query(body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ success: false, error: message });
  });

  test("values of a time dimension, or an unknown one", async () => {
    const res = await server.get("/v1/query/taprain/values?dimension=time:day", { "X-Api-Key": acme.apiKey });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ success: false, error: 'Invalid value "time:day" for parameter \'dimension\'. Allowed values: country, offer, source.' });
  });

  test("no key: 401 in Taprain's shape; a JWT is not a Taprain credential", async () => {
    const res = await fetch(`${server.url}/v1/query/taprain`, { method: "POST", headers: { Authorization: `Bearer ${acme.token}` }, body: "{}" });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ success: false, error: "Missing API key: send the X-Api-Key header or the api_key query parameter." });
  });
});

test("OpenAPI lists the query and values operations with their body, CSV and error shapes", async () => {
  const doc = (await server.get("/openapi.json")).body;
  const post = doc.paths["/v1/query/taprain"].post;
  expect(post.operationId).toBe("taprain_query");
  expect(Object.keys(post.requestBody.content["application/json"].schema.properties)).toEqual([
    "metrics", "dimensions", "range", "start", "end", "filters", "timezone", "compare", "order_by", "limit", "offset", "format",
  ]);
  expect(Object.keys(post.responses["200"].content)).toEqual(["application/json", "text/csv"]);
  expect(post.responses["400"].content["application/json"].schema.required).toEqual(["success", "error"]);
  const values = doc.paths["/v1/query/cdp/values"].get;
  expect(values.parameters.map((p: { name: string }) => p.name)).toEqual(["dimension", "range", "start", "end", "limit", "offset"]);
});
