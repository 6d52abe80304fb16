// Opens what every process of a deployment shares: the store (DuckDB file or ClickHouse), Redis and its
// announcements, and the keys from the secret — without the rest of the core, so a command that only
// imports starts quickly.

import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Redis } from "ioredis";
import { connectRedis, RedisAnnouncements } from "./announce/announcements.ts";
import { deriveKeys, loadSecret, type Keys } from "./auth/secrets.ts";
import { claimSharedSecret } from "./auth/shared-secret.ts";
import type { Config } from "./config.ts";
import type { SharedExportFiles } from "./export/clickhouse-export-files.ts";
import { DuckDbStore } from "./store/duckdb.ts";
import type { Store } from "./store/store.ts";

interface OpenedStore {
  store: Store;
  /** Where export files are kept for every server (ClickHouse), if anywhere. */
  sharedExports?: SharedExportFiles;
}

async function openStore(config: Config): Promise<OpenedStore> {
  if (config.storeKind === "clickhouse") {
    // Loaded only when used, so DuckDB-only processes (every CLI command) start without the client.
    const { ClickHouseStore, clickHouseOptionsOf } = await import("./store/clickhouse.ts");
    const { ClickHouseExportFiles } = await import("./export/clickhouse-export-files.ts");
    const store = await ClickHouseStore.open(clickHouseOptionsOf(config));
    // No database file here, but the folder still holds this server's scratch: ingest bodies waiting for
    // their INSERT and local copies of export files.
    if (config.dbPath !== ":memory:") mkdirSync(dirname(config.dbPath), { recursive: true, mode: 0o700 });
    return { store, sharedExports: new ClickHouseExportFiles(store) };
  }
  return { store: await DuckDbStore.open(config.dbPath) };
}

/** Trouble that no request sees (a failed Redis announcement), by default: one line on stderr. */
export const reportInBackground = (e: unknown): void => console.error(`metrigate: ${e instanceof Error ? e.message : String(e)}`);

/** The Redis channel of one deployment: the servers sharing one ClickHouse database. */
function announcementChannel(config: Config): string {
  return `metrigate:${config.clickhouseDatabase}:announcements`;
}

export interface Shared extends OpenedStore {
  redis: Redis | null;
  keys: Keys;
  /** How this process tells the others of its changes (ClickHouse with Redis only). */
  announcements: RedisAnnouncements | null;
}

/**
 * Servers (`serving`) always join Redis; other processes only on ClickHouse, where every process announces
 * the changes it makes. Redis is checked first: the quicker start-up error. A ClickHouse database refuses a
 * process whose secret differs from the one its first server used.
 */
export async function openShared(config: Config, options: { serving: boolean; onBackgroundError: (error: unknown) => void }): Promise<Shared> {
  const redis: Redis | null =
    config.redisUrl && (options.serving || config.storeKind === "clickhouse") ? await connectRedis(config.redisUrl) : null;
  // Whether a DuckDB file was there before this start: it must then come with the secret its keys were made with.
  const existed = config.storeKind === "duckdb" && existsSync(config.dbPath);
  let opened: OpenedStore;
  try {
    opened = await openStore(config);
  } catch (error) {
    redis?.disconnect();
    throw error;
  }
  const { store } = opened;
  let keys: Keys;
  try {
    keys = deriveKeys(loadSecret(config.secret, config.dbPath, store.dialect === "duckdb" ? { existed } : undefined));
  } catch (error) {
    redis?.disconnect();
    await store.close();
    throw error;
  }
  if (store.dialect === "clickhouse") {
    await claimSharedSecret(store, keys.fingerprint).catch(async (error: unknown) => {
      redis?.disconnect();
      await store.close();
      throw error;
    });
  }
  const announcements = redis && store.dialect === "clickhouse" ? new RedisAnnouncements(redis, announcementChannel(config), options.onBackgroundError) : null;
  return { ...opened, redis, keys, announcements };
}
