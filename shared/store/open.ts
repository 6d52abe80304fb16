// Opens the stores a process works on: the analytics store METRIGATE_STORE names, and the DuckDB file that
// keeps workspaces and credentials (the same store, unless the analytics data lives in ClickHouse).

import type { Config } from "../config.ts";
import { DuckDbStore } from "./duckdb.ts";
import type { Store } from "./store.ts";

/** `duckdbMemoryLimit`: DuckDB's memory bound for this process (see DuckDbStore.open). */
export async function openStores(config: Config, options: { duckdbMemoryLimit?: string } = {}): Promise<{ store: Store; accountStore: Store }> {
  const duckdb = { memoryLimit: options.duckdbMemoryLimit };
  if (config.storeKind === "clickhouse") {
    // Loaded only when used, so DuckDB-only processes (every CLI command) start without the client.
    const { ClickHouseStore } = await import("./clickhouse.ts");
    const store = await ClickHouseStore.open({
      url: config.clickhouseUrl,
      user: config.clickhouseUser,
      password: config.clickhousePassword,
      database: config.clickhouseDatabase,
    });
    return { store, accountStore: await DuckDbStore.open(config.dbPath, duckdb) };
  }
  const store = await DuckDbStore.open(config.dbPath, duckdb);
  return { store, accountStore: store };
}

/** Closes what openStores opened. */
export async function closeStores({ store, accountStore }: { store: Store; accountStore: Store }): Promise<void> {
  await store.close();
  if (accountStore !== store) await accountStore.close();
}
