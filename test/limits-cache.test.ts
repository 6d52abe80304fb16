// Rate limits (CONTRACT §5) and the result cache (§6) through the real HTTP server.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestServer, type Credentials, type TestServer } from "./support/server.ts";

describe("rate limits", () => {
  let server: TestServer;
  let acme: Credentials;

  beforeAll(async () => {
    server = await startTestServer({
      now: "2026-03-18T15:30:00Z",
      limitPolicies: { api_key: { name: "key", quota: 3, windowMs: 60_000 } },
    });
    acme = await server.workspace("acme");
  });
  afterAll(() => server.close());

  test("every response carries RateLimit headers; over the quota: 429 with Retry-After", async () => {
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await server.get("/api/v1/stats", { "X-Api-Key": acme.apiKey });
      expect(res.status).toBe(200);
      expect(res.headers.get("ratelimit-policy")).toBe('"key";q=3;w=60');
      expect(res.headers.get("ratelimit-limit")).toBe("3");
      remaining.push(res.headers.get("ratelimit-remaining") ?? "");
      expect(res.body.meta.requests_remaining).toBe(2 - i);
      const reset = Number(res.headers.get("ratelimit-reset"));
      expect(reset).toBeGreaterThanOrEqual(1);
      expect(reset).toBeLessThanOrEqual(60);
      expect(res.headers.get("ratelimit")).toBe(`"key";r=${2 - i};t=${reset}`);
    }
    expect(remaining).toEqual(["2", "1", "0"]);
    const over = await server.get("/api/v1/stats", { "X-Api-Key": acme.apiKey });
    expect(over.status).toBe(429);
    const retryAfter = Number(over.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(Number(over.headers.get("ratelimit-reset")));
    expect(retryAfter).toBeLessThanOrEqual(61);
    expect(over.headers.get("ratelimit-remaining")).toBe("0");
    expect(over.body).toEqual({ success: false, error: `Rate limit exceeded. Retry in ${retryAfter} seconds.` });
  });

  test("limits are per credential: another key of the same workspace has its own window", async () => {
    const other = await server.runtime.accounts.createApiKey("acme", "read");
    const res = await server.get("/api/v1/stats", { "X-Api-Key": other });
    expect(res.status).toBe(200);
    expect(res.headers.get("ratelimit-remaining")).toBe("2");
  });

  test("a burst beyond the quota is refused at once, not queued", async () => {
    const key = await server.runtime.accounts.createApiKey("acme", "read");
    const started = Date.now();
    const statuses = await Promise.all(
      Array.from({ length: 8 }, () => fetch(`${server.url}/api/v1/stats`, { headers: { "X-Api-Key": key } }).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe("result cache", () => {
  let server: TestServer;
  let acme: Credentials;
  const rows = [
    { click_id: "c1", ts: "2026-03-18T10:00:00Z", country: "US", offer: "Alpha" },
    { click_id: "c2", ts: "2026-03-18T11:00:00Z", country: "GB", offer: "Alpha" },
  ];

  beforeAll(async () => {
    server = await startTestServer({ now: "2026-03-18T15:30:00Z", cacheTtl: 60 });
    acme = await server.workspace("acme");
    await server.workspace("globex");
    await server.insert("acme", "tr_clicks", rows);
  });
  afterAll(() => server.close());

  const stats = (query: string, key = acme.apiKey) => server.get(`/api/v1/stats?${query}`, { "X-Api-Key": key });

  test("a repeated request is a HIT, and parameters that mean the same share an entry", async () => {
    const first = await stats("range=today&country=us,GB");
    expect(first.headers.get("x-cache")).toBe("MISS");
    expect(first.body.data.summary.clicks).toBe(2);
    expect(first.body.meta.filters.country).toEqual(["US", "GB"]);
    const second = await stats("range=today&country=GB,US");
    expect(second.headers.get("x-cache")).toBe("HIT");
    expect(second.body.data).toEqual(first.body.data);
    // One cache entry, but each answer echoes the filter in the order its request gave it.
    expect(second.body.meta.filters.country).toEqual(["GB", "US"]);
    expect(second.body.meta.requests_remaining).toBe(first.body.meta.requests_remaining - 1);
    expect((await stats("range=today&country=US")).headers.get("x-cache")).toBe("MISS");
  });

  test("an import drops the workspace's entries, so the next answer is fresh", async () => {
    expect((await stats("range=today")).headers.get("x-cache")).toBe("MISS");
    expect((await stats("range=today")).headers.get("x-cache")).toBe("HIT");
    await server.insert("acme", "tr_clicks", [{ click_id: "c3", ts: "2026-03-18T12:00:00Z", country: "US", offer: "Beta" }]);
    const after = await stats("range=today");
    expect(after.headers.get("x-cache")).toBe("MISS");
    expect(after.body.data.summary.clicks).toBe(3);
  });

  test("HTTP ingest with a write key stores the rows and drops the cache", async () => {
    expect((await stats("range=today")).headers.get("x-cache")).toBe("HIT");
    const body = [
      { click_id: "c4", ts: "2026-03-18T13:00:00Z", country: "us", offer: "Beta" },
      { click_id: "c1", ts: "2026-03-18T10:00:00Z", country: "CA", offer: "Alpha" },
    ].map((r) => JSON.stringify(r)).join("\n");
    const res = await fetch(`${server.url}/v1/ingest/tr_clicks`, {
      method: "POST",
      headers: { "X-Api-Key": acme.writeKey, "Content-Type": "application/x-ndjson" },
      body,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ table: "tr_clicks", rows: 2 });
    const after = await stats("range=today");
    expect(after.headers.get("x-cache")).toBe("MISS");
    // c1 was replaced (now CA), c4 added: US c3 c4, GB c2, CA c1.
    expect(after.body.data.summary.clicks).toBe(4);
    expect(after.body.data.by_country.map((r: { country: string; clicks: number }) => [r.country, r.clicks])).toEqual([
      ["US", 2],
      ["CA", 1],
      ["GB", 1],
    ]);
  });

  test("ingest refuses a read key, and a bad row stores nothing", async () => {
    const readOnly = await fetch(`${server.url}/v1/ingest/tr_clicks`, {
      method: "POST",
      headers: { "X-Api-Key": acme.apiKey, "Content-Type": "application/x-ndjson" },
      body: JSON.stringify(rows[0]),
    });
    expect(readOnly.status).toBe(403);
    const bad = await fetch(`${server.url}/v1/ingest/tr_clicks`, {
      method: "POST",
      headers: { "X-Api-Key": acme.writeKey, "Content-Type": "application/x-ndjson" },
      body: [JSON.stringify({ click_id: "c9", ts: "2026-03-18T13:00:00Z", offer: "Beta" }), JSON.stringify({ click_id: "c10", ts: "yesterday", offer: "Beta" })].join("\n"),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: "invalid_parameter",
      message: 'body: line 2: column "ts" must be an ISO-8601 instant such as 2026-03-18T14:05:00Z, got "yesterday". Nothing was imported.',
    });
    expect((await stats("range=today")).body.data.summary.clicks).toBe(4);
  });

  test("the cache never serves one workspace's result to another", async () => {
    const globexKey = await server.runtime.accounts.createApiKey("globex", "read");
    const res = await stats("range=today", globexKey);
    expect(res.headers.get("x-cache")).toBe("MISS");
    expect(res.body.data.summary.clicks).toBe(0);
  });
});
