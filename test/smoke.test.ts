import { afterAll, beforeAll, expect, test } from "vitest";
import { startTestServer, type Credentials, type TestServer } from "./support/server.ts";

let server: TestServer;
let acme: Credentials;

beforeAll(async () => {
  server = await startTestServer({ now: "2026-03-18T15:30:00Z" });
  acme = await server.workspace("acme");
  await server.insert("acme", "tr_clicks", [
    { click_id: "c1", ts: "2026-03-18T05:10:00Z", country: "us", offer: "A", source: "" },
    { click_id: "c2", ts: "2026-03-18T03:59:59Z", country: "US", offer: "A", source: "g" },
  ]);
  await server.insert("acme", "tr_conversions", [
    { conversion_id: "v1", click_id: "c1", ts: "2026-03-18T06:00:00Z", country: "US", offer: "A", source: "", revenue: 2.5 },
  ]);
});
afterAll(() => server.close());

test("stats for today counts only rows since local midnight", async () => {
  const res = await server.get("/api/v1/stats?range=today", { "X-Api-Key": acme.apiKey });
  expect(res.status).toBe(200);
  expect(res.body.data.summary).toEqual({ clicks: 1, leads: 1, revenue: 2.5, cvr: 100, epc: 2.5 });
  expect(res.body.meta.period_start).toBe("2026-03-18T04:00:00.000Z");
  expect(res.body.data.by_source).toEqual([{ source: "Direct", clicks: 1, leads: 1, revenue: 2.5, cvr: 100, epc: 2.5 }]);
});
