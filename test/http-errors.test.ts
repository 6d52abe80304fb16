// Errors at the HTTP edge: family shapes for 404/405/413/400, and no credential in the logs.

import { Writable } from "node:stream";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startTestServer, type Credentials, type TestServer } from "./support/server.ts";

const logLines: string[] = [];
const log = new Writable({
  write(chunk, _encoding, done) {
    logLines.push(String(chunk));
    done();
  },
});

let server: TestServer;
let acme: Credentials;

beforeAll(async () => {
  // Ingest bodies are streamed to disk, so their limit is a setting (default 4 GiB); 64 MiB here.
  server = await startTestServer({ now: "2026-03-18T15:30:00Z", log, env: { METRIGATE_INGEST_MAX_BYTES: String(64 * 1024 * 1024) } });
  acme = await server.workspace("acme");
  await server.runtime.accounts.createUser("acme", "ana@acme.test", "secret-password-123");
});
afterAll(() => server.close());

test("unknown paths get 404 in the family of their prefix", async () => {
  expect(await server.get("/v1/analytics/nope")).toMatchObject({
    status: 404,
    body: { error: "not_found", message: "No such endpoint: GET /v1/analytics/nope." },
  });
  expect((await server.get("/api/v1/nope")).body).toEqual({ success: false, error: "No such endpoint: GET /api/v1/nope." });
  expect((await server.get("/api/analytics/nope/")).body).toEqual({ detail: "No such endpoint: GET /api/analytics/nope/." });
});

test("a known path with the wrong method gets 405 with Allow", async () => {
  const res = await fetch(`${server.url}/v1/auth/login`);
  expect(res.status).toBe(405);
  expect(res.headers.get("allow")).toBe("POST");
  expect(await res.json()).toEqual({ error: "invalid_parameter", message: "Method GET is not allowed on /v1/auth/login; use POST." });
});

test("the wrong method on a CDP path is 405 with or without its trailing slash", async () => {
  for (const path of ["/api/analytics/usage", "/api/analytics/usage/"]) {
    const res = await fetch(`${server.url}${path}`, { method: "POST", headers: { "X-Api-Key": acme.apiKey } });
    expect(res.status, path).toBe(405);
    expect(res.headers.get("allow"), path).toBe("GET");
    expect(((await res.json()) as { detail: string }).detail, path).toContain("is not allowed");
  }
});

test("JSON sent as text/plain, or a body that is not a JSON object, is refused rather than read as no parameters", async () => {
  const query = JSON.stringify({ metrics: ["leads"], dimensions: ["country"] });
  const plain = await fetch(`${server.url}/v1/query/taprain`, { method: "POST", headers: { "X-Api-Key": acme.apiKey, "content-type": "text/plain" }, body: query });
  expect(plain.status).toBe(415);
  expect(await plain.json()).toEqual({ success: false, error: "Content-Type text/plain is not supported here; send application/json." });
  const login = await fetch(`${server.url}/v1/auth/login`, { method: "POST", body: JSON.stringify({ email: "ana@acme.test", password: "secret-password-123" }) });
  expect(login.status).toBe(415);
  for (const body of ["[]", "null", "5"]) {
    const res = await fetch(`${server.url}/v1/query/taprain`, { method: "POST", headers: { "X-Api-Key": acme.apiKey, "content-type": "application/json" }, body });
    expect(res.status, body).toBe(400);
    expect(((await res.json()) as { error: string }).error, body).toMatch(/^The body must be a JSON object of parameters/);
  }
});

test("malformed JSON is a 400 and an oversized body a 413, both in the family's shape", async () => {
  const bad = await fetch(`${server.url}/v1/auth/login`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{nope" });
  expect(bad.status).toBe(400);
  expect((await bad.json()).error).toBe("invalid_parameter");
  const big = "x".repeat(65 * 1024 * 1024);
  const res = await fetch(`${server.url}/v1/ingest/tr_clicks`, {
    method: "POST",
    headers: { "X-Api-Key": acme.writeKey, "Content-Type": "application/x-ndjson" },
    body: big,
  });
  expect(res.status).toBe(413);
  expect(await res.json()).toEqual({ error: "invalid_parameter", message: "The request body is too large." });
});

test("a bad parameter names the parameter and what is allowed", async () => {
  const res = await server.get("/api/v1/stats?range=week", { "X-Api-Key": acme.apiKey });
  expect(res.status).toBe(400);
  expect(res.body).toEqual({
    success: false,
    error: 'Invalid value "week" for parameter \'range\'. Allowed values: hour, today, yesterday, 7days, 30days, custom.',
  });
});

test("no credential reaches the logs", async () => {
  await server.get(`/api/v1/stats?api_key=${acme.apiKey}&range=today`);
  await server.get("/api/v1/stats", { "X-Api-Key": acme.apiKey });
  await server.get("/api/analytics/overview/", { Authorization: `Bearer ${acme.token}` });
  await fetch(`${server.url}/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: "ana@acme.test", password: "secret-password-123" }),
  });
  const text = logLines.join("");
  expect(text).toContain("/api/v1/stats?api_key=[redacted]&range=today");
  expect(text).toContain("request completed");
  for (const secret of [acme.apiKey, acme.token, "secret-password-123", acme.writeKey]) expect(text).not.toContain(secret);
});

test("a repeated parameter: joined where the parameter takes a comma-separated list, else a 400 naming it", async () => {
  const repeated = await server.get("/api/v1/stats?range=7days&country=us&country=gb", { "X-Api-Key": acme.apiKey });
  expect(repeated.status).toBe(200);
  expect((repeated.body as { meta: { filters: { country: string[] } } }).meta.filters.country).toEqual(["US", "GB"]);
  // axios's spelling of a list.
  const bracketed = await server.get("/api/v1/stats?range=7days&country%5B%5D=us&country%5B%5D=gb", { "X-Api-Key": acme.apiKey });
  expect((bracketed.body as { meta: { filters: { country: string[] } } }).meta.filters.country).toEqual(["US", "GB"]);
  const twice = await server.get("/api/v1/stats?range=7days&range=30days", { "X-Api-Key": acme.apiKey });
  expect(twice).toMatchObject({ status: 400, body: { success: false, error: "Parameter 'range' was given 2 times; give it once." } });
});

test("a missing required parameter is named as required", async () => {
  const values = await server.get("/v1/query/taprain/values?range=7days", { "X-Api-Key": acme.apiKey });
  expect(values.status).toBe(400);
  expect((values.body as { error: string }).error).toMatch(/^Parameter 'dimension' is required\. Allowed values: /);
});

test("a query value in none of the forms its parameter takes says which forms it takes", async () => {
  const res = await fetch(`${server.url}/v1/query/taprain`, { method: "POST", headers: { "X-Api-Key": acme.apiKey, "content-type": "application/json" }, body: JSON.stringify({ metrics: [["clicks"]] }) });
  expect(res.status).toBe(400);
  expect(((await res.json()) as { error: string }).error).toBe(`Parameter 'metrics' is not in a form it takes (got [["clicks"]]). Metrics to compute: a list, or names separated by commas.`);
});

test("a key named like an Object property (constructor) is an unknown parameter like any other", async () => {
  const res = await fetch(`${server.url}/v1/query/taprain`, { method: "POST", headers: { "X-Api-Key": acme.apiKey, "content-type": "application/json" }, body: '{"constructor":{}}' });
  expect(res.status).toBe(400);
  expect(((await res.json()) as { error: string }).error).toMatch(/^Unknown parameter 'constructor'\. Allowed parameters: metrics, /);
});
