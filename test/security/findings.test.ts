// Issue 13's findings that need one server and no special setup, each through the real server on loopback.

import { statSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestServer, type Credentials, type TestServer } from "../support/server.ts";

const NOW = "2026-03-18T15:30:00Z";
let server: TestServer;
let acme: Credentials;
const logLines: string[] = [];

const send = (path: string, init: RequestInit = {}) => server.request(path, init);

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "Content-Type": "application/json", ...headers },
  body: JSON.stringify(body),
});

/** Sends raw bytes, for requests fetch refuses to make (huge headers). */
function rawRequest(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end();
  });
}

beforeAll(async () => {
  const log = new PassThrough();
  log.on("data", (chunk: Buffer) => logLines.push(...chunk.toString().split("\n").filter(Boolean)));
  server = await startTestServer({ now: NOW, log });
  acme = await server.workspace("acme");
  await server.runtime.accounts.createUser("acme", "ana@acme.test", "correct horse battery");
  await server.insert("acme", "tr_clicks", [{ click_id: "c1", ts: "2026-03-18T10:00:00Z", country: "US", offer: "Alpha" }]);
});
afterAll(() => server.close());

describe("item 2: credentials never reach the log, whatever their spelling", () => {
  test("encoded, bracketed and malformed credential names are redacted", async () => {
    const key = acme.apiKey;
    const paths = [
      `/api/v1/stats?api%5Fkey=${key}`,
      `/api/v1/stats?%61pi_key=${key}`,
      `/api/v1/stats?api_key%5B%5D=${key}`,
      `/api/v1/stats?api_key%3D=${key}`,
      `/api/v1/stats?API_KEY=${key}`,
      `/v1/analytics/export/acme/0123456789abcdef0123456789abcdef.parquet?expires=1&%73ig=${"ab".repeat(32)}`,
    ];
    for (const path of paths) await send(path);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const logged = logLines.join("\n");
    expect(logged).toContain("/api/v1/stats");
    expect(logged).not.toContain(key);
    expect(logged).not.toContain(key.slice(8));
    expect(logged).not.toContain("ab".repeat(32));
  });
});

describe("item 6: dates in query parameters", () => {
  test("days near 1970 and year 9999 are a 400 naming the parameter, not a 500", async () => {
    const headers = { "X-Api-Key": acme.apiKey };
    const early = await server.get("/api/v1/stats?range=custom&start=1970-01-10&end=1970-01-10&timezone=UTC", headers);
    expect(early.status).toBe(400);
    expect(early.body.error).toMatch(/'start'.*1971-01-01.*2099-12-31/);
    const late = await server.get("/api/v1/stats?range=custom&start=9999-12-31&end=9999-12-31&timezone=UTC", headers);
    expect(late.status).toBe(400);
    expect(late.body.error).toMatch(/'start'/);
    const endOnly = await server.get("/api/v1/stats?range=custom&start=2099-12-31&end=2100-01-01", headers);
    expect(endOnly.status).toBe(400);
    expect(endOnly.body.error).toMatch(/'end'/);
    const edge = await server.get("/api/v1/stats?range=custom&start=2099-12-31&end=2099-12-31&timezone=Pacific/Kiritimati", headers);
    expect(edge.status).toBe(200);
  });

  test("the export's dates are held to the same range", async () => {
    const res = await send("/v1/analytics/export", json({ start: "1900-01-01", end: "1900-01-02" }, { Authorization: `Bearer ${acme.token}` }));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: "invalid_parameter" });
    expect((res.body as { message: string }).message).toMatch(/'start'.*1971-01-01/);
  });
});

describe("item 8: a suspended workspace cannot log in", () => {
  test("POST /v1/auth/login is 403 while suspended", async () => {
    await server.runtime.accounts.createWorkspace("frozen");
    await server.runtime.accounts.createUser("frozen", "fred@frozen.test", "correct horse battery");
    await server.runtime.accounts.setSuspended("frozen", true);
    const res = await send("/v1/auth/login", json({ email: "fred@frozen.test", password: "correct horse battery" }));
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: "forbidden", message: 'Workspace "frozen" is suspended.' });
  });
});

describe("item 9: regenerate replaces the shown key only", () => {
  test("a second read key made with key create keeps working", async () => {
    await server.runtime.accounts.createWorkspace("keys");
    await server.runtime.accounts.createUser("keys", "kim@keys.test", "correct horse battery");
    const login = await fetch(server.url + "/api/v1/session", json({ email: "kim@keys.test", password: "correct horse battery" }));
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0];
    const shown = await send("/api/v1/api-key", { headers: { Cookie: cookie } });
    const shownKey = (shown.body as { api_key: string }).api_key;
    const second = await server.runtime.accounts.createApiKey("keys", "read");
    const regenerated = await send("/api/v1/api-key/regenerate", { method: "POST", headers: { Cookie: cookie } });
    expect(regenerated.status).toBe(200);
    expect((await server.get("/api/v1/stats", { "X-Api-Key": shownKey })).status).toBe(401);
    expect((await server.get("/api/v1/stats", { "X-Api-Key": second })).status).toBe(200);
    expect((await server.get("/api/v1/stats", { "X-Api-Key": (regenerated.body as { api_key: string }).api_key })).status).toBe(200);
  });
});

describe("item 11: every error in the family's shape with a true sentence", () => {
  test("a 1 MB header gets a 431 with a body", async () => {
    const res = await rawRequest("/api/v1/stats", { "X-Padding": "x".repeat(1024 * 1024) });
    expect(res.status).toBe(431);
    expect(JSON.parse(res.body)).toEqual({ success: false, error: "The request headers are too large." });
  });

  test("a 10 KB path id is a 414 in the family's shape", async () => {
    const res = await send(`/v1/analytics/alerts/${"9".repeat(10_000)}/acknowledge`, { method: "POST", headers: { Authorization: `Bearer ${acme.token}` } });
    expect(res.status).toBe(414);
    expect(res.body).toEqual({ error: "invalid_parameter", message: "A path segment is longer than 100 characters." });
  });

  test("__proto__ in a JSON body is named as such", async () => {
    const res = await send("/v1/auth/login", { method: "POST", headers: { "Content-Type": "application/json" }, body: '{"__proto__":{"x":1},"email":"a","password":"b"}' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: "invalid_parameter", message: 'The JSON body must not contain a "__proto__" or "constructor.prototype" key.' });
  });

  test("a wrong method on /healthz is a 405 with Allow", async () => {
    const res = await send("/healthz", { method: "DELETE" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET");
  });

  test("a form-encoded body is a 415", async () => {
    const res = await send("/v1/auth/login", { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "email=a&password=b" });
    expect(res.status).toBe(415);
    expect(res.body).toEqual({ error: "invalid_parameter", message: "Content-Type application/x-www-form-urlencoded is not supported here; send application/json." });
  });

  test("a repeated api_key is named as repeated", async () => {
    const res = await server.get(`/api/v1/stats?api_key=${acme.apiKey}&api_key=${acme.apiKey}`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ success: false, error: "Parameter 'api_key' was given more than once; send it once." });
  });

  test("1e309 and a 20-digit limit are described as typed", async () => {
    const headers = { Authorization: `Bearer ${acme.token}` };
    const huge = await server.get("/v1/analytics/top-content?limit=1e309", headers);
    expect(huge.status).toBe(400);
    expect(huge.body.message).toBe("Parameter 'limit' must be a number (got \"1e309\").");
    const long = await server.get("/v1/analytics/top-content?limit=99999999999999999999", headers);
    expect(long.status).toBe(400);
    expect(long.body.message).toBe("Parameter 'limit' must be at most 200 (got 100000000000000000000).");
  });
});

describe("item 12: files are owner-only", () => {
  test("database, WAL, exports folder and Parquet exports", async () => {
    const res = await send("/v1/analytics/export", json({ start: "2026-03-01", end: "2026-03-18" }, { Authorization: `Bearer ${acme.token}` }));
    expect(res.status).toBe(200);
    const db = `${server.dir}/test.duckdb`;
    expect(statSync(db).mode & 0o777).toBe(0o600);
    expect(statSync(`${db}.exports`).mode & 0o777).toBe(0o700);
    expect(statSync(`${db}.exports/acme`).mode & 0o777).toBe(0o700);
    const file = new URL((res.body as { url: string }).url).pathname.split("/").pop() ?? "";
    expect(statSync(`${db}.exports/acme/${file}`).mode & 0o777).toBe(0o600);
    await server.insert("acme", "tr_clicks", [{ click_id: "c2", ts: "2026-03-18T10:00:00Z", country: "US", offer: "Alpha" }]);
    expect(statSync(`${db}.wal`, { throwIfNoEntry: false })?.mode ?? 0o100600).toSatisfy((mode: number) => (mode & 0o077) === 0);
  });
});

describe("item 13: credential answers are never cached", () => {
  test("login, session, api-key and regenerate say no-store", async () => {
    const login = await send("/v1/auth/login", json({ email: "ana@acme.test", password: "correct horse battery" }));
    expect(login.headers.get("cache-control")).toBe("no-store");
    const session = await fetch(server.url + "/api/v1/session", json({ email: "ana@acme.test", password: "correct horse battery" }));
    expect(session.headers.get("cache-control")).toBe("no-store");
    const cookie = (session.headers.get("set-cookie") ?? "").split(";")[0];
    const key = await send("/api/v1/api-key", { headers: { Cookie: cookie } });
    expect(key.headers.get("cache-control")).toBe("no-store");
    const failed = await send("/v1/auth/login", json({ email: "ana@acme.test", password: "wrong wrong" }));
    expect(failed.headers.get("cache-control")).toBe("no-store");
  });
});

describe("item 14: time zone spellings", () => {
  test("other spellings are echoed canonically and share the cache entry", async () => {
    const headers = { "X-Api-Key": acme.apiKey };
    const upper = await server.get("/api/v1/stats?timezone=AMERICA/NEW_YORK", headers);
    expect(upper.status).toBe(200);
    expect(upper.body.meta.timezone).toBe("America/New_York");
    const lower = await server.get("/api/v1/stats?timezone=utc", headers);
    expect(lower.body.meta.timezone).toBe("UTC");
  });
});
