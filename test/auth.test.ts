// Credentials through the real HTTP server: login, JWT verification, API keys, suspension, isolation.

import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Accounts } from "../shared/auth/accounts.ts";
import { fixedClock } from "../shared/clock.ts";
import { startTestServer, type Credentials, type TestServer } from "./support/server.ts";

const NOW = "2026-03-18T15:30:00Z";
let server: TestServer;
let acme: Credentials;
let globex: Credentials;

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(server.url + path, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  server = await startTestServer({ now: NOW });
  acme = await server.workspace("acme");
  globex = await server.workspace("globex");
  await server.runtime.accounts.createUser("acme", "ana@acme.test", "correct horse battery");
  await server.insert("acme", "tr_clicks", [
    { click_id: "a1", ts: "2026-03-18T10:00:00Z", country: "US", offer: "Alpha" },
    { click_id: "a2", ts: "2026-03-18T11:00:00Z", country: "DE", offer: "Alpha" },
  ]);
  await server.insert("globex", "tr_clicks", [{ click_id: "g1", ts: "2026-03-18T12:00:00Z", country: "FR", offer: "Gamma" }]);
});
afterAll(() => server.close());

describe("POST /v1/auth/login", () => {
  test("right email and password give a 24-hour bearer token that works", async () => {
    const res = await post("/v1/auth/login", { email: "ANA@acme.test", password: "correct horse battery" });
    expect(res.status).toBe(200);
    expect(res.body.token_type).toBe("Bearer");
    expect(res.body.expires_at).toBe("2026-03-19T15:30:00Z");
    const payload = JSON.parse(Buffer.from(res.body.token.split(".")[1], "base64url").toString());
    expect(payload).toMatchObject({ wid: "acme", sub: "ana@acme.test", iss: "metrigate" });
    expect(payload.exp - payload.iat).toBe(24 * 3600);
    expect(typeof payload.jti).toBe("string");
    const cdp = await server.get("/api/analytics/overview/", { Authorization: `Bearer ${res.body.token}` });
    expect(cdp.status).toBe(200);
  });

  test("a wrong password and an unknown email get the same 401", async () => {
    const wrong = await post("/v1/auth/login", { email: "ana@acme.test", password: "nope nope nope" });
    const unknown = await post("/v1/auth/login", { email: "nobody@acme.test", password: "correct horse battery" });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual({ error: "unauthorized", message: "Invalid email or password." });
    expect(unknown.body).toEqual(wrong.body);
  });

  test("a body without fields is a 401, not a crash; a field of the wrong type is a 400 naming it", async () => {
    const res = await post("/v1/auth/login", {});
    expect(res.status).toBe(401);
    const typed = await post("/v1/auth/login", { email: 1, password: "correct horse battery" });
    expect(typed).toMatchObject({ status: 400, body: { error: "invalid_parameter", message: "The email must be a string (got a number)." } });
    const session = await post("/api/v1/session", { email: "ana@acme.test", password: ["x"] });
    expect(session).toMatchObject({ status: 400, body: { success: false, error: "The password must be a string (got a list)." } });
  });
});

describe("JWT verification", () => {
  const cdpWith = (token: string) => server.get("/api/analytics/overview/", { Authorization: `Bearer ${token}` });

  test("an expired token is refused, one expired less than 60 s ago is still accepted", async () => {
    const past = new Accounts(server.runtime.store, server.runtime.keys, fixedClock("2026-03-17T15:29:00Z"));
    const longExpired = await past.login("ana@acme.test", "correct horse battery");
    const expired = await cdpWith(longExpired.token);
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual({ detail: "The token has expired." });
    const edge = new Accounts(server.runtime.store, server.runtime.keys, fixedClock("2026-03-17T15:29:30Z"));
    const withinLeeway = await edge.login("ana@acme.test", "correct horse battery");
    expect((await cdpWith(withinLeeway.token)).status).toBe(200);
  });

  test("a tampered payload is refused", async () => {
    const [header, payload, signature] = acme.token.split(".");
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    const forged = [header, base64url({ ...claims, wid: "globex" }), signature].join(".");
    const res = await cdpWith(forged);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ detail: "The token is invalid." });
  });

  test("alg none and a switched algorithm are refused", async () => {
    const claims = JSON.parse(Buffer.from(acme.token.split(".")[1], "base64url").toString());
    const none = `${base64url({ alg: "none", typ: "JWT" })}.${base64url(claims)}.`;
    expect((await cdpWith(none)).status).toBe(401);
    const hs512 = await new SignJWT(claims).setProtectedHeader({ alg: "HS512" }).sign(server.runtime.keys.jwt);
    expect((await cdpWith(hs512)).status).toBe(401);
  });

  test("a revoked service-account token stops working at once", async () => {
    const issued = await server.runtime.accounts.issueServiceToken("acme", "revoke-me");
    expect((await cdpWith(issued.token)).status).toBe(200);
    await server.runtime.accounts.revokeToken(issued.jti);
    const res = await cdpWith(issued.token);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ detail: "The token has been revoked." });
  });
});

describe("API keys", () => {
  test("keys have the mg_live_ prefix and at least 128 random bits", () => {
    expect(acme.apiKey).toMatch(/^mg_live_[A-Za-z0-9_-]{32}$/);
  });

  test("a key works in the X-Api-Key header and in the api_key query parameter", async () => {
    const byHeader = await server.get("/api/v1/stats?range=today", { "X-Api-Key": acme.apiKey });
    const byQuery = await server.get(`/api/v1/stats?range=today&api_key=${acme.apiKey}`);
    expect(byHeader.status).toBe(200);
    expect(byQuery.status).toBe(200);
    expect(byHeader.body.data.summary.clicks).toBe(2);
    expect(byQuery.body.data.summary.clicks).toBe(2);
  });

  test("missing and unknown keys get 401 in the Taprain shape", async () => {
    const missing = await server.get("/api/v1/stats");
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ success: false, error: "Missing API key: send the X-Api-Key header or the api_key query parameter." });
    const unknown = await server.get("/api/v1/stats", { "X-Api-Key": "mg_live_0000000000000000000000000000000x" });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual({ success: false, error: "The API key is invalid." });
  });

  test("the stored copy of a key is a digest and a ciphertext, never the key", async () => {
    const rows = await server.runtime.store.query<{ digest: string; encrypted: string }>("SELECT digest, encrypted FROM mg_api_keys");
    for (const row of rows) {
      expect(row.digest).toMatch(/^[0-9a-f]{64}$/);
      expect(row.encrypted).not.toContain("mg_live_");
    }
    expect(JSON.stringify(rows)).not.toContain(acme.apiKey);
  });
});

describe("tenants", () => {
  test("a suspended workspace gets 403 with its credentials at once, and works again when resumed", async () => {
    // Used first, so the credential and workspace lookups are warm when the suspension comes.
    expect((await server.get("/api/v1/stats", { "X-Api-Key": globex.apiKey })).status).toBe(200);
    await server.runtime.accounts.setSuspended("globex", true);
    const res = await server.get("/api/v1/stats", { "X-Api-Key": globex.apiKey });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ success: false, error: 'Workspace "globex" is suspended.' });
    const cdp = await server.get("/api/analytics/overview", { Authorization: `Bearer ${globex.token}` });
    expect(cdp.status).toBe(403);
    await server.runtime.accounts.setSuspended("globex", false);
    expect((await server.get("/api/v1/stats", { "X-Api-Key": globex.apiKey })).status).toBe(200);
  });

  test("a credential of one workspace never sees another workspace's rows", async () => {
    const g = await server.get("/api/v1/stats?range=today", { "X-Api-Key": globex.apiKey });
    expect(g.body.data.summary.clicks).toBe(1);
    expect(g.body.data.by_country).toEqual([{ country: "FR", clicks: 1, leads: 0, revenue: 0, cvr: 0, epc: 0 }]);
    const a = await server.get("/api/v1/stats?range=today", { "X-Api-Key": acme.apiKey });
    expect(a.body.data.by_country.map((r: { country: string }) => r.country)).toEqual(["DE", "US"]);
  });
});
