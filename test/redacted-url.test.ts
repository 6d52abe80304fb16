// Service URLs in messages: a password in CLICKHOUSE_URL or REDIS_URL never reaches the terminal or a log.

import { expect, test } from "vitest";
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
  expect(message).toBe("CLICKHOUSE_URL: cannot reach ClickHouse at http://u:***@127.0.0.1:1/ (connect ECONNREFUSED 127.0.0.1:1).");
  expect(startupError(new Error("boom"), options).message).not.toContain("hunter2pw");
});
