// OAuth for /mcp on ClickHouse (CONTRACT §12, §14): two servers sharing one engine and one Redis act as one
// authorization server — a client registered and authorised on A gets tokens that B accepts, a refresh
// token rotated on B cannot be reused on A (the whole grant is revoked, on both), and one authorization
// code redeemed on both servers at once is honoured once. Needs REDIS_URL (set by .ci/run).

import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { startClickHouseHttp, type ClickHouseHttp } from "../support/clickhouse-http.ts";
import { authorizeInBrowser, REDIRECT_URI } from "../support/oauth-client.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

vi.setConfig({ testTimeout: 60_000 });

const redisUrl = process.env.REDIS_URL;
const USER = { email: "ana@acme.test", password: "correct horse battery" };
let dir: string;
let engine: ClickHouseHttp;
let a: TestServer;
let b: TestServer;
let clientId: string;

beforeAll(async () => {
  if (!redisUrl) throw new Error("REDIS_URL is not set: run the scale-out tests through .ci/run or with a Redis on loopback.");
  dir = mkdtempSync(join(tmpdir(), "metrigate-ch-oauth-"));
  engine = await startClickHouseHttp({ dataDir: join(dir, "engine"), user: "metrigate", password: "s3cret" });
  await engine.command("CREATE DATABASE IF NOT EXISTS oauth_shared");
  const env = {
    METRIGATE_STORE: "clickhouse",
    CLICKHOUSE_URL: engine.url,
    CLICKHOUSE_USER: "metrigate",
    CLICKHOUSE_PASSWORD: "s3cret",
    CLICKHOUSE_DATABASE: "oauth_shared",
    REDIS_URL: redisUrl,
    METRIGATE_SECRET: randomBytes(24).toString("base64url"),
  };
  a = await startTestServer({ env });
  // Behind one load balancer both servers answer for one public URL: here, A's.
  b = await startTestServer({ env: { ...env, METRIGATE_PUBLIC_URL: a.url } });
  await a.workspace("acme");
  await a.runtime.accounts.createUser("acme", USER.email, USER.password);
  const registered = await a.request("/oauth/register", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_name: "Assistant", redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: "none" }),
  });
  expect(registered.status).toBe(201);
  clientId = String(registered.body.client_id);
}, 120_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
  await engine?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const resource = () => `${a.url}/mcp`;

/** Signs in and consents on A; the code and the PKCE verifier that redeem it. */
async function authorizeOnA(apis: string[]): Promise<{ code: string; verifier: string }> {
  const verifier = randomBytes(32).toString("base64url");
  const url = new URL(`${a.url}/oauth/authorize`);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
    state: randomBytes(8).toString("hex"),
    resource: resource(),
  }).toString();
  const answer = await authorizeInBrowser(a.url, url, USER, apis);
  return { code: answer.get("code") ?? "", verifier };
}

async function token(server: TestServer, fields: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server.url}/oauth/token`, { method: "POST", body: new URLSearchParams({ client_id: clientId, resource: resource(), ...fields }) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const redeem = (server: TestServer, grant: { code: string; verifier: string }) =>
  token(server, { grant_type: "authorization_code", code: grant.code, code_verifier: grant.verifier, redirect_uri: REDIRECT_URI });

/** The tools an access token sees on a server's /mcp (undefined when refused), and the status. */
async function toolsOn(server: TestServer, accessToken: unknown): Promise<{ status: number; tools?: string[] }> {
  const res = await fetch(`${server.url}/mcp`, {
    method: "POST",
    headers: { authorization: `Bearer ${String(accessToken)}`, "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-06-18" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
  });
  if (res.status !== 200) return { status: res.status };
  // The answer comes as one server-sent event; its data line is the JSON-RPC response.
  const data = (await res.text()).split("\n").find((line) => line.startsWith("data: ")) ?? "";
  const body = JSON.parse(data.slice("data: ".length)) as { result: { tools: { name: string }[] } };
  return { status: 200, tools: body.result.tools.map((t) => t.name) };
}

describe("OAuth on two ClickHouse-backed servers", () => {
  test("a token issued by A works on B, limited to the APIs the user allowed", async () => {
    const issued = await redeem(a, await authorizeOnA(["taprain"]));
    expect(issued.status).toBe(200);
    const onB = await toolsOn(b, issued.body.access_token);
    expect(onB.status).toBe(200);
    expect(onB.tools?.length).toBeGreaterThan(0);
    expect(onB.tools?.every((name) => name.startsWith("taprain_"))).toBe(true);
  });

  test("a refresh token rotated on B cannot be reused on A: the grant ends on both servers", async () => {
    const issued = await redeem(a, await authorizeOnA(["cdp"]));
    const rotated = await token(b, { grant_type: "refresh_token", refresh_token: String(issued.body.refresh_token) });
    expect(rotated.status).toBe(200);
    expect(rotated.body.refresh_token).not.toBe(issued.body.refresh_token);
    expect((await toolsOn(a, rotated.body.access_token)).status).toBe(200);

    const reused = await token(a, { grant_type: "refresh_token", refresh_token: String(issued.body.refresh_token) });
    expect(reused.status).toBe(400);
    expect(reused.body.error).toBe("invalid_grant");
    for (const server of [a, b]) expect((await toolsOn(server, rotated.body.access_token)).status).toBe(401);
    expect((await token(b, { grant_type: "refresh_token", refresh_token: String(rotated.body.refresh_token) })).status).toBe(400);
  });

  test("one code redeemed on both servers at once is honoured once", async () => {
    for (let round = 0; round < 3; round++) {
      const grant = await authorizeOnA(["tapemetric"]);
      const answers = await Promise.all([redeem(a, grant), redeem(b, grant)]);
      // At most one redemption succeeds; the other is refused, and a code used twice revokes what it gave
      // (RFC 6749 §4.1.2), so no token from it works afterwards, whichever server checks it.
      const statuses = answers.map((r) => r.status);
      expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(1);
      expect(statuses).toContain(400);
      for (const answer of answers.filter((r) => r.status === 200)) expect((await toolsOn(b, answer.body.access_token)).status).toBe(401);
    }
  });

  test("revocation on B ends the connection on A", async () => {
    const issued = await redeem(a, await authorizeOnA(["taprain", "cdp"]));
    expect((await toolsOn(a, issued.body.access_token)).status).toBe(200);
    const res = await fetch(`${b.url}/oauth/revoke`, { method: "POST", body: new URLSearchParams({ client_id: clientId, token: String(issued.body.refresh_token) }) });
    expect(res.status).toBe(200);
    expect((await toolsOn(a, issued.body.access_token)).status).toBe(401);
  });
});
