// Opens the core for an operator command and always closes it, so the database lock is released.

import { Accounts } from "../shared/auth/accounts.ts";
import { deriveKeys, loadSecret } from "../shared/auth/secrets.ts";
import { clockFromEnv } from "../shared/clock.ts";
import { configFromEnv } from "../shared/config.ts";
import { Importer, scratchDirFor } from "../shared/import/importer.ts";
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
  // On ClickHouse an import also tells the other servers (the whole runtime's announcements).
  if (config.storeKind !== "duckdb") return withRuntime(env, ({ importer }) => fn(importer));
  const store = await DuckDbStore.open(config.dbPath, { memoryLimit: IMPORT_MEMORY_LIMIT });
  try {
    const accounts = new Accounts(store, deriveKeys(loadSecret(config.secret, config.dbPath)), clockFromEnv(config.now));
    // This process caches no answers, so an import makes none stale.
    return await fn(new Importer({ store, accounts, engine: { invalidate: async () => undefined }, scratchDir: scratchDirFor(config.dbPath) }));
  } finally {
    await store.close();
  }
}
