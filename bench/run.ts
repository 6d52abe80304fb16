// `npm run bench [suite ...]`: runs the benchmark suites one after another and prints their figures;
// BENCH_STORE=clickhouse measures every store-backed suite on DuckDB and on ClickHouse side by side.

import { benchContext, type BenchContext } from "./lib.ts";

const SUITES: Record<string, () => Promise<{ run(context: BenchContext): Promise<void> }>> = {
  catalog: () => import("./catalog.ts"),
  footprint: () => import("./footprint.ts"),
  import: () => import("./import.ts"),
  cdp: () => import("./cdp.ts"),
  mcp: () => import("./mcp.ts"),
  query: () => import("./query.ts"),
  tapemetric: () => import("./tapemetric.ts"),
  taprain: () => import("./taprain.ts"),
};

const wanted = process.argv.slice(2);
const context = benchContext(process.env);
try {
  for (const [name, load] of Object.entries(SUITES)) {
    if (wanted.length > 0 && !wanted.includes(name)) continue;
    console.log(`\n== ${name} ==`);
    const suite = await load();
    await suite.run(context);
  }
} finally {
  await context.close();
}
