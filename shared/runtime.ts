// Wires the core together from a Config: store, accounts, engine, cache, limits, importer, announcements.

import { readFileSync } from "node:fs";
import { NO_ANNOUNCEMENTS } from "./announce/announcements.ts";
import { Accounts } from "./auth/accounts.ts";
import { DEFAULT_LOGIN_POLICIES, LoginThrottle } from "./auth/login-throttle.ts";
import { ClientDocuments } from "./auth/client-metadata-documents.ts";
import { OAuthServer } from "./auth/oauth.ts";
import { OAuthStore, processClaimOnce, redisClaimOnce } from "./auth/oauth-store.ts";
import { openShared, reportInBackground } from "./open-shared.ts";
import type { Keys } from "./auth/secrets.ts";
import { ResultCache } from "./cache/result-cache.ts";
import type { HostServices } from "./catalog/define.ts";
import { clockFromEnv, type Clock } from "./clock.ts";
import type { Config } from "./config.ts";
import { Engine } from "./engine.ts";
import { exportsDirFor, ParquetExports } from "./export/parquet-exports.ts";
import { Importer, scratchDirFor } from "./import/importer.ts";
import { RateLimits, type LimitPolicy } from "./limits/rate-limits.ts";
import type { Store } from "./store/store.ts";

export interface Runtime {
  config: Config;
  clock: Clock;
  keys: Keys;
  /** Analytics data, and the workspaces and credentials beside it (ClickHouse: shared by every server). */
  store: Store;
  accounts: Accounts;
  cache: ResultCache;
  engine: Engine;
  importer: Importer;
  limits: RateLimits;
  loginThrottle: LoginThrottle;
  /**
   * The OAuth authorization server for /mcp, its tables beside the accounts (in ClickHouse shared by every
   * server).
   */
  oauth: OAuthServer;
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
    /** Trouble that no request sees (a failed Redis announcement); default: one line on stderr. */
    onBackgroundError?: (error: unknown) => void;
  } = {},
): Promise<Runtime> {
  const clock = options.clock ?? clockFromEnv(config.now);
  const onBackgroundError = options.onBackgroundError ?? reportInBackground;
  // Operator commands serve no API traffic, so only servers join the shared (Redis) limits; on ClickHouse
  // every process announces the changes it makes. Redis is checked first: the quicker start-up error.
  const serving = options.sharedLimits !== false;
  const { store, sharedExports, redis, keys, announcements } = await openShared(config, { serving, onBackgroundError });
  const announcer = announcements ?? NO_ANNOUNCEMENTS;
  const accounts = new Accounts(store, keys, clock, announcer);
  const cache = new ResultCache(config.cacheTtlSeconds);
  const exports = new ParquetExports({ store, key: keys.urls, clock, dir: exportsDirFor(config.dbPath), shared: sharedExports }, config);
  const engine = new Engine({ store, clock, cache, host: options.host ?? exports.hostServices(), announcer });
  const importer = new Importer({ store, accounts, engine, scratchDir: scratchDirFor(config.dbPath) });
  const limits = new RateLimits({ redisUrl: serving ? config.redisUrl : undefined, policies: options.limitPolicies });
  const loginThrottle = new LoginThrottle({ redis: serving ? redis : null, policies: options.loginPolicies });
  const oauth = new OAuthServer({
    // One-time codes and refresh tokens: DuckDB marks them used in a transaction; ClickHouse servers claim
    // them through Redis (shared) or, without it, in this process (one server).
    store: new OAuthStore(store, () => clock.now(), redis ? redisClaimOnce(redis, `metrigate:${config.clickhouseDatabase}`) : processClaimOnce()),
    accounts,
    keys,
    clock,
    clientDocuments: new ClientDocuments({
      allowLoopback: config.clientDocuments.allowLoopback,
      extraCa: config.clientDocuments.caFile ? readFileSync(config.clientDocuments.caFile, "utf8") : undefined,
    }),
  });
  if (announcements && serving) {
    await announcements.listen((announcement) => {
      if (announcement.kind === "credentials") accounts.dropLookups();
      else cache.invalidateWorkspace(announcement.workspaceId);
    });
  }
  return {
    config,
    clock,
    keys,
    store,
    accounts,
    cache,
    engine,
    importer,
    limits,
    loginThrottle,
    oauth,
    exports,
    async close() {
      announcements?.close();
      await limits.close();
      redis?.disconnect();
      cache.close();
      await store.close();
    },
  };
}
