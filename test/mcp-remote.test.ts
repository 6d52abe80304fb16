// Remote mode: the same tools against a running server over HTTP, through the remote client. Same answers
// as the HTTP API, answers reused from the cache, and a burst beyond the limit queued instead of failed.

import { Client, InMemoryTransport } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { remoteBackend } from "../mcp-server/backends.ts";
import { createServer } from "../mcp-server/server.ts";
import { endpointByName } from "../shared/catalog/index.ts";
import { RemoteConnections } from "../shared/client/remote-connections.ts";
import type { RemoteClientOptions } from "../shared/client/remote.ts";
import { ACME_ROWS, argumentSets, badArgumentSets, callTool, expectSameAnswer, familyHeaders, httpAnswer, NOW, seedRows, textOf } from "./support/mcp.ts";
import { startTestServer, type Credentials, type TestServer } from "./support/server.ts";

const opened: { client: Client; remote: RemoteConnections }[] = [];

/** An MCP client talking (in memory) to an MCP server whose tools call the server of the §16 settings over HTTP. */
async function remoteTools(settings: Record<string, string>, options: Omit<RemoteClientOptions, "baseUrl" | "credentials"> = {}): Promise<Client> {
  const remote = RemoteConnections.fromSettings(settings, options);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await createServer({ backend: remoteBackend(remote) }).connect(serverSide);
  const client = new Client({ name: "metrigate-test", version: "1.0.0" });
  await client.connect(clientSide);
  opened.push({ client, remote });
  return client;
}

afterAll(async () => {
  for (const { client, remote } of opened) {
    await client.close();
    await remote.close();
  }
});

describe("against a server with the default limits", () => {
  let server: TestServer;
  let acme: Credentials;

  beforeAll(async () => {
    server = await startTestServer({ now: NOW });
    acme = await server.workspace("acme");
    await seedRows(server, "acme", ACME_ROWS);
  });
  afterAll(() => server.close());

  test("every tool gives the HTTP API's answer, good arguments and bad", { timeout: 180_000 }, async () => {
    const client = await remoteTools({ METRIGATE_URL: server.url, METRIGATE_API_KEY: acme.apiKey, METRIGATE_TOKEN: acme.token });
    const { tools } = await client.listTools();
    let compared = 0;
    for (const tool of tools) {
      const endpoint = endpointByName(tool.name);
      if (!endpoint) throw new Error(`no endpoint for ${tool.name}`);
      const badZone = "timezone" in endpoint.params.shape ? [{ timezone: "Mars/Olympus" }] : [];
      for (const args of [...argumentSets(tool), ...badArgumentSets(tool), ...badZone]) {
        const http = await httpAnswer(server.url, endpoint, args, familyHeaders(endpoint, acme));
        expectSameAnswer(await callTool(client, tool.name, args), http, `${tool.name} ${JSON.stringify(args)}`);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(tools.length);
  });

  test("a tool whose family needs a credential the connector lacks says which one", async () => {
    const client = await remoteTools({ METRIGATE_URL: server.url, METRIGATE_TOKEN: acme.token });
    const result = await callTool(client, "taprain_stats", {});
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(
      "Taprain needs an API key: set METRIGATE_TAPRAIN_API_KEY or METRIGATE_API_KEY.",
    );
  });

  test("an unknown key gets the server's 401 sentence and the setting to check", async () => {
    const client = await remoteTools({ METRIGATE_URL: server.url, METRIGATE_API_KEY: "mg_live_revoked-or-made-up" });
    const result = await callTool(client, "taprain_stats", {});
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe("The API key is invalid. Check METRIGATE_API_KEY.");
  });

  test("the same call within the cache lifetime is answered without a request", async () => {
    const apiKey = await server.runtime.accounts.createApiKey("acme");
    const client = await remoteTools({ METRIGATE_URL: server.url, METRIGATE_API_KEY: apiKey });
    const first = await callTool(client, "taprain_stats", { range: "yesterday" });
    const second = await callTool(client, "taprain_stats", { range: "yesterday" });
    expect(second.structuredContent).toEqual(first.structuredContent);
    // One request for the two calls, then this one: 600 − 2 left.
    const check = await server.get("/api/v1/stats", { "X-Api-Key": apiKey });
    expect(check.headers.get("ratelimit-remaining")).toBe("598");
  });
});

describe("against a server with a small limit", () => {
  const QUOTA = 4;
  const WINDOW_MS = 1000;
  let server: TestServer;
  let tiny: Credentials;

  beforeAll(async () => {
    server = await startTestServer({ now: NOW, limitPolicies: { api_key: { name: "key", quota: QUOTA, windowMs: WINDOW_MS } } });
    tiny = await server.workspace("tiny");
    await seedRows(server, "tiny", ACME_ROWS);
  });
  afterAll(() => server.close());

  test("a burst of 10 calls beyond the quota is queued, paced and all answered", async () => {
    const client = await remoteTools(
      { METRIGATE_URL: server.url, METRIGATE_API_KEY: tiny.apiKey },
      { limits: { api_key: { quota: QUOTA, windowMs: WINDOW_MS } }, cacheTtlSeconds: 0 },
    );
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => callTool(client, "taprain_stats", { range: "today", offer: i % 2 === 0 ? "A" : "B" })),
    );
    const elapsed = Date.now() - started;
    expect(results.map((r) => r.isError ?? false)).toEqual(Array(10).fill(false));
    const clicks = results.map((r) => (r.structuredContent as { data: { summary: { clicks: number } } }).data.summary.clicks);
    // Offer A today: c1 only; offer B today: c3 and c4.
    expect(clicks).toEqual([1, 2, 1, 2, 1, 2, 1, 2, 1, 2]);
    // 10 calls at 4 per window need three windows: at least two window ends passed.
    expect(elapsed).toBeGreaterThanOrEqual(2 * WINDOW_MS);
  });


});

describe("against a server whose window outlasts a loaded machine's requests", () => {
  const QUOTA = 4;
  let slow: TestServer;

  beforeAll(async () => {
    slow = await startTestServer({ now: NOW, limitPolicies: { api_key: { name: "key", quota: QUOTA, windowMs: 5000 } } });
    await slow.workspace("tiny");
    await seedRows(slow, "tiny", ACME_ROWS);
  });
  afterAll(() => slow.close());

  test("a 429 the client did not foresee is waited out using Retry-After", async () => {
    const apiKey = await slow.runtime.accounts.createApiKey("tiny");
    // Someone else used the key's whole window before the connector started.
    const used = await Promise.all(Array.from({ length: QUOTA + 1 }, () => slow.get("/api/v1/stats", { "X-Api-Key": apiKey })));
    expect(used.map((r) => r.status).sort()).toEqual([...Array(QUOTA).fill(200), 429]);
    const waits: number[] = [];
    const client = await remoteTools({ METRIGATE_URL: slow.url, METRIGATE_API_KEY: apiKey }, { onRateLimited: ({ waitMs }) => waits.push(waitMs) });
    const result = await callTool(client, "taprain_stats", { range: "today" });
    expect(result.isError ?? false).toBe(false);
    expect((result.structuredContent as { data: { summary: { clicks: number } } }).data.summary.clicks).toBe(3);
    expect(waits.length).toBeGreaterThanOrEqual(1);
    expect(waits[0]).toBeGreaterThanOrEqual(1000);
  });
});

describe("waiting for a window: capped, reported, cancellable", () => {
  let server: TestServer;
  let acme: Credentials;

  beforeAll(async () => {
    server = await startTestServer({ now: NOW, limitPolicies: { api_key: { name: "key", quota: 1, windowMs: 4000 } } });
    acme = await server.workspace("acme");
    await seedRows(server, "acme", ACME_ROWS);
  });
  afterAll(() => server.close());

  test("a wait longer than the cap is a tool error with the host and the retry time, at once", async () => {
    const apiKey = await server.runtime.accounts.createApiKey("acme");
    const client = await remoteTools({ METRIGATE_URL: server.url, METRIGATE_API_KEY: apiKey }, { maxWaitMs: 500, cacheTtlSeconds: 0 });
    expect((await callTool(client, "taprain_stats", {})).isError ?? false).toBe(false);
    const started = Date.now();
    const over = await callTool(client, "taprain_stats", { range: "hour" });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(over.isError).toBe(true);
    const host = new URL(server.url).host;
    expect(textOf(over)).toMatch(new RegExp(`^rate limited by ${host.replace(/\./g, "\\.")}; retry in [1-5] s\\.$`));
  });

  test("a wait within the cap sends progress notifications, then answers", async () => {
    const apiKey = await server.runtime.accounts.createApiKey("acme");
    const client = await remoteTools({ METRIGATE_URL: server.url, METRIGATE_API_KEY: apiKey }, { maxWaitMs: 30_000, cacheTtlSeconds: 0 });
    expect((await callTool(client, "taprain_stats", {})).isError ?? false).toBe(false);
    const progress: string[] = [];
    const result = await client.callTool(
      { name: "taprain_stats", arguments: { range: "hour" } },
      { onprogress: (p) => progress.push(p.message ?? "") },
    );
    expect(result.isError ?? false).toBe(false);
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress[0]).toMatch(/^Waiting for the rate limit window: about [1-5] s\.$/);
  });

  test("a call cancelled while it waits is never sent", async () => {
    const apiKey = await server.runtime.accounts.createApiKey("acme");
    const client = await remoteTools({ METRIGATE_URL: server.url, METRIGATE_API_KEY: apiKey }, { maxWaitMs: 30_000, cacheTtlSeconds: 0 });
    expect((await callTool(client, "taprain_stats", {})).isError ?? false).toBe(false);
    const abort = new AbortController();
    const waiting = client.callTool({ name: "taprain_stats", arguments: { range: "hour" } }, { signal: abort.signal });
    await new Promise((resolve) => setTimeout(resolve, 300));
    abort.abort();
    await expect(waiting).rejects.toThrow();
    // Had the cancelled call gone out when its window opened, this one (quota 1) would be a 429.
    await new Promise((resolve) => setTimeout(resolve, 4500));
    const check = await server.get("/api/v1/stats", { "X-Api-Key": apiKey });
    expect(check.status).toBe(200);
    expect(check.headers.get("ratelimit-remaining")).toBe("0");
  });
});
