// Operator commands for data: deterministic demo data and file imports (CONTRACT §3, §8).

import { requireString, UsageError, type Command } from "../command.ts";
import { withImporter, withRuntime } from "../open.ts";
import { progressBar } from "../progress.ts";
import { NotFound } from "../../shared/errors.ts";

export const seed: Command = {
  words: ["seed"],
  usage: "seed [--workspace demo] [--scale N]",
  summary: "Generate deterministic demo data (N ≈ raw events per family), replacing the workspace's data.",
  options: { workspace: { type: "string" }, scale: { type: "string" } },
  run: (ctx) =>
    withRuntime(ctx.env, async (runtime) => {
      // The seed's generators are loaded only for this command, not for an import.
      const { DEFAULT_SCALE, DEMO_WORKSPACE, seedWorkspace } = await import("../../shared/seed/demo.ts");
      const workspaceId = typeof ctx.values.workspace === "string" ? ctx.values.workspace : DEMO_WORKSPACE;
      const scale = ctx.values.scale === undefined ? DEFAULT_SCALE : Number(ctx.values.scale);
      if (!Number.isInteger(scale) || scale < 1 || scale > 100_000_000) throw new UsageError("--scale must be a whole number from 1 to 100000000.");
      // Only the demo workspace is made on the way: a mistyped name must not become a new tenant.
      if (workspaceId !== DEMO_WORKSPACE && !(await runtime.accounts.findWorkspace(workspaceId))) {
        throw new NotFound(`Workspace "${workspaceId}" does not exist; create it first with \`metrigate workspace create ${workspaceId}\` (seed makes only "${DEMO_WORKSPACE}" by itself).`);
      }
      const started = Date.now();
      const bar = progressBar(ctx);
      try {
        await seedWorkspace(runtime, { workspaceId, scale, nowMs: runtime.clock.now().getTime(), onProgress: bar?.update });
      } finally {
        bar?.stop();
      }
      const seconds = (Date.now() - started) / 1000;
      ctx.print(`Seeded workspace ${workspaceId} at scale ${scale} in ${seconds.toFixed(1)} s.`, { workspace: workspaceId, scale, seconds });
      return 0;
    }),
};

export const importFile: Command = {
  words: ["import"],
  usage: "import --workspace W <table> <file>",
  summary: "Import an NDJSON (.ndjson, .jsonl) or CSV file, gzip-compressed (.gz) or not, into one table, all or nothing.",
  positionals: 2,
  options: { workspace: { type: "string" } },
  run: (ctx) =>
    withImporter(ctx.env, async (importer) => {
      const workspace = requireString(ctx.values, "workspace");
      const [table, file] = ctx.positionals;
      const bar = progressBar(ctx);
      let rows: number;
      try {
        rows = await importer.importFile(workspace, table, file, { onProgress: bar?.update });
      } finally {
        bar?.stop();
      }
      ctx.print(`Imported ${rows} ${rows === 1 ? "row" : "rows"} into ${table} of workspace ${workspace}.`, { workspace, table, rows });
      return 0;
    }),
};
