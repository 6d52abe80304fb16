// Every GET endpoint of the catalog through the real HTTP server, over the demo data at BENCH_SCALE
// raw events per family (default 1,000,000), with default parameters (the query API's with a sample
// question): uncached and cached p50/p95; with BENCH_STORE=clickhouse on
// ClickHouse too.

import { CATALOG } from "../shared/catalog/index.ts";
import { buildRequest } from "../shared/client/request.ts";
import { seedWorkspace } from "../shared/seed/demo.ts";
import { benchArguments, benchServer, httpSend, reportStores, time, type BenchContext, type BenchStore, type Row } from "./lib.ts";

const NOW = "2026-03-18T15:30:00Z";

async function measure(store: BenchStore, context: BenchContext, scale: number): Promise<Row[]> {
  const prepare = async (runtime: Parameters<Parameters<typeof benchServer>[0]["prepare"]>[0]) => {
    await seedWorkspace(runtime, { workspaceId: "bench", scale, nowMs: Date.parse(NOW) });
  };
  const uncached = await benchServer({ name: `catalog-${scale}`, now: NOW, cacheTtl: 0, prepare, store, context });
  const apiKey = await uncached.runtime.accounts.currentApiKey("bench");
  const { token } = await uncached.runtime.accounts.issueServiceToken("bench", "bench");
  const rows: Row[] = [];
  const gets = CATALOG.filter((e) => e.method === "GET");
  for (const endpoint of gets) {
    const request = buildRequest(uncached.url, endpoint, benchArguments(endpoint), { apiKey, token });
    rows.push({ name: `${endpoint.name} (uncached)`, timing: await time(() => httpSend(request), 15) });
  }
  await uncached.close();
  const cached = await benchServer({ name: `catalog-${scale}`, now: NOW, cacheTtl: 600, prepare, store, context });
  for (const endpoint of gets) {
    const request = buildRequest(cached.url, endpoint, benchArguments(endpoint), { apiKey, token });
    rows.push({ name: `${endpoint.name} (cached)`, timing: await time(() => httpSend(request), 50) });
  }
  await cached.close();
  return rows;
}

export async function run(context: BenchContext): Promise<void> {
  const scale = Number(process.env.BENCH_SCALE ?? 1_000_000);
  const byStore: Partial<Record<BenchStore, Row[]>> = {};
  for (const store of context.stores) byStore[store] = await measure(store, context, scale);
  reportStores(`Catalog endpoints at scale ${scale.toLocaleString("en-US")} (default parameters, through HTTP)`, byStore);
}
