// Service URLs in messages and settings: a password in CLICKHOUSE_URL or REDIS_URL never reaches the
// terminal or a log, and one in METRIGATE_PUBLIC_URL is refused before it could be published.

import { expect, test } from "vitest";
import { configFromEnv } from "../shared/config.ts";
import { publicOrigin } from "../shared/export/parquet-exports.ts";
import { redactedUrl } from "../shared/redacted-url.ts";
import { startupError } from "../shared/store/clickhouse.ts";

test("the password of a service URL is replaced, the rest kept", () => {
  expect(redactedUrl("http://u:hunter2pw@127.0.0.1:8123/db")).toBe("http://u:***@127.0.0.1:8123/db");
  expect(redactedUrl("redis://127.0.0.1:6379")).toBe("redis://127.0.0.1:6379");
  expect(redactedUrl("not a url")).toBe("(not a URL)");
});

test("ClickHouse start-up errors name CLICKHOUSE_URL without its password", () => {
  const options = { url: "http://u:hunter2pw@127.0.0.1:1", user: "u", password: "p", database: "d" };
  const unreachable = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
  const message = startupError(unreachable, options).message;
  expect(message).toBe("CLICKHOUSE_URL: cannot reach ClickHouse at http://u:***@127.0.0.1:1 (connect ECONNREFUSED 127.0.0.1:1).");
  expect(startupError(new Error("boom"), options).message).not.toContain("hunter2pw");
});

test("settings that would publish a password, or a switch given an unknown word, are refused by name", () => {
  expect(() => publicOrigin("https://user:pw@metrics.example.com")).toThrow(
    "METRIGATE_PUBLIC_URL must not carry a user name or password; give the address only, such as https://metrics.example.com.",
  );
  expect(publicOrigin("https://metrics.example.com/")).toBe("https://metrics.example.com");
  expect(() => publicOrigin("https://a.example/?x=1")).toThrow('METRIGATE_PUBLIC_URL must not have a query or fragment, got "https://a.example/?x=1".');
  expect(configFromEnv({ METRIGATE_OAUTH_CIMD_ALLOW_LOOPBACK: "true" }).clientDocuments.allowLoopback).toBe(true);
  expect(configFromEnv({}).clientDocuments.allowLoopback).toBe(false);
  expect(() => configFromEnv({ METRIGATE_OAUTH_CIMD_ALLOW_LOOPBACK: "maybe" })).toThrow('METRIGATE_OAUTH_CIMD_ALLOW_LOOPBACK must be 1 (on) or 0 (off), got "maybe".');
});
