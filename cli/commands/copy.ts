// `metrigate copy --to clickhouse` (CONTRACT §14): a DuckDB database's data, workspaces and credentials into
// ClickHouse, idempotently.

import { deriveKeys, loadSecret } from "../../shared/auth/secrets.ts";
import { claimSharedSecret } from "../../shared/auth/shared-secret.ts";
import { configFromEnv } from "../../shared/config.ts";
import { copyAccounts, copyData } from "../../shared/store/copy.ts";
import { DuckDbStore } from "../../shared/store/duckdb.ts";
import { UsageError, type Command } from "../command.ts";
import { progressBar } from "../progress.ts";

export const copy: Command = {
  words: ["copy"],
  usage: "copy --to clickhouse",
  summary:
    "Copy every workspace's data, users, API keys and tokens from the DuckDB file (METRIGATE_DB) into ClickHouse (CLICKHOUSE_*); safe to repeat.",
  options: { to: { type: "string" } },
  async run(ctx) {
    if (ctx.values.to !== "clickhouse") throw new UsageError("--to must be clickhouse (the only store to move up to).");
    const config = configFromEnv({ ...ctx.env, METRIGATE_STORE: "clickhouse" });
    // Loaded only here, so other commands start without the ClickHouse client.
    const { ClickHouseStore, clickHouseOptionsOf } = await import("../../shared/store/clickhouse.ts");
    const target = await ClickHouseStore.open(clickHouseOptionsOf(config));
    try {
      // The keys and tokens copied were made with this database's secret: the servers must use the same one.
      await claimSharedSecret(target, deriveKeys(loadSecret(config.secret, config.dbPath, { existed: true })).fingerprint);
      const source = await DuckDbStore.open(config.dbPath);
      try {
        const started = Date.now();
        const accounts = await copyAccounts(source, target);
        const workspaces = (await source.query<{ id: string }>("SELECT id FROM mg_workspaces ORDER BY id")).map((w) => w.id);
        const bar = progressBar(ctx);
        const copied = await copyData(source, target, workspaces, bar?.update).finally(() => bar?.stop());
        const rows = copied.reduce((sum, t) => sum + t.rows, 0);
        const seconds = (Date.now() - started) / 1000;
        ctx.print(`Copied ${rows} rows and the accounts of ${workspaces.length} workspaces into ClickHouse in ${seconds.toFixed(1)} s.`, {
          workspaces: workspaces.length,
          rows,
          seconds,
          accounts,
          tables: copied,
        });
        return 0;
      } finally {
        await source.close();
      }
    } finally {
      await target.close();
    }
  },
};
