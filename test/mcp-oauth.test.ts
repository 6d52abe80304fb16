// OAuth for /mcp, end to end through the official SDK client's OAuth support: discovery from the 401,
// registration by Client ID Metadata Document and by dynamic registration, the real sign-in and consent
// page over HTTP, code + PKCE, tools over the token, refresh with rotation, revocation → 401.

import { auth, Client, StreamableHTTPClientTransport, UnauthorizedError } from "@modelcontextprotocol/client";
import { SignJWT } from "jose";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { Server } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { ClientDocuments } from "../shared/auth/client-metadata-documents.ts";
import { CATALOG } from "../shared/catalog/index.ts";
import { ACME_ROWS, NOW, seedRows } from "./support/mcp.ts";
import { authorizeInBrowser, hiddenFields, MemoryOAuthProvider, REDIRECT_URI, startHttpsHost, submitConsent } from "./support/oauth-client.ts";
import { startTestServer, type TestServer } from "./support/server.ts";

vi.setConfig({ testTimeout: 60_000 });

const USER = { email: "ana@acme.test", password: "correct horse battery" };
const CLIENT_DOC_PATH = "/assistant/client.json";

let server: TestServer;
let host: { url: string; cert: string; server: Server };
let dir: string;
let documentBody: (url: string) => string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "metrigate-oauth-"));
  documentBody = (url) => JSON.stringify({ client_id: url, client_name: "Hosted assistant", redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: "none" });
  host = await startHttpsHost(dir, (req, res) => {
    const self = `https://127.0.0.1:${(host.server.address() as { port: number }).port}`;
    if (req.url === CLIENT_DOC_PATH) res.writeHead(200, { "content-type": "application/json" }).end(documentBody(self + CLIENT_DOC_PATH));
    else if (req.url === "/big.json") res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ pad: "x".repeat(20_000) }));
    else if (req.url === "/slow.json") res.writeHead(200, { "content-type": "application/json" }).write("{");
    else if (req.url === "/moved.json") res.writeHead(302, { location: CLIENT_DOC_PATH }).end();
    else res.writeHead(404).end();
  });
  server = await startTestServer({
    now: NOW,
    env: { METRIGATE_OAUTH_CIMD_ALLOW_LOOPBACK: "1", METRIGATE_OAUTH_CIMD_CA_FILE: host.cert },
  });
  await server.workspace("acme");
  await server.workspace("globex");
  await seedRows(server, "acme", ACME_ROWS);
  await server.runtime.accounts.createUser("acme", USER.email, USER.password);
});

afterAll(async () => {
  await server?.close();
  host?.server.close();
  rmSync(dir, { recursive: true, force: true });
});

const mcpUrl = () => new URL(`${server.url}/mcp`);

/**
 * Runs the SDK client's flow up to the redirect, plays the browser, finishes with the code; the connected
 * client, pinned to the newest revision when asked (the SDK's default negotiates 2025-11-25).
 */
async function connectThroughOAuth(provider: MemoryOAuthProvider, apis: string[], newest = false): Promise<Client> {
  const first = new Client({ name: "oauth-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(mcpUrl(), { authProvider: provider });
  await expect(first.connect(transport)).rejects.toBeInstanceOf(UnauthorizedError);
  const authorizationUrl = provider.authorizationUrl;
  if (!authorizationUrl) throw new Error("the client never asked for the authorization page");
  expect(authorizationUrl.searchParams.get("code_challenge_method")).toBe("S256");
  expect(authorizationUrl.searchParams.get("resource")).toBe(`${server.url}/mcp`);
  const answer = await authorizeInBrowser(server.url, authorizationUrl, USER, apis);
  expect(answer.get("iss")).toBe(server.url);
  await transport.finishAuth(answer);
  const info = { name: "oauth-test", version: "1.0.0" };
  const client = newest ? new Client(info, { versionNegotiation: { mode: { pin: "2026-07-28" } } }) : new Client(info);
  await client.connect(new StreamableHTTPClientTransport(mcpUrl(), { authProvider: provider }));
  return client;
}

async function rawMcp(token: string): Promise<Response> {
  return fetch(`${server.url}/mcp`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-06-18" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
  });
}

async function tokenRequest(fields: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server.url}/oauth/token`, { method: "POST", body: new URLSearchParams(fields) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("discovery", () => {
  test("a 401 from /mcp names the protected-resource metadata, which names this server as the authorization server", async () => {
    const res = await fetch(`${server.url}/mcp`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(`Bearer resource_metadata="${server.url}/.well-known/oauth-protected-resource/mcp"`);
    for (const path of ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"]) {
      const prm = await server.get(path);
      expect(prm.status).toBe(200);
      expect(prm.body).toMatchObject({ resource: `${server.url}/mcp`, authorization_servers: [server.url], scopes_supported: ["tapemetric", "taprain", "cdp"] });
    }
    const as = await server.get("/.well-known/oauth-authorization-server");
    expect(as.body).toMatchObject({
      issuer: server.url,
      authorization_endpoint: `${server.url}/oauth/authorize`,
      token_endpoint: `${server.url}/oauth/token`,
      registration_endpoint: `${server.url}/oauth/register`,
      revocation_endpoint: `${server.url}/oauth/revoke`,
      code_challenge_methods_supported: ["S256"],
      client_id_metadata_document_supported: true,
    });
  });
  test("a browser-based client may register and trade tokens from its own page (CORS); the sign-in page stays same-origin", async () => {
    for (const path of ["/oauth/register", "/oauth/token", "/oauth/revoke"]) {
      const preflight = await fetch(`${server.url}${path}`, { method: "OPTIONS", headers: { origin: "https://assistant.example", "access-control-request-method": "POST" } });
      expect(preflight.status, path).toBe(204);
      expect(preflight.headers.get("access-control-allow-origin"), path).toBe("*");
    }
    const refused = await fetch(`${server.url}/oauth/token`, { method: "POST", headers: { origin: "https://assistant.example" }, body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: "mg_rt_x", client_id: "mg_client_x" }) });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("access-control-allow-origin")).toBe("*");
    const page = await fetch(`${server.url}/oauth/authorize?client_id=mg_client_x`, { headers: { origin: "https://assistant.example" } });
    expect(page.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("dynamic registration (RFC 7591), then code + PKCE, tools, refresh, rotation", () => {
  test("the SDK client registers, the user allows every API, every tool is listed and tools answer", async () => {
    const provider = new MemoryOAuthProvider();
    const client = await connectThroughOAuth(provider, ["tapemetric", "taprain", "cdp"], true);
    expect(provider.info?.client_id).toMatch(/^mg_client_/);
    expect(client.getNegotiatedProtocolVersion()).toBe("2026-07-28");
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(CATALOG.map((e) => e.name).sort());
    const stats = await client.callTool({ name: "taprain_stats", arguments: { range: "today" } });
    expect(stats.isError).toBeFalsy();
    expect(stats.structuredContent).toMatchObject({ data: { summary: { clicks: 3, leads: 2, revenue: 6.5 } } });
    const overview = await client.callTool({ name: "tapemetric_overview", arguments: {} });
    expect(overview.isError).toBeFalsy();
    await client.close();

    // Refresh: the SDK trades the refresh token for a new pair; the old refresh token is spent.
    const before = provider.saved;
    if (!before?.refresh_token) throw new Error("no refresh token was issued");
    expect(await auth(provider, { serverUrl: mcpUrl() })).toBe("AUTHORIZED");
    const after = provider.saved;
    expect(after?.access_token).not.toBe(before.access_token);
    expect(after?.refresh_token).not.toBe(before.refresh_token);
    expect((await rawMcp(after?.access_token ?? "")).status).toBe(200);

    // Reuse of the old refresh token: refused, and the whole family (the new tokens too) is revoked.
    const reuse = await tokenRequest({ grant_type: "refresh_token", refresh_token: before.refresh_token, client_id: provider.info?.client_id ?? "" });
    expect(reuse.status).toBe(400);
    expect(reuse.body.error).toBe("invalid_grant");
    const revoked = await rawMcp(after?.access_token ?? "");
    expect(revoked.status).toBe(401);
    expect(revoked.headers.get("www-authenticate")).toContain('error="invalid_token"');
    const refreshAgain = await tokenRequest({ grant_type: "refresh_token", refresh_token: after?.refresh_token ?? "", client_id: provider.info?.client_id ?? "" });
    expect(refreshAgain.body.error).toBe("invalid_grant");
  });
});

describe("Client ID Metadata Document, consent to one API, revocation (RFC 7009)", () => {
  test("the server fetches the client's document; only CDP tools are offered; revoking the token ends access", async () => {
    const clientId = `${host.url}${CLIENT_DOC_PATH}`;
    const provider = new MemoryOAuthProvider(clientId);
    const client = await connectThroughOAuth(provider, ["cdp"]);
    expect(provider.info?.client_id).toBe(clientId);
    expect(client.getNegotiatedProtocolVersion()).toBe("2025-11-25");
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(CATALOG.filter((e) => e.family === "cdp").map((e) => e.name).sort());
    const refused = await client.callTool({ name: "taprain_stats", arguments: {} }).catch((e: Error) => e);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toContain('Unknown tool "taprain_stats"');
    const usage = await client.callTool({ name: "cdp_usage", arguments: {} });
    expect(usage.isError).toBeFalsy();
    await client.close();

    const tokens = provider.saved;
    const res = await fetch(`${server.url}/oauth/revoke`, { method: "POST", body: new URLSearchParams({ token: tokens?.refresh_token ?? "", client_id: clientId }) });
    expect(res.status).toBe(200);
    const after = await rawMcp(tokens?.access_token ?? "");
    expect(after.status).toBe(401);
    expect(after.headers.get("www-authenticate")).toMatch(/^Bearer resource_metadata="[^"]+\/\.well-known\/oauth-protected-resource\/mcp", error="invalid_token"/);
  });
});

describe("the operator's switch", () => {
  test("oauth revoke ends every consent of the workspace: its access tokens get 401 at once", async () => {
    const provider = new MemoryOAuthProvider();
    const client = await connectThroughOAuth(provider, ["cdp"]);
    await client.close();
    const token = provider.saved?.access_token ?? "";
    expect((await rawMcp(token)).status).toBe(200);
    const oauth = server.runtime.oauth;
    expect(await oauth.revokeWorkspace("acme")).toBeGreaterThanOrEqual(1);
    expect((await rawMcp(token)).status).toBe(401);
    expect(await oauth.revokeWorkspace("acme")).toBe(0);
  });
});

describe("what the server refuses", () => {
  async function registered(): Promise<string> {
    const res = await server.request("/oauth/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ client_name: "Probe", redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: "none" }),
    });
    expect(res.status).toBe(201);
    return res.body.client_id as string;
  }

  const authorizeUrl = (clientId: string, extra: Record<string, string> = {}) =>
    `${server.url}/oauth/authorize?${new URLSearchParams({
      response_type: "code",
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
      code_challenge_method: "S256",
      state: "s1",
      ...extra,
    })}`;

  test("PKCE plain, a foreign resource and an unknown client", async () => {
    const clientId = await registered();
    const plain = await fetch(authorizeUrl(clientId, { code_challenge_method: "plain" }), { redirect: "manual" });
    expect(plain.status).toBe(303);
    const back = new URL(plain.headers.get("location") ?? "");
    expect(back.searchParams.get("error")).toBe("invalid_request");
    expect(back.searchParams.get("state")).toBe("s1");
    const foreign = await fetch(authorizeUrl(clientId, { resource: "https://other.example/mcp" }), { redirect: "manual" });
    expect(new URL(foreign.headers.get("location") ?? "").searchParams.get("error")).toBe("invalid_target");
    const unknown = await fetch(authorizeUrl("mg_client_nope"), { redirect: "manual" });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain("Unknown client_id");
  });

  test("a wrong password re-shows the page; a wrong code_verifier and a second use of the code are invalid_grant", async () => {
    const clientId = await registered();
    const html = await (await fetch(authorizeUrl(clientId))).text();
    expect(html).toContain("Connect Probe");
    const wrong = await submitConsent(server.url, html, { email: USER.email, password: "nope", api: "cdp", decision: "allow" });
    expect(wrong.status).toBe(401);
    expect(wrong.html).toContain("Invalid email or password.");
    const ok = await submitConsent(server.url, html, { email: USER.email, password: USER.password, api: "cdp", decision: "allow" });
    const code = ok.location?.searchParams.get("code") ?? "";
    const base = { grant_type: "authorization_code", code, client_id: clientId, redirect_uri: REDIRECT_URI };
    const bad = await tokenRequest({ ...base, code_verifier: "a".repeat(43) });
    expect(bad.body).toEqual({ error: "invalid_grant", error_description: "code_verifier does not match the code_challenge." });
    const otherClient = await tokenRequest({ ...base, client_id: await registered(), code_verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk" });
    expect(otherClient.body.error).toBe("invalid_grant");
    // Refused attempts leave the code to its rightful redemption: the RFC 7636 example pair, once.
    const good = await tokenRequest({ ...base, code_verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk" });
    expect(good.status).toBe(200);
    expect(good.body.scope).toBe("cdp");
    const again = await tokenRequest({ ...base, code_verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk" });
    expect(again.body).toEqual({ error: "invalid_grant", error_description: "The authorization code was already used; the tokens issued for it are revoked." });
    expect((await rawMcp(String(good.body.access_token))).status).toBe(401);
  });

  test("a refused refresh (wider scope, another client) does not spend the refresh token", async () => {
    const clientId = await registered();
    const html = await (await fetch(authorizeUrl(clientId))).text();
    const ok = await submitConsent(server.url, html, { email: USER.email, password: USER.password, api: "cdp", decision: "allow" });
    const code = ok.location?.searchParams.get("code") ?? "";
    const first = await tokenRequest({ grant_type: "authorization_code", code, client_id: clientId, redirect_uri: REDIRECT_URI, code_verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk" });
    const refresh = { grant_type: "refresh_token", refresh_token: String(first.body.refresh_token), client_id: clientId };
    const wider = await tokenRequest({ ...refresh, scope: "cdp taprain" });
    expect(wider.body).toEqual({ error: "invalid_scope", error_description: "scope may only narrow the granted APIs (cdp)." });
    const foreign = await tokenRequest({ ...refresh, client_id: await registered() });
    expect(foreign.body.error).toBe("invalid_grant");
    expect((await rawMcp(String(first.body.access_token))).status).toBe(200);
    const rotated = await tokenRequest(refresh);
    expect(rotated.status).toBe(200);
    expect(rotated.body.refresh_token).not.toBe(refresh.refresh_token);
    expect((await rawMcp(String(rotated.body.access_token))).status).toBe(200);
  });

  test("a signed-in user's consent needs the page's CSRF token; denying sends access_denied back", async () => {
    const clientId = await registered();
    const html = await (await fetch(authorizeUrl(clientId))).text();
    const signedIn = await submitConsent(server.url, html, { email: USER.email, password: USER.password, api: "cdp", decision: "allow" });
    const cookie = signedIn.cookie ?? "";
    expect(cookie).toMatch(/^mg_session=/);
    const page = await (await fetch(authorizeUrl(clientId), { headers: { cookie } })).text();
    expect(page).toContain(`Signed in as <strong>${USER.email}</strong>`);
    const fields = hiddenFields(page);
    expect(fields.get("csrf_token")).toBeTruthy();
    const forged = await submitConsent(server.url, page.replace(/name="csrf_token" value="[^"]*"/, 'name="csrf_token" value="forged"'), { api: "cdp", decision: "allow" }, cookie);
    expect(forged.status).toBe(403);
    const denied = await submitConsent(server.url, page, { api: "cdp", decision: "deny" }, cookie);
    expect(denied.status).toBe(303);
    expect(denied.location?.searchParams.get("error")).toBe("access_denied");
    const foreignOrigin = await fetch(`${server.url}/oauth/authorize`, { method: "POST", body: fields, headers: { origin: "https://evil.example", cookie }, redirect: "manual" });
    expect(foreignOrigin.status).toBe(403);
    // Declining needs no sign-in (the Deny button skips the form's required fields).
    const fresh = await (await fetch(authorizeUrl(clientId))).text();
    expect(fresh).toContain('value="deny" formnovalidate');
    const declined = await submitConsent(server.url, fresh, { decision: "deny" });
    expect(declined.status).toBe(303);
    expect(declined.location?.searchParams.get("error")).toBe("access_denied");
    expect(declined.location?.searchParams.get("state")).toBe("s1");
  });

  test("an access token for another audience, or used as an API JWT, is refused", async () => {
    const now = Math.floor(Date.parse(NOW) / 1000);
    const foreign = await new SignJWT({ wid: "acme", gid: "g", client_id: "c", scope: "cdp" })
      .setProtectedHeader({ alg: "HS256", typ: "at+jwt" })
      .setIssuer(server.url)
      .setAudience("https://other.example/mcp")
      .setSubject(USER.email)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(server.runtime.keys.oauthAccess);
    const res = await rawMcp(foreign);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("issued for another resource");

    const provider = new MemoryOAuthProvider();
    const client = await connectThroughOAuth(provider, ["tapemetric"]);
    await client.close();
    const api = await server.get("/v1/analytics/overview", { authorization: `Bearer ${provider.saved?.access_token ?? ""}` });
    expect(api.status).toBe(401);
    expect(api.body).toEqual({ error: "unauthorized", message: "The token is invalid." });
  });

  test("a confidential client gets a secret once and must present it at the token endpoint", async () => {
    const res = await server.request("/oauth/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ client_name: "Server-side assistant", redirect_uris: ["https://assistant.example/cb"], token_endpoint_auth_method: "client_secret_basic" }),
    });
    expect(res.status).toBe(201);
    expect(res.body.client_secret).toMatch(/^mg_cs_/);
    const wrong = await fetch(`${server.url}/oauth/token`, {
      method: "POST",
      headers: { authorization: `Basic ${Buffer.from(`${res.body.client_id}:mg_cs_wrong`).toString("base64")}` },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: "mg_rt_x" }),
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: "invalid_client", error_description: "Client authentication failed." });
    const right = await fetch(`${server.url}/oauth/token`, {
      method: "POST",
      headers: { authorization: `Basic ${Buffer.from(`${res.body.client_id}:${res.body.client_secret}`).toString("base64")}` },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: "mg_rt_x" }),
    });
    expect(right.status).toBe(400);
    expect(((await right.json()) as { error: string }).error).toBe("invalid_grant");
  });

  test("registration needs redirect URIs that are https or loopback http", async () => {
    const res = await server.request("/oauth/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ redirect_uris: ["http://evil.example/cb"] }),
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: "invalid_redirect_uri", error_description: 'redirect_uri "http://evil.example/cb" must use https (or http to localhost).' });
  });
});

describe("Client ID Metadata Documents: what the server will not fetch", () => {
  test("loopback without the opt-in, private and link-local addresses, http, redirects and oversized documents", async () => {
    const strict = new ClientDocuments();
    await expect(strict.resolve(`${host.url}${CLIENT_DOC_PATH}`)).rejects.toThrow("is not a public address");
    await expect(strict.resolve("https://10.1.2.3/client.json")).rejects.toThrow("is not a public address");
    await expect(strict.resolve("https://169.254.169.254/latest/meta-data")).rejects.toThrow("is not a public address");
    await expect(strict.resolve("https://[::1]/client.json")).rejects.toThrow("is not a public address");
    await expect(strict.resolve("http://example.com/client.json")).rejects.toThrow("must use https");
    await expect(strict.resolve("https://example.com/")).rejects.toThrow("needs a path");
    const local = new ClientDocuments({ allowLoopback: true, extraCa: readFileSync(host.cert, "utf8") });
    await expect(local.resolve(`${host.url}/moved.json`)).rejects.toThrow("redirects are not followed");
    await expect(local.resolve(`${host.url}/big.json`)).rejects.toThrow("is larger than");
    await expect(local.resolve(`${host.url}/nothing.json`)).rejects.toThrow("HTTP 404");
    const impatient = new ClientDocuments({ allowLoopback: true, extraCa: readFileSync(host.cert, "utf8"), timeoutMs: 300 });
    await expect(impatient.resolve(`${host.url}/slow.json`)).rejects.toThrow("timed out");
    await expect(local.resolve(`${host.url}${CLIENT_DOC_PATH}`)).resolves.toMatchObject({ clientName: "Hosted assistant", redirectUris: [REDIRECT_URI] });
  });
});
