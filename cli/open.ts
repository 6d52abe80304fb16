// Opens the core for an operator command and always closes it, so the database lock is released.

import { existsSync } from "node:fs";
import { NO_ANNOUNCEMENTS } from "../shared/announce/announcements.ts";
import { Accounts } from "../shared/auth/accounts.ts";
import { deriveKeys, loadSecret } from "../shared/auth/secrets.ts";
import { clockFromEnv } from "../shared/clock.ts";
import { configFromEnv } from "../shared/config.ts";
import { Importer, scratchDirFor } from "../shared/import/importer.ts";
import { openShared, reportInBackground } from "../shared/open-shared.ts";
import type { Runtime } from "../shared/runtime.ts";
import { DuckDbStore } from "../shared/store/duckdb.ts";

export async function withRuntime<T>(env: NodeJS.ProcessEnv, fn: (runtime: Runtime) => Promise<T>): Promise<T> {
  // The whole core (endpoints, limits, exports) takes half a second to load: only commands that use it load it.
  const { createRuntime } = await import("../shared/runtime.ts");
  const runtime = await createRuntime(configFromEnv(env), { sharedLimits: false });
  try {
    return await fn(runtime);
  } finally {
    await runtime.close();
  }
}

/**
 * DuckDB's memory bound during `metrigate import`: with Node's own ~100 MB, the command stays under 1 GB
 * resident whatever the file's size (DuckDB spills the rest to `<database>.tmp/`).
 */
export const IMPORT_MEMORY_LIMIT = "512MB";

/** Opens only what an import needs (the store, the workspaces), so a file import starts quickly. */
export async function withImporter<T>(env: NodeJS.ProcessEnv, fn: (importer: Importer) => Promise<T>): Promise<T> {
  const config = configFromEnv(env);
  const clock = clockFromEnv(config.now);
  const scratchDir = scratchDirFor(config.dbPath);
  if (config.storeKind !== "duckdb") {
    // On ClickHouse an import also tells the other servers to drop the workspace's cached answers.
    const { store, redis, keys, announcements } = await openShared(config, { serving: false, onBackgroundError: reportInBackground });
    const announcer = announcements ?? NO_ANNOUNCEMENTS;
    try {
      const accounts = new Accounts(store, keys, clock, announcer);
      const engine = { invalidate: (workspaceId: string) => announcer.announce({ kind: "data", workspaceId }) };
      return await fn(new Importer({ store, accounts, engine, scratchDir }));
    } finally {
      announcements?.close();
      redis?.disconnect();
      await store.close();
    }
  }
  const existed = existsSync(config.dbPath);
  const store = await DuckDbStore.open(config.dbPath, { memoryLimit: IMPORT_MEMORY_LIMIT });
  try {
    const accounts = new Accounts(store, deriveKeys(loadSecret(config.secret, config.dbPath, { existed })), clock);
    // This process caches no answers, so an import makes none stale.
    return await fn(new Importer({ store, accounts, engine: { invalidate: async () => undefined }, scratchDir }));
  } finally {
    await store.close();
  }
}
