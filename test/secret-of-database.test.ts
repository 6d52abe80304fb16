// METRIGATE_SECRET against a database that keeps its generated secret beside it: a different one is
// refused at start, by name, rather than silently breaking every key and token made so far.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { cli as runCli, type CliResult } from "./support/processes.ts";

let dir: string;
let db: string;

/** The command with this file's database, and `env` on top. */
function cli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<CliResult> {
  return runCli({ ...process.env, METRIGATE_DB: db, ...env }, ...args);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "metrigate-secret-"));
  db = join(dir, "m.duckdb");
  expect((await cli({}, "workspace", "create", "acme")).code).toBe(0);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("another METRIGATE_SECRET is refused by name for the server's commands and for import; the file's own is accepted", { timeout: 60_000 }, async () => {
  const other = { METRIGATE_SECRET: "a-totally-different-secret-value-1234567890" };
  const key = await cli(other, "key", "create", "--workspace", "acme");
  expect(key.code).toBe(1);
  expect(key.stderr.trim()).toBe(
    `metrigate: METRIGATE_SECRET differs from the secret kept beside this database (${db}.secret); unset METRIGATE_SECRET, or set it ` +
      `to that file's contents, or, if the keys and tokens were made with this METRIGATE_SECRET, remove that stray file.`,
  );
  const file = join(dir, "clicks.ndjson");
  writeFileSync(file, '{"click_id":"c1","ts":"2026-03-18T10:00:00Z","offer":"O"}\n');
  expect((await cli(other, "import", "--workspace", "acme", "tr_clicks", file)).stderr).toContain("METRIGATE_SECRET differs");
  const same = await cli({ METRIGATE_SECRET: readFileSync(`${db}.secret`, "utf8").trim() }, "key", "create", "--workspace", "acme");
  expect(same.code, same.stderr).toBe(0);
});

test("a database made with METRIGATE_SECRET, started without it, is refused rather than given a new secret", { timeout: 60_000 }, async () => {
  const made = join(dir, "with-env.duckdb");
  const secret = { METRIGATE_DB: made, METRIGATE_SECRET: "the-secret-these-keys-were-made-with-0123456789" };
  expect((await cli(secret, "workspace", "create", "acme")).code).toBe(0);
  expect(existsSync(`${made}.secret`)).toBe(false);
  const without = await cli({ METRIGATE_DB: made }, "key", "create", "--workspace", "acme");
  expect(without.code).toBe(1);
  expect(without.stderr.trim()).toBe(
    `metrigate: METRIGATE_SECRET is not set and ${made}.secret does not exist, yet the database does: its keys and tokens were made with a METRIGATE_SECRET; set it again.`,
  );
  expect(existsSync(`${made}.secret`)).toBe(false);
  expect((await cli(secret, "key", "create", "--workspace", "acme")).code).toBe(0);
});
