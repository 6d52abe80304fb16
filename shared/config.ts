// Settings from the environment (CONTRACT §3); every one has a working default.

import { InvalidInput } from "./errors.ts";

export interface Config {
  port: number;
  host: string;
  dbPath: string;
  now: string | undefined;
  secret: string | undefined;
  storeKind: "duckdb" | "clickhouse";
  clickhouseUrl: string;
  clickhouseUser: string;
  clickhousePassword: string;
  clickhouseDatabase: string;
  redisUrl: string | undefined;
  cacheTtlSeconds: number;
  /** Origin of links the server hands out (export downloads); unset: the address it listens on. */
  publicUrl: string | undefined;
  /** Browser origins (host names) allowed to call /mcp besides loopback and the public URL's host. */
  mcpAllowedOrigins: string[];
  /** Largest `POST /v1/ingest` body, in bytes after any gzip decompression (it is streamed to a temporary file). */
  ingestMaxBytes: number;
  /**
   * OAuth clients identified by a metadata document URL: loopback hosts are refused unless
   * METRIGATE_OAUTH_CIMD_ALLOW_LOOPBACK=1 (tests only); METRIGATE_OAUTH_CIMD_CA_FILE adds trusted certificates.
   */
  clientDocuments: { allowLoopback: boolean; caFile: string | undefined };
}

function integer(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidInput(`${name} must be a whole number from ${min} to ${max}, got "${value}".`);
  return n;
}

/** A switch: 1/true/yes turns it on, 0/false/no or nothing leaves it off; anything else is a clear error. */
function onOff(name: string, value: string | undefined): boolean {
  const word = (value ?? "").trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(word)) return true;
  if (["", "0", "false", "no", "off"].includes(word)) return false;
  throw new InvalidInput(`${name} must be 1 (on) or 0 (off), got "${value}".`);
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Config {
  const storeKind = env.METRIGATE_STORE || "duckdb";
  if (storeKind !== "duckdb" && storeKind !== "clickhouse") {
    throw new InvalidInput(`METRIGATE_STORE must be duckdb or clickhouse, got "${storeKind}".`);
  }
  return {
    port: integer("PORT", env.PORT, 8787, 0, 65535),
    host: env.HOST || "127.0.0.1",
    dbPath: env.METRIGATE_DB || "./data/metrigate.duckdb",
    now: env.METRIGATE_NOW || undefined,
    secret: env.METRIGATE_SECRET || undefined,
    storeKind,
    clickhouseUrl: env.CLICKHOUSE_URL || "http://127.0.0.1:8123",
    clickhouseUser: env.CLICKHOUSE_USER || "default",
    clickhousePassword: env.CLICKHOUSE_PASSWORD ?? "",
    clickhouseDatabase: env.CLICKHOUSE_DATABASE || "metrigate",
    redisUrl: env.REDIS_URL || undefined,
    cacheTtlSeconds: integer("METRIGATE_CACHE_TTL", env.METRIGATE_CACHE_TTL, 60, 0, 86_400),
    publicUrl: env.METRIGATE_PUBLIC_URL || undefined,
    mcpAllowedOrigins: (env.METRIGATE_MCP_ORIGINS ?? "")
      .split(",")
      .map((name) => name.trim())
      .filter((name) => name !== ""),
    ingestMaxBytes: integer("METRIGATE_INGEST_MAX_BYTES", env.METRIGATE_INGEST_MAX_BYTES, 4 * 1024 ** 3, 1, Number.MAX_SAFE_INTEGER),
    clientDocuments: {
      allowLoopback: onOff("METRIGATE_OAUTH_CIMD_ALLOW_LOOPBACK", env.METRIGATE_OAUTH_CIMD_ALLOW_LOOPBACK),
      caFile: env.METRIGATE_OAUTH_CIMD_CA_FILE || undefined,
    },
  };
}
