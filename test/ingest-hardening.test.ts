// Ingest through the real server on loopback: bodies streamed (gzip too), out-of-range integers and
// accepted garbage refused with the line and column, never a 500; the key checked before the media
// type; scratch folders of killed servers removed; a client going away is not a server error.

import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { Writable } from "node:stream";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createApp } from "../api-server/app.ts";
import { startTestServer, type Credentials, type TestServer } from "./support/server.ts";

let server: TestServer;
let acme: Credentials;
const logLines: string[] = [];
const log = new Writable({
  write(chunk, _encoding, done) {
    logLines.push(String(chunk));
    done();
  },
});

beforeAll(async () => {
  server = await startTestServer({ now: "2026-03-18T15:30:00Z", log });
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

describe("review follow-ups", () => {
  const click = (id: string) => JSON.stringify({ click_id: id, ts: "2026-03-18T10:00:00Z", offer: "O" });
  const post = async (headers: Record<string, string>, body = click("m1")) => {
    const res = await fetch(`${server.url}/v1/ingest/tr_clicks`, { method: "POST", headers, body });
    return { status: res.status, body: await res.json() };
  };
  const accepted = "application/x-ndjson or application/ndjson or application/jsonl or application/x-jsonlines or application/jsonlines or text/plain";

  test("item 1: the key is checked before the media type (curl's default form type without a key is a 401)", async () => {
    const form = { "Content-Type": "application/x-www-form-urlencoded" };
    expect(await post(form)).toEqual({ status: 401, body: { error: "unauthorized", message: "Ingest needs a write-scope API key in the X-Api-Key header." } });
    expect((await post({ ...form, "X-Api-Key": acme.apiKey })).status).toBe(403);
    expect(await post({ ...form, "X-Api-Key": acme.writeKey })).toEqual({
      status: 415,
      body: { error: "invalid_parameter", message: `Content-Type application/x-www-form-urlencoded is not supported here; send ${accepted}.` },
    });
    expect((await post({ "Content-Type": "application/json", "X-Api-Key": "mg_live_wrong" })).status).toBe(401);
  });

  test.each(["application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines", "application/jsonlines", "text/plain", "Application/JSONL; charset=utf-8"])(
    "item 2: %s is accepted as NDJSON",
    async (type) => {
      const id = `t-${type}`;
      expect(await post({ "Content-Type": type, "X-Api-Key": acme.writeKey }, click(id))).toEqual({ status: 200, body: { table: "tr_clicks", rows: 1 } });
    },
  );

  test.each(["text/csv", "application/json", "application/octet-stream"])("item 2: %s is a 415 naming the accepted types", async (type) => {
    expect(await post({ "Content-Type": type, "X-Api-Key": acme.writeKey })).toEqual({
      status: 415,
      body: { error: "invalid_parameter", message: `Content-Type ${type} is not supported here; send ${accepted}.` },
    });
  });

  test("item 3: the scratch folders of a server that is gone are removed by the next ingest; a running one's are kept", async () => {
    const gone = spawn(process.execPath, ["-e", ""]);
    const gonePid = gone.pid;
    await new Promise((resolve) => gone.on("exit", resolve));
    const alive = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"]);
    try {
      const abandoned = [`metrigate-ingest-${gonePid}-AbCd12`, `metrigate-import-${gonePid}-XyZ789`];
      const kept = [`metrigate-ingest-${alive.pid}-AbCd12`, "metrigate-ingest-notapid"];
      for (const name of [...abandoned, ...kept]) mkdirSync(join(server.dir, name));
      expect(await post({ "Content-Type": "application/x-ndjson", "X-Api-Key": acme.writeKey }, click("s1"))).toEqual({ status: 200, body: { table: "tr_clicks", rows: 1 } });
      expect(readdirSync(server.dir).filter((name) => name.startsWith("metrigate-")).sort()).toEqual(kept.sort());
    } finally {
      alive.kill();
    }
  });

  test("item 3: a server removes the scratch folders of a server that is gone when it starts", async () => {
    const gone = spawn(process.execPath, ["-e", ""]);
    await new Promise((resolve) => gone.on("exit", resolve));
    const abandoned = join(server.dir, `metrigate-ingest-${gone.pid}-QwEr56`);
    mkdirSync(abandoned);
    const app = await createApp(server.runtime, { log: false });
    await app.close();
    expect(existsSync(abandoned)).toBe(false);
  });

  test("item 4: a client going away mid-body is logged without a stack at info level, and its scratch folder is removed", async () => {
    const scratch = () => readdirSync(server.dir).filter((name) => name.startsWith(`metrigate-ingest-${process.pid}-`));
    expect(scratch()).toEqual([]);
    const before = logLines.length;
    const req = httpRequest(`${server.url}/v1/ingest/tr_clicks`, {
      method: "POST",
      headers: { "X-Api-Key": acme.writeKey, "Content-Type": "application/x-ndjson", "Content-Length": String(1 << 30) },
    });
    req.on("error", () => undefined);
    try {
      req.write(`${click("a1")}\n`.repeat(10_000));
      for (let i = 0; i < 500 && scratch().length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(scratch()).toHaveLength(1);
    } finally {
      req.destroy();
    }
    const gone = () => logLines.slice(before).some((line) => line.includes("closed the connection"));
    for (let i = 0; i < 500 && !gone(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    const entries = logLines.slice(before).map((line) => JSON.parse(line) as { level: number; msg: string; err?: { stack?: string } });
    expect(entries.filter((entry) => entry.level >= 50)).toEqual([]);
    const entry = entries.find((e) => e.msg.includes("closed the connection"));
    expect(entry).toMatchObject({ level: 30, msg: "the client closed the connection before the body was complete; nothing was imported" });
    expect(JSON.stringify(entries)).not.toContain("stack");
    expect(scratch()).toEqual([]);
  });
});
