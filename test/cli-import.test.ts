// The CLI as an operator meets it: real processes over a real DuckDB file.

import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { DuckDbStore } from "../shared/store/duckdb.ts";
import { expectNeverBackwards, onTerminal } from "./support/terminal.ts";

const run = promisify(execFile);
// Each test starts several CLI processes; on a busy shared machine one start alone can take 15 s.
vi.setConfig({ testTimeout: 120_000 });
let dir: string;
let env: NodeJS.ProcessEnv;

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["bin/metrigate.mjs", ...args], { env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

async function countClicks(): Promise<number> {
  const store = await DuckDbStore.open(join(dir, "cli.duckdb"));
  try {
    const rows = await store.query<{ n: number }>("SELECT count(*) AS n FROM tr_clicks WHERE workspace_id = 'acme'");
    return rows[0].n;
  } finally {
    await store.close();
  }
}

/** A CSV file of `rows` clicks; the row numbered `bad` (if any) has a three-letter country. */
function clicksCsv(rows: number, bad = -1): string {
  const lines = ["click_id,ts,country,offer"];
  for (let i = 0; i < rows; i++) lines.push(`big${i},2026-03-18T10:${String(i % 60).padStart(2, "0")}:00Z,${i === bad ? "USA" : "US"},Alpha`);
  return `${lines.join("\n")}\n`;
}

const LARGE_ROWS = 600_000;
let largeClicks: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "metrigate-cli-"));
  largeClicks = join(dir, "large.csv");
  writeFileSync(largeClicks, clicksCsv(LARGE_ROWS));
  env = { ...process.env, METRIGATE_DB: join(dir, "cli.duckdb"), METRIGATE_NOW: "2026-03-18T15:30:00Z" };
  expect((await cli("workspace", "create", "acme", "--plan", "growth")).code).toBe(0);
  expect((await cli("workspace", "create", "bulk", "--plan", "growth")).code).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("metrigate import", () => {
  test("a good CSV file is imported and reported with --json", async () => {
    const file = join(dir, "clicks.csv");
    writeFileSync(file, 'click_id,ts,country,offer,source\nc1,2026-03-18T10:00:00Z,us,Alpha,\nc2,2026-03-18 11:00:00+01:00,,"Beta, Inc",google\n');
    const res = await cli("import", "--workspace", "acme", "tr_clicks", file, "--json");
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({ workspace: "acme", table: "tr_clicks", rows: 2 });
    expect(await countClicks()).toBe(2);
  });

  test("a bad row rejects the whole file, names the line and leaves the table unchanged", async () => {
    const file = join(dir, "bad.ndjson");
    writeFileSync(
      file,
      [
        JSON.stringify({ click_id: "c3", ts: "2026-03-18T12:00:00Z", offer: "Alpha" }),
        "",
        JSON.stringify({ click_id: "c4", ts: "2026-03-18T12:00:00Z", offer: "Alpha", country: "USA" }),
      ].join("\n"),
    );
    const res = await cli("import", "--workspace", "acme", "tr_clicks", file);
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toBe(`metrigate: ${file}: line 3: column "country" must be a two-letter country code, got "USA". Nothing was imported.`);
    expect(await countClicks()).toBe(2);
  });

  test("a bad CSV row does the same: the engine's fast reader declines and the careful path names the line", async () => {
    const file = join(dir, "bad.csv");
    writeFileSync(file, "click_id,ts,country,offer\nc5,2026-03-18T12:00:00Z,US,Alpha\nc6,2026-03-18T12:00:00Z,USA,Alpha\n");
    const res = await cli("import", "--workspace", "acme", "tr_clicks", file);
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toBe(`metrigate: ${file}: line 3: column "country" must be a two-letter country code, got "USA". Nothing was imported.`);
    expect(await countClicks()).toBe(2);
  });

  test("a missing file and a directory are named as such", async () => {
    const missing = join(dir, "nope.csv");
    const res = await cli("import", "--workspace", "acme", "tr_clicks", missing);
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toBe(`metrigate: No such file: ${missing}.`);
    const folder = join(dir, "folder.ndjson.gz");
    mkdirSync(folder);
    const res2 = await cli("import", "--workspace", "acme", "tr_clicks", folder);
    expect(res2.code).toBe(1);
    expect(res2.stderr.trim()).toBe(`metrigate: ${folder} is a directory, not a file.`);
  });

  test("unknown and missing columns are rejected with the header line", async () => {
    const unknown = join(dir, "unknown.csv");
    writeFileSync(unknown, "click_id,ts,offer,campaign\nc5,2026-03-18T12:00:00Z,Alpha,x\n");
    const res = await cli("import", "--workspace", "acme", "tr_clicks", unknown);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`${unknown}: line 1: unknown column "campaign" for table tr_clicks`);
    const missing = join(dir, "missing.csv");
    writeFileSync(missing, "click_id,offer\nc5,Alpha\n");
    const res2 = await cli("import", "--workspace", "acme", "tr_clicks", missing);
    expect(res2.stderr).toContain(`${missing}: line 1: missing required column "ts" for table tr_clicks`);
    expect(await countClicks()).toBe(2);
  });

  test("a progress bar (rows, rows/s, ETA) on a terminal; nothing on stderr otherwise", async () => {
    const file = join(dir, "progress.ndjson");
    writeFileSync(file, `${JSON.stringify({ click_id: "c1", ts: "2026-03-18T10:00:00Z", country: "US", offer: "Alpha" })}\n`);
    const quiet = await cli("import", "--workspace", "acme", "tr_clicks", file);
    expect(quiet.stderr).toBe("");
    const frames = await onTerminal(env, "import", "--workspace", "acme", "tr_clicks", file);
    expect(frames.some((f) => /100% \| 1 rows \| [\d,]+ rows\/s \| ETA/.test(f))).toBe(true);
    expect(frames).toContain("Imported 1 row into tr_clicks of workspace acme.");
    expect(await countClicks()).toBe(2);
  });

  test("a large file: while the engine reads it the bar shows estimated rows and rows/s, then the exact count", async () => {
    const frames = await onTerminal(env, "import", "--workspace", "bulk", "tr_clicks", largeClicks);
    const running = frames.filter((f) => /[░█]+ \d{1,2}% \| ≈[\d,]+ rows \| ≈[\d,]+ rows\/s \| ETA/.test(f));
    expect(running.length).toBeGreaterThan(0);
    const estimates = running.map((f) => Number((/≈([\d,]+) rows \|/.exec(f)?.[1] ?? "").replaceAll(",", "")));
    expect(Math.max(...estimates)).toBeGreaterThan(0);
    expect(Math.max(...estimates)).toBeLessThanOrEqual(LARGE_ROWS * 1.05);
    expect(frames.some((f) => /100% \| 600,000 rows \| [\d,]+ rows\/s \| ETA/.test(f))).toBe(true);
    expect(frames).toContain("Imported 600000 rows into tr_clicks of workspace bulk.");
    expectNeverBackwards(frames);
    const piped = await cli("import", "--workspace", "bulk", "tr_clicks", largeClicks);
    expect(piped.stderr).toBe("");
    expect(piped.stdout.trim()).toBe("Imported 600000 rows into tr_clicks of workspace bulk.");
    const json = await onTerminal(env, "import", "--workspace", "bulk", "tr_clicks", largeClicks, "--json");
    expect(json.join("\n")).not.toContain("rows/s");
    expect(JSON.parse(json.join(""))).toEqual({ workspace: "bulk", table: "tr_clicks", rows: LARGE_ROWS });
  });

  test("a file the engine declines gets a second bar, labelled, rather than a share going back", async () => {
    const file = join(dir, "large-bad.csv");
    const bad = LARGE_ROWS / 2;
    writeFileSync(file, clicksCsv(LARGE_ROWS, bad));
    const frames = await onTerminal(env, "import", "--workspace", "bulk", "tr_clicks", file);
    const checking = frames.filter((f) => f.startsWith("checking row by row: "));
    expect(checking.some((f) => /\d+% \| [\d,]+ rows \| [\d,]+ rows\/s/.test(f))).toBe(true);
    expectNeverBackwards(frames);
    expect(frames).toContain(`metrigate: ${file}: line ${bad + 2}: column "country" must be a two-letter country code, got "USA". Nothing was imported.`);
  });

  test("an unknown table or file type is a one-line error", async () => {
    const res = await cli("import", "--workspace", "acme", "clicks", join(dir, "clicks.csv"));
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split("\n")).toHaveLength(1);
    expect(res.stderr).toContain('Unknown table "clicks". Tables: tm_content, tm_sessions');
    const res2 = await cli("import", "--workspace", "acme", "tr_clicks", join(dir, "clicks.xlsx"));
    expect(res2.stderr.trim()).toBe(`metrigate: Cannot tell the format of ${join(dir, "clicks.xlsx")}: use a .ndjson, .jsonl or .csv file.`);
  });
});

describe("operator commands", () => {
  test("seed reports the rows written as each family is, quietly with --json or through a pipe", async () => {
    const seedEnv = { ...env, METRIGATE_DB: join(dir, "seed.duckdb") };
    const frames = await onTerminal(seedEnv, "seed", "--scale", "100000");
    const running = frames.filter((f) => /[░█]+ \d{1,2}% \| [1-9][\d,]* rows \| [1-9][\d,]* rows\/s \| ETA/.test(f));
    expect(running.length).toBeGreaterThan(0);
    expect(frames.some((f) => /100% \| [1-9][\d,]* rows \| [\d,]+ rows\/s/.test(f))).toBe(true);
    expectNeverBackwards(frames);
    const piped = await run(process.execPath, ["bin/metrigate.mjs", "seed", "--scale", "1000"], { env: seedEnv, timeout: 60_000 });
    expect(piped.stderr).toBe("");
    expect(piped.stdout).toMatch(/^Seeded workspace demo at scale 1000 in [\d.]+ s\.\n$/);
    const json = await onTerminal(seedEnv, "seed", "--scale", "1000", "--json");
    expect(json.join("\n")).not.toContain("rows/s");
    expect(JSON.parse(json.join(""))).toMatchObject({ workspace: "demo", scale: 1000 });
  });

  test("key create prints a key; token create and revoke round-trip with --json", async () => {
    const key = await cli("key", "create", "--workspace", "acme", "--scope", "write");
    expect(key.code).toBe(0);
    expect(key.stdout.trim()).toMatch(/^mg_live_/);
    const token = await cli("token", "create", "--workspace", "acme", "--service-account", "etl", "--json");
    const issued = JSON.parse(token.stdout);
    expect(issued.expires_at).toBe("2026-06-16T15:30:00.000Z");
    const revoke = await cli("token", "revoke", issued.jti, "--json");
    expect(JSON.parse(revoke.stdout)).toEqual({ jti: issued.jti, revoked: true });
    const oauth = await cli("oauth", "revoke", "--workspace", "acme", "--json");
    expect(JSON.parse(oauth.stdout)).toEqual({ workspace: "acme", revoked: 0 });
  });

  test("bad input is a clear one-line error with a non-zero exit", async () => {
    const plan = await cli("workspace", "create", "zeta", "--plan", "gold");
    expect(plan.code).toBe(2);
    expect(plan.stderr.trim()).toBe("metrigate: --plan must be one of starter, growth, enterprise.");
    const dup = await cli("workspace", "create", "acme");
    expect(dup.stderr.trim()).toBe('metrigate: Workspace "acme" already exists.');
    const unknown = await cli("frobnicate");
    expect(unknown.code).toBe(2);
    const user = await cli("user", "create", "--workspace", "nope", "--email", "a@b.c", "--password", "longenough");
    // A password given as a flag is still read, after a warning that it shows in `ps` and shell history.
    expect(user.stderr.trim().split("\n")).toEqual([
      "metrigate: warning: --password is visible to other users (ps) and kept in shell history; prefer METRIGATE_PASSWORD or standard input.",
      'metrigate: Workspace "nope" does not exist.',
    ]);
  });

  test("a database held by another process gets a clear message, not a stack trace", async () => {
    const holder = await DuckDbStore.open(join(dir, "cli.duckdb"));
    try {
      const res = await cli("key", "create", "--workspace", "acme");
      expect(res.code).toBe(1);
      expect(res.stderr.trim()).toBe(
        `metrigate: The database ${join(dir, "cli.duckdb")} is in use by another Metrigate process (a running \`metrigate serve\`, or an import or seed still at work). Wait for it or stop it; while a server runs, send data through its POST /v1/ingest/<table>.`,
      );
    } finally {
      await holder.close();
    }
  });
});
