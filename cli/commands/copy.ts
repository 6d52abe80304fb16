// `metrigate copy --to clickhouse` (CONTRACT §14): a DuckDB database's data into ClickHouse, idempotently.

import { configFromEnv } from "../../shared/config.ts";
import { createRuntime } from "../../shared/runtime.ts";
import { copyData } from "../../shared/store/copy.ts";
import { UsageError, type Command } from "../command.ts";

export const copy: Command = {
  words: ["copy"],
  usage: "copy --to clickhouse",
  summary: "Copy every workspace's data from the DuckDB file (METRIGATE_DB) into ClickHouse (CLICKHOUSE_*); safe to repeat.",
  options: { to: { type: "string" } },
  async run(ctx) {
    if (ctx.values.to !== "clickhouse") throw new UsageError("--to must be clickhouse (the only store to move up to).");
    const runtime = await createRuntime(configFromEnv({ ...ctx.env, METRIGATE_STORE: "clickhouse" }), { sharedLimits: false });
    try {
      const started = Date.now();
      const workspaces = await runtime.accountStore.query<{ id: string }>("SELECT id FROM mg_workspaces ORDER BY id");
      const copied = await copyData(runtime.accountStore, runtime.store, workspaces.map((w) => w.id));
      const rows = copied.reduce((sum, t) => sum + t.rows, 0);
      const seconds = (Date.now() - started) / 1000;
      ctx.print(`Copied ${rows} rows of ${workspaces.length} workspaces into ClickHouse in ${seconds.toFixed(1)} s.`, { workspaces: workspaces.length, rows, seconds, tables: copied });
      return 0;
    } finally {
      await runtime.close();
    }
  },
};
