// Issue 13 items 5–7 for ingest, through the real server on loopback: bodies streamed (gzip too),
// out-of-range integers and accepted garbage refused with the line and column, never a 500.

import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestServer, type Credentials, type TestServer } from "./support/server.ts";

let server: TestServer;
let acme: Credentials;

beforeAll(async () => {
  server = await startTestServer({ now: "2026-03-18T15:30:00Z" });
  acme = await server.workspace("acme");
});
afterAll(() => server.close());

async function ingest(table: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${server.url}/v1/ingest/${table}`, {
    method: "POST",
    headers: { "X-Api-Key": acme.writeKey, "Content-Type": "application/x-ndjson", ...headers },
    body: typeof body === "string" ? body : new Blob([new Uint8Array(body)]),
  });
  return { status: res.status, body: await res.json() };
}

async function count(table: string): Promise<number> {
  const [row] = await server.runtime.store.query<{ n: number }>(`SELECT count(*) AS n FROM ${table} WHERE workspace_id = 'acme'`);
  return row.n;
}

const refused = (message: string) => ({ status: 400, body: { error: "invalid_parameter", message: `body: line 2: ${message}. Nothing was imported.` } });
const segment = (id: unknown) => JSON.stringify({ segment_id: id, name: "S", active: true });
const conversion = (extra: Record<string, unknown>) =>
  JSON.stringify({ conversion_id: "v2", ts: "2026-03-18T10:00:00Z", offer: "O", revenue: 1, ...extra });

describe("item 5: ingest streams its body", () => {
  test("a gzip body (Content-Encoding: gzip) is stored like the plain one", async () => {
    const rows = [1, 2, 3].map((i) => JSON.stringify({ click_id: `g${i}`, ts: "2026-03-18T10:00:00Z", offer: "O" })).join("\n");
    expect(await ingest("tr_clicks", gzipSync(rows), { "Content-Encoding": "gzip" })).toEqual({ status: 200, body: { table: "tr_clicks", rows: 3 } });
    expect(await count("tr_clicks")).toBe(3);
  });

  test("a body larger than the 64 MiB a buffered body was limited to is stored", async () => {
    const line = (i: number) => JSON.stringify({ click_id: `big${i}`, ts: "2026-03-18T10:00:00Z", offer: "O", source: "x".repeat(600) });
    const rows = 110_000;
    const body = Array.from({ length: rows }, (_, i) => line(i)).join("\n");
    expect(body.length).toBeGreaterThan(64 * 1024 * 1024);
    expect(await ingest("tr_clicks", body)).toEqual({ status: 200, body: { table: "tr_clicks", rows } });
  }, 120_000);
});

describe("item 6: integers out of range are a 400 naming the line and column", () => {
  const good = segment(1);
  test.each(["1e20", "9223372036854775807"])("segment_id %s", async (text) => {
    const res = await ingest("cdp_segments", `${good}\n${segment(0).replace("0", text)}`);
    expect(res).toEqual(refused('column "segment_id" must be a whole number from -9007199254740991 to 9007199254740991'));
    expect(await count("cdp_segments")).toBe(0);
  });

  test("an integer column given as a huge string", async () => {
    const res = await ingest("cdp_segments", `${good}\n${segment("99999999999999999999")}`);
    expect(res).toEqual(refused('column "segment_id" must be a whole number from -9007199254740991 to 9007199254740991, got "99999999999999999999"'));
  });
});

describe("item 7: garbage is refused with the line number", () => {
  const good = conversion({ conversion_id: "v1" });
  test.each([
    [{ ts: "2026-03-18T10:00:00+99:99" }, 'column "ts" must be an ISO-8601 instant such as 2026-03-18T14:05:00Z, got "2026-03-18T10:00:00+99:99"'],
    [{ revenue: "0x10" }, 'column "revenue" must be a number, got "0x10"'],
    [{ revenue: " 5 " }, 'column "revenue" must be a number, got " 5 "'],
    [{ offer: "bad \ud800 surrogate" }, 'column "offer" is not valid Unicode text (a lone UTF-16 surrogate)'],
  ])("%j", async (extra, message) => {
    expect(await ingest("tr_conversions", `${good}\n${conversion(extra)}`)).toEqual(refused(message));
    expect(await count("tr_conversions")).toBe(0);
  });

  test("invalid UTF-8 bytes", async () => {
    const body = Buffer.concat([Buffer.from(`${good}\n{"conversion_id":"v2","ts":"2026-03-18T10:00:00Z","offer":"`), Buffer.from([0xff, 0xfe]), Buffer.from('","revenue":1}\n')]);
    expect(await ingest("tr_conversions", body)).toEqual(refused("not valid UTF-8"));
    expect(await count("tr_conversions")).toBe(0);
  });
});
