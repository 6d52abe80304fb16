// Wires the core together from a Config: store, accounts, engine, cache, limits, importer.

import { Redis } from "ioredis";
import { Accounts } from "./auth/accounts.ts";
import { DEFAULT_LOGIN_POLICIES, LoginThrottle } from "./auth/login-throttle.ts";
import { deriveKeys, loadSecret, type Keys } from "./auth/secrets.ts";
import { ResultCache } from "./cache/result-cache.ts";
import type { HostServices } from "./catalog/define.ts";
import { clockFromEnv, type Clock } from "./clock.ts";
import type { Config } from "./config.ts";
import { Engine } from "./engine.ts";
import { exportsDirFor, ParquetExports } from "./export/parquet-exports.ts";
import { Importer } from "./import/importer.ts";
import { RateLimits, type LimitPolicy } from "./limits/rate-limits.ts";
import { closeStores, openStores } from "./store/open.ts";
import type { Store } from "./store/store.ts";

export interface Runtime {
  config: Config;
  clock: Clock;
  keys: Keys;
  store: Store;
  /**
   * Where workspaces and credentials live: the DuckDB file (METRIGATE_DB) in both modes for now; with
   * ClickHouse the analytics data moves, the accounts stay with the server (docs/scale-out.md).
   */
  accountStore: Store;
  accounts: Accounts;
  cache: ResultCache;
  engine: Engine;
  importer: Importer;
  limits: RateLimits;
  loginThrottle: LoginThrottle;
  exports: ParquetExports;
  close(): Promise<void>;
}

export async function createRuntime(
  config: Config,
  options: {
    host?: HostServices;
    clock?: Clock;
    sharedLimits?: boolean;
    limitPolicies?: Partial<Record<"jwt" | "api_key", LimitPolicy>>;
    loginPolicies?: Partial<typeof DEFAULT_LOGIN_POLICIES>;
  } = {},
): Promise<Runtime> {
  const clock = options.clock ?? clockFromEnv(config.now);
  const stores = await openStores(config);
  const { store, accountStore } = stores;
  const keys = deriveKeys(loadSecret(config.secret, config.dbPath));
  const accounts = new Accounts(accountStore, keys, clock);
  const cache = new ResultCache(config.cacheTtlSeconds);
  const exports = new ParquetExports({ store, key: keys.urls, clock, dir: exportsDirFor(config.dbPath) }, config);
  const engine = new Engine({ store, clock, cache, host: options.host ?? exports.hostServices() });
  const importer = new Importer({ store, accounts, engine });
  // Operator commands serve no API traffic, so only servers join the shared (Redis) limits.
  const limits = new RateLimits({
    redisUrl: options.sharedLimits === false ? undefined : config.redisUrl,
    policies: options.limitPolicies,
  });
  const throttleRedis = options.sharedLimits === false || !config.redisUrl ? null : new Redis(config.redisUrl, { maxRetriesPerRequest: 2 });
  const loginThrottle = new LoginThrottle({ redis: throttleRedis, policies: options.loginPolicies });
  return {
    config,
    clock,
    keys,
    store,
    accountStore,
    accounts,
    cache,
    engine,
    importer,
    limits,
    loginThrottle,
    exports,
    async close() {
      await limits.close();
      throttleRedis?.disconnect();
      cache.close();
      await closeStores(stores);
    },
  };
}
