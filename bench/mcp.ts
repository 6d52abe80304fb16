// What the MCP face costs on top of the HTTP API: every catalog tool with default arguments (the query
// API's with a sample question) as a plain HTTP request, as a tool call over Streamable HTTP (/mcp) and
// as a tool call in remote mode, on the demo data at BENCH_SCALE raw events per family (default 1,000,000). The server cache is on, so the figures show the
// overhead rather than the SQL; the remote client's own cache is off. With BENCH_STORE=clickhouse on
// ClickHouse too.

import { Client, InMemoryTransport, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { remoteBackend } from "../mcp-server/backends.ts";
import { createServer } from "../mcp-server/server.ts";
import { CATALOG } from "../shared/catalog/index.ts";
import { buildRequest } from "../shared/client/request.ts";
import { RemoteConnections } from "../shared/client/remote-connections.ts";
import { seedWorkspace } from "../shared/seed/demo.ts";
import { benchArguments, benchServer, httpSend, reportStores, time, type BenchContext, type BenchStore, type Row } from "./lib.ts";

const NOW = "2026-03-18T15:30:00Z";
const UNLIMITED = { quota: 1e9, windowMs: 60_000 };

async function callOrThrow(client: Client, name: string, args: Record<string, unknown>): Promise<void> {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
}

async function measure(store: BenchStore, context: BenchContext, scale: number): Promise<Row[]> {
  const server = await benchServer({
    name: `catalog-${scale}`,
    now: NOW,
    cacheTtl: 600,
    store,
    context,
    prepare: (runtime) => seedWorkspace(runtime, { workspaceId: "bench", scale, nowMs: Date.parse(NOW) }),
  });
  const apiKey = await server.runtime.accounts.currentApiKey("bench");
  const { token } = await server.runtime.accounts.issueServiceToken("bench", "bench-mcp");

  const overHttp = new Client({ name: "bench", version: "1" });
  await overHttp.connect(
    new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${token}`, "X-Api-Key": apiKey } },
    }),
  );
  const remote = RemoteConnections.fromSettings(
    { METRIGATE_URL: server.url, METRIGATE_API_KEY: apiKey, METRIGATE_TOKEN: token },
    { cacheTtlSeconds: 0, minTime: 0, limits: { jwt: UNLIMITED, api_key: UNLIMITED } },
  );
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await createServer({ backend: remoteBackend(remote) }).connect(serverSide);
  const overRemote = new Client({ name: "bench", version: "1" });
  await overRemote.connect(clientSide);

  const rows: Row[] = [];
  for (const endpoint of CATALOG.filter((e) => e.readOnly)) {
    const args = benchArguments(endpoint);
    const request = buildRequest(server.url, endpoint, args, { apiKey, token });
    const http = await time(() => httpSend(request), 50);
    rows.push({ name: `${endpoint.name} ${endpoint.method}`, timing: http });
    rows.push({ name: `${endpoint.name} tool over /mcp`, timing: await time(() => callOrThrow(overHttp, endpoint.name, args), 50), reference: http });
    rows.push({ name: `${endpoint.name} tool, remote mode`, timing: await time(() => callOrThrow(overRemote, endpoint.name, args), 50), reference: http });
  }
  await overHttp.close();
  await overRemote.close();
  await remote.close();
  await server.close();
  return rows;
}

export async function run(context: BenchContext): Promise<void> {
  const scale = Number(process.env.BENCH_SCALE ?? 1_000_000);
  const byStore: Partial<Record<BenchStore, Row[]>> = {};
  for (const store of context.stores) byStore[store] = await measure(store, context, scale);
  reportStores(`MCP tool calls against plain GETs at scale ${scale.toLocaleString("en-US")} (server cache on; ratio = against the GET)`, byStore);
}
