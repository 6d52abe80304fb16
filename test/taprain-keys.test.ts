// Taprain key management (CONTRACT §10.2) through the real HTTP server: session cookie, reading and
// regenerating the API key, and what the old and new keys can do afterwards.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestServer, type Credentials, type TestServer } from "./support/server.ts";

let server: TestServer;
let acme: Credentials;
let globex: Credentials;

async function call(method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}) {
  const res = await fetch(server.url + path, {
    method,
    headers: { ...(options.body !== undefined ? { "Content-Type": "application/json" } : {}), ...options.headers },
    body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

async function signIn(email: string, password: string, headers: Record<string, string> = {}) {
  const res = await call("POST", "/api/v1/session", { body: { email, password }, headers });
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0];
  return { ...res, cookie, setCookie: res.headers.get("set-cookie") ?? "" };
}

beforeAll(async () => {
  server = await startTestServer({ now: "2026-03-18T15:30:00Z" });
  acme = await server.workspace("acme");
  globex = await server.workspace("globex");
  await server.runtime.accounts.createUser("acme", "ana@acme.test", "correct horse battery");
  await server.runtime.accounts.createUser("globex", "gus@globex.test", "another long password");
  await server.insert("acme", "tr_clicks", [{ click_id: "a1", ts: "2026-03-18T10:00:00Z", country: "US", offer: "Alpha" }]);
});
afterAll(() => server.close());

describe("POST /api/v1/session", () => {
  test("right email and password set an HttpOnly, SameSite=Strict cookie sent on every path (the console reads it too)", async () => {
    const res = await signIn("ANA@acme.test", "correct horse battery");
    expect(res.status).toBe(200);
    // Eight hours from the pinned clock.
    expect(res.body).toEqual({ success: true, email: "ana@acme.test", workspace: "acme", expires_at: "2026-03-18T23:30:00.000Z" });
    const attributes = res.setCookie.split(";").map((a) => a.trim());
    // An opaque random session id (stored server-side as a digest): nothing else travels in the cookie.
    expect(attributes[0]).toMatch(/^mg_session=mg_sess_[\w-]{43}$/);
    expect(attributes.slice(1)).toEqual(["Path=/", "Max-Age=28800", "HttpOnly", "SameSite=Strict"]);
  });

  test("behind an https proxy the cookie is Secure", async () => {
    const res = await signIn("ana@acme.test", "correct horse battery", { "X-Forwarded-Proto": "https" });
    expect(res.setCookie.split("; ")).toContain("Secure");
  });

  test.each([
    [{ email: "ana@acme.test", password: "wrong" }],
    [{ email: "nobody@acme.test", password: "correct horse battery" }],
    [{ email: "ana@acme.test" }],
  ])("%o gets 401 and no cookie", async (body) => {
    const res = await call("POST", "/api/v1/session", { body });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ success: false, error: "Invalid email or password." });
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  test("DELETE clears the cookie", async () => {
    const res = await call("DELETE", "/api/v1/session");
    expect(res.status).toBe(200);
    expect(res.headers.get("set-cookie")).toBe("mg_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
  });
});

describe("GET /api/v1/api-key and POST /api/v1/api-key/regenerate", () => {
  test("without a session: 401 in the Taprain shape", async () => {
    for (const [method, path] of [
      ["GET", "/api/v1/api-key"],
      ["POST", "/api/v1/api-key/regenerate"],
    ]) {
      const res = await call(method, path);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ success: false, error: "Not signed in: POST /api/v1/session with your email and password first." });
    }
  });

  test("a forged or tampered cookie, or a bearer JWT as the cookie, gets 401", async () => {
    const { cookie } = await signIn("ana@acme.test", "correct horse battery");
    const [name, value] = cookie.split("=");
    const tampered = `${value.slice(0, -1)}${value.endsWith("A") ? "B" : "A"}`;
    for (const forged of [`${name}=${tampered}`, `${name}=${acme.token}`, `${name}=${acme.apiKey}`]) {
      const res = await call("GET", "/api/v1/api-key", { headers: { Cookie: forged } });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ success: false, error: "The session has ended or expired: sign in again." });
    }
  });

  test("a session expires after 8 hours", async () => {
    // One database opened twice in turn: a session started at 15:30 is presented at 23:30:01 the same day.
    const dir = mkdtempSync(join(tmpdir(), "metrigate-session-"));
    const env = { METRIGATE_SECRET: "shared-secret-for-the-expiry-test", METRIGATE_DB: join(dir, "sessions.duckdb") };
    try {
      const early = await startTestServer({ now: "2026-03-18T15:30:00Z", env });
      let cookie: string;
      try {
        await early.workspace("acme");
        await early.runtime.accounts.createUser("acme", "ana@acme.test", "correct horse battery");
        const res = await fetch(`${early.url}/api/v1/session`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ email: "ana@acme.test", password: "correct horse battery" }),
        });
        cookie = (res.headers.get("set-cookie") ?? "").split(";")[0];
        expect((await early.get("/api/v1/api-key", { Cookie: cookie })).status).toBe(200);
      } finally {
        await early.close();
      }
      const late = await startTestServer({ now: "2026-03-18T23:30:01Z", env });
      try {
        const expired = await late.get("/api/v1/api-key", { Cookie: cookie });
        expect(expired.status).toBe(401);
        expect(expired.body).toEqual({ success: false, error: "The session has ended or expired: sign in again." });
      } finally {
        await late.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the session value is not accepted as a bearer token", async () => {
    const { cookie } = await signIn("ana@acme.test", "correct horse battery");
    await expect(server.runtime.accounts.verifyToken(cookie.split("=")[1])).rejects.toThrow("The token is invalid.");
  });

  test("reads the workspace's current key; regenerate replaces it at once", async () => {
    const { cookie } = await signIn("ana@acme.test", "correct horse battery");
    const current = await call("GET", "/api/v1/api-key", { headers: { Cookie: `theme=dark; ${cookie}` } });
    expect(current.status).toBe(200);
    expect(current.body).toEqual({ success: true, api_key: acme.apiKey });

    const regenerated = await call("POST", "/api/v1/api-key/regenerate", { headers: { Cookie: cookie } });
    expect(regenerated.status).toBe(200);
    expect(regenerated.body.success).toBe(true);
    const fresh: string = regenerated.body.api_key;
    expect(fresh).toMatch(/^mg_live_/);
    expect(fresh).not.toBe(acme.apiKey);

    // The old key fails at once, in the header and in the query string.
    const oldHeader = await server.get("/api/v1/stats?range=today", { "X-Api-Key": acme.apiKey });
    expect(oldHeader.status).toBe(401);
    expect(oldHeader.body.success).toBe(false);
    const oldQuery = await server.get(`/api/v1/stats?range=today&api_key=${acme.apiKey}`);
    expect(oldQuery.status).toBe(401);

    // The new key works both ways and sees acme's one click.
    const newHeader = await server.get("/api/v1/stats?range=today", { "X-Api-Key": fresh });
    expect(newHeader.status).toBe(200);
    expect(newHeader.body.data.summary.clicks).toBe(1);
    const newQuery = await server.get(`/api/v1/stats?range=today&api_key=${fresh}`);
    expect(newQuery.status).toBe(200);
    expect(newQuery.body.data.summary.clicks).toBe(1);

    // GET now shows the new key; another workspace's key is untouched.
    expect((await call("GET", "/api/v1/api-key", { headers: { Cookie: cookie } })).body).toEqual({ success: true, api_key: fresh });
    expect((await server.get("/api/v1/stats?range=today", { "X-Api-Key": globex.apiKey })).status).toBe(200);
  });

  test("a session only ever sees its own workspace's key", async () => {
    const { cookie } = await signIn("gus@globex.test", "another long password");
    const res = await call("GET", "/api/v1/api-key", { headers: { Cookie: cookie } });
    expect(res.body).toEqual({ success: true, api_key: globex.apiKey });
  });

  test.each([
    ["GET", "/api/v1/session", "POST, DELETE"],
    ["POST", "/api/v1/api-key", "GET"],
    ["GET", "/api/v1/api-key/regenerate", "POST"],
  ])("%s %s is 405 (Allow: %s)", async (method, path, allow) => {
    const res = await call(method, path);
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe(allow);
    expect(res.body.success).toBe(false);
  });
});
