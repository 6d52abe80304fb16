// Wires the core together from a Config: store, accounts, engine, cache, limits, importer.

import { readFileSync } from "node:fs";
import { Redis } from "ioredis";
import { Accounts } from "./auth/accounts.ts";
import { DEFAULT_LOGIN_POLICIES, LoginThrottle } from "./auth/login-throttle.ts";
import { ClientDocuments } from "./auth/client-metadata-documents.ts";
import { OAuthServer } from "./auth/oauth.ts";
import { OAuthStore } from "./auth/oauth-store.ts";
import { deriveKeys, loadSecret, type Keys } from "./auth/secrets.ts";
import { ResultCache } from "./cache/result-cache.ts";
import type { HostServices } from "./catalog/define.ts";
import { clockFromEnv, type Clock } from "./clock.ts";
import type { Config } from "./config.ts";
import { Engine } from "./engine.ts";
import { exportsDirFor, ParquetExports } from "./export/parquet-exports.ts";
import { Importer } from "./import/importer.ts";
import { RateLimits, type LimitPolicy } from "./limits/rate-limits.ts";
import { DuckDbStore } from "./store/duckdb.ts";
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
  /** The OAuth authorization server for /mcp; its tables live with the accounts. */
  oauth: OAuthServer;
  exports: ParquetExports;
  close(): Promise<void>;
}

export async function openStore(config: Config): Promise<Store> {
  if (config.storeKind === "clickhouse") {
    // Loaded only when used, so DuckDB-only processes (every CLI command) start without the client.
    const { ClickHouseStore } = await import("./store/clickhouse.ts");
    return ClickHouseStore.open({
      url: config.clickhouseUrl,
      user: config.clickhouseUser,
      password: config.clickhousePassword,
      database: config.clickhouseDatabase,
    });
  }
  return DuckDbStore.open(config.dbPath);
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
  const store = await openStore(config);
  const accountStore = store.dialect === "clickhouse" ? await DuckDbStore.open(config.dbPath) : store;
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
  const oauth = new OAuthServer({
    store: new OAuthStore(accountStore, () => clock.now()),
    accounts,
    keys,
    clock,
    clientDocuments: new ClientDocuments({
      allowLoopback: config.clientDocuments.allowLoopback,
      extraCa: config.clientDocuments.caFile ? readFileSync(config.clientDocuments.caFile, "utf8") : undefined,
    }),
  });
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
    oauth,
    exports,
    async close() {
      await limits.close();
      throttleRedis?.disconnect();
      cache.close();
      await store.close();
      if (accountStore !== store) await accountStore.close();
    },
  };
}
