// `npm run bench [suite ...]`: runs the benchmark suites one after another and prints their figures.

const SUITES: Record<string, () => Promise<{ run(): Promise<void> }>> = {
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
for (const [name, load] of Object.entries(SUITES)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.log(`\n== ${name} ==`);
  const suite = await load();
  await suite.run();
}
