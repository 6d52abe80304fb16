// The console's server side over real HTTP: pages under a strict CSP with no inline script, the committed
// bundle matching its sources, the session cookie's attributes, CSRF on every change, no-store on secrets,
// and tenant isolation of the credential routes.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CONSOLE_DIST } from "../api-server/routes/console.ts";
import { buildConsole } from "../console/build.ts";
import { startTestServer, type Credentials, type TestServer } from "./support/server.ts";

let server: TestServer;
let acme: Credentials;
let other: Credentials;
let cookie: string;
let csrf: string;

async function call(method: string, path: string, options: { cookie?: string; csrf?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = {};
  if (options.cookie) headers.Cookie = options.cookie;
  if (options.csrf) headers["X-CSRF-Token"] = options.csrf;
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(server.url + path, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text.startsWith("{") || text.startsWith("[") ? JSON.parse(text) : text };
}

async function signIn(email: string, password: string): Promise<{ cookie: string; setCookie: string }> {
  const res = await call("POST", "/api/v1/session", { body: { email, password } });
  expect(res.status).toBe(200);
  const setCookie = res.headers.get("set-cookie") ?? "";
  return { cookie: setCookie.split(";")[0], setCookie };
}

beforeAll(async () => {
  server = await startTestServer({ now: "2026-03-18T15:30:00Z" });
  acme = await server.workspace("acme", "growth");
  other = await server.workspace("other", "growth");
  await server.runtime.accounts.createUser("acme", "ana@acme.test", "correct horse battery");
  await server.runtime.accounts.createUser("other", "olu@other.test", "another long password");
  await server.insert("acme", "cdp_members", [{ member_id: "m1", created_at: "2026-03-01T00:00:00Z" }]);
  ({ cookie } = await signIn("ana@acme.test", "correct horse battery"));
  csrf = (await call("GET", "/console/api/me", { cookie })).body.csrf_token;
});

afterAll(async () => {
  await server.close();
});

describe("console pages", () => {
  test("every page is the same shell under a CSP that allows no inline script or style", async () => {
    for (const path of ["/console", "/console/login", "/console/taprain"]) {
      const res = await call("GET", path);
      expect(res.status).toBe(200);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain("unsafe-inline");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(res.text).not.toMatch(/\sstyle=|\son\w+=/);
    }
  });

  test("assets are served with their types; unknown names are 404", async () => {
    expect((await call("GET", "/console/assets/console.js")).headers.get("content-type")).toMatch(/^text\/javascript/);
    expect((await call("GET", "/console/assets/console.css")).headers.get("content-type")).toMatch(/^text\/css/);
    expect((await call("GET", "/console/assets/..%2Fbuild.ts")).status).toBe(404);
    expect((await call("GET", "/console/assets/index.html")).status).toBe(404);
    expect((await call("GET", "/console/assets/constructor")).status).toBe(404);
  });

  test("the committed bundle is what the sources build to", async () => {
    const dir = mkdtempSync(join(tmpdir(), "metrigate-console-"));
    try {
      await buildConsole(dir);
      const fresh = readFileSync(join(dir, "console.js"), "utf8");
      expect(fresh === readFileSync(join(CONSOLE_DIST, "console.js"), "utf8"), "console/dist/console.js is stale: run npm run console:build").toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("console API", () => {
  test("the session cookie is HttpOnly, SameSite=Strict and sent on every path", async () => {
    const { setCookie } = await signIn("ana@acme.test", "correct horse battery");
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\/(;|$)/);
  });

  test("without a session every console route is 401", async () => {
    for (const path of ["/console/api/me", "/console/api/api-key", "/console/api/tokens", "/console/api/endpoints/cdp_overview"]) {
      const res = await call("GET", path);
      expect(res.status).toBe(401);
      expect(res.body.message).toMatch(/sign in|Not signed in/i);
    }
  });

  test("an endpoint run through the console answers exactly as the API does", async () => {
    const viaConsole = await call("GET", "/console/api/endpoints/cdp_overview", { cookie });
    const viaApi = await server.get("/api/analytics/overview/", { "X-Api-Key": acme.apiKey });
    expect(viaConsole.status).toBe(200);
    expect(viaConsole.body).toEqual(viaApi.body);
    expect(viaConsole.body.total_members).toBe(1);
    expect(viaConsole.headers.get("ratelimit-limit")).toBe("300");
    expect((await call("GET", "/console/api/endpoints/no_such_endpoint", { cookie })).status).toBe(404);
    expect((await call("GET", "/console/api/endpoints/tapemetric_export", { cookie })).status).toBe(404);
  });

  test("a change without the session's CSRF token is refused and changes nothing", async () => {
    const before = await call("GET", "/console/api/api-key", { cookie });
    for (const token of [undefined, "0".repeat(64), csrf.slice(0, -1)]) {
      const res = await call("POST", "/console/api/api-key/regenerate", { cookie, csrf: token, body: {} });
      expect(res.status).toBe(403);
      expect(res.body.message).toMatch(/CSRF/);
    }
    expect((await call("GET", "/console/api/api-key", { cookie })).body.api_key).toBe(before.body.api_key);
    expect((await call("POST", "/console/api/tokens", { cookie, body: { name: "x" } })).status).toBe(403);
  });

  test("secrets are never stored by caches", async () => {
    for (const path of ["/console/api/api-key", "/console/api/tokens", "/console/api/me"]) {
      expect((await call("GET", path, { cookie })).headers.get("cache-control")).toBe("no-store");
    }
  });

  test("tokens: created once with their expiry, listed without the secret, revoked; another workspace's token is unknown", async () => {
    const created = await call("POST", "/console/api/tokens", { cookie, csrf, body: { name: "looker" } });
    expect(created.status).toBe(200);
    expect(created.body.expires_at).toBe("2026-06-16T15:30:00.000Z");
    expect((await server.get("/v1/analytics/overview", { Authorization: `Bearer ${created.body.token}` })).status).toBe(200);
    const listed = await call("GET", "/console/api/tokens", { cookie });
    expect(listed.text).not.toContain(created.body.token);
    expect(listed.body.map((t: { name: string }) => t.name)).toContain("looker");

    expect((await call("POST", `/console/api/tokens/${other.jti}/revoke`, { cookie, csrf, body: {} })).status).toBe(404);
    expect((await server.get("/v1/analytics/overview", { Authorization: `Bearer ${other.token}` })).status).toBe(200);

    expect((await call("POST", `/console/api/tokens/${created.body.jti}/revoke`, { cookie, csrf, body: {} })).status).toBe(200);
    expect((await server.get("/v1/analytics/overview", { Authorization: `Bearer ${created.body.token}` })).status).toBe(401);
    expect((await call("POST", "/console/api/tokens", { cookie, csrf, body: { name: "" } })).status).toBe(400);
  });

  test("regenerating through the console stops the old key at once and keeps other workspaces' keys", async () => {
    const old = (await call("GET", "/console/api/api-key", { cookie })).body.api_key;
    const fresh = (await call("POST", "/console/api/api-key/regenerate", { cookie, csrf, body: {} })).body.api_key;
    expect(fresh).not.toBe(old);
    expect((await server.get("/api/v1/stats", { "X-Api-Key": old })).status).toBe(401);
    expect((await server.get("/api/v1/stats", { "X-Api-Key": fresh })).status).toBe(200);
    expect((await server.get("/api/v1/stats", { "X-Api-Key": other.apiKey })).status).toBe(200);
  });
});
