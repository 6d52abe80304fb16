// Large imports all or nothing (issue 14): a bad row at the first, a middle and the last line of a
// 200,000-row file in every format stores nothing and names the line and column; valid files of every
// format go through the engine's own reader (a compressed NDJSON file inflated first); an import killed
// with SIGKILL leaves the table as it was.

import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { configFromEnv } from "../shared/config.ts";
import { createRuntime, type Runtime } from "../shared/runtime.ts";
import { DuckDbStore } from "../shared/store/duckdb.ts";
import { tableSpec } from "../shared/store/tables.ts";

const ROWS = 200_000;
const dir = mkdtempSync(join(tmpdir(), "metrigate-large-"));
let runtime: Runtime;

beforeAll(async () => {
  runtime = await createRuntime(configFromEnv({ METRIGATE_DB: join(dir, "large.duckdb"), METRIGATE_NOW: "2026-03-18T15:30:00Z" }));
  await runtime.accounts.createWorkspace("acme", { plan: "growth" });
});
afterAll(async () => {
  await runtime.close();
  rmSync(dir, { recursive: true, force: true });
});

type Click = Record<string, string>;
const click = (i: number): Click => ({
  click_id: `c${i}`,
  ts: new Date(Date.UTC(2026, 2, 1) + i * 1000).toISOString(),
  country: ["US", "GB", "IN", ""][i % 4],
  offer: `Offer ${i % 7}`,
  source: ["", "google", "meta"][i % 3],
});
const COLUMNS = ["click_id", "ts", "country", "offer", "source"];

function write(name: string, rows: Click[]): string {
  const format = name.replace(/\.gz$/, "").split(".").pop();
  const text =
    format === "csv"
      ? [COLUMNS.join(","), ...rows.map((r) => COLUMNS.map((c) => r[c]).join(","))].join("\n") + "\n"
      : rows.map((r) => JSON.stringify(r)).join("\n") + "\n";
  const path = join(dir, name);
  writeFileSync(path, name.endsWith(".gz") ? gzipSync(text) : text);
  return path;
}

async function clicks(): Promise<number> {
  const [row] = await runtime.store.query<{ n: number }>("SELECT count(*) AS n FROM tr_clicks WHERE workspace_id = 'acme'");
  return row.n;
}

const FORMATS = ["csv", "ndjson", "jsonl", "csv.gz", "ndjson.gz"];
// .jsonl is read exactly as .ndjson; the bad-row cases run once per distinct reader.
const BAD_ROW_FORMATS = FORMATS.filter((f) => f !== "jsonl");
const positions: { where: string; index: number; change: Click; message: string }[] = [
  { where: "first", index: 0, change: { ts: "yesterday" }, message: 'column "ts" must be an ISO-8601 instant such as 2026-03-18T14:05:00Z, got "yesterday"' },
  { where: "middle", index: ROWS / 2, change: { country: "USA" }, message: 'column "country" must be a two-letter country code, got "USA"' },
  { where: "last", index: ROWS - 1, change: { offer: "" }, message: 'column "offer" is required' },
];

describe(`a bad row in a ${ROWS.toLocaleString("en-US")}-row file`, () => {
  for (const format of BAD_ROW_FORMATS) {
    for (const { where, index, change, message } of positions) {
      test(`${format}, ${where} line: nothing stored, line and column named`, async () => {
        const rows = Array.from({ length: ROWS }, (_, i) => (i === index ? { ...click(i), ...change } : click(i)));
        const file = write(`bad-${where}.${format}`, rows);
        const line = index + (format.startsWith("csv") ? 2 : 1);
        await expect(runtime.importer.importFile("acme", "tr_clicks", file)).rejects.toThrow(`${file}: line ${line}: ${message}. Nothing was imported.`);
        expect(await clicks()).toBe(0);
      }, 120_000);
    }
  }
});

describe("valid files go through the engine's reader, every format", () => {
  for (const format of FORMATS) {
    test(`${format}: the engine stores all ${ROWS.toLocaleString("en-US")} rows itself`, async () => {
      const file = write(`good.${format}`, Array.from({ length: ROWS }, (_, i) => click(i)));
      const store = await DuckDbStore.open(":memory:");
      try {
        const stored = await store.loadFile({ table: tableSpec("tr_clicks"), workspaceId: "w", file, format: format.startsWith("csv") ? "csv" : "ndjson" });
        expect(stored).toBe(ROWS);
        const [sample] = await store.query<Record<string, unknown>>("SELECT click_id, ts, country, offer, source FROM tr_clicks WHERE click_id = 'c3'");
        expect(sample).toEqual({ click_id: "c3", ts: "2026-03-01T00:00:03.000Z", country: "", offer: "Offer 3", source: "" });
      } finally {
        await store.close();
      }
    }, 120_000);
  }
});

test("a large file that repeats every id: the engine stores the last row of each", async () => {
  const half = ROWS / 2;
  const rows = Array.from({ length: ROWS }, (_, i) => ({ ...click(i % half), offer: i < half ? "Older" : "Newer" }));
  const file = write("repeated.ndjson", rows);
  const store = await DuckDbStore.open(":memory:");
  try {
    expect(await store.loadFile({ table: tableSpec("tr_clicks"), workspaceId: "w", file, format: "ndjson" })).toBe(half);
    expect(await store.query("SELECT offer, count(*) AS n FROM tr_clicks GROUP BY offer")).toEqual([{ offer: "Newer", n: half }]);
  } finally {
    await store.close();
  }
}, 120_000);

test("an import killed with SIGKILL midway leaves the table as it was", async () => {
  const db = join(dir, "killed.duckdb");
  const before = await createRuntime(configFromEnv({ METRIGATE_DB: db }));
  await before.accounts.createWorkspace("acme", { plan: "growth" });
  await before.importer.importText("acme", "tr_clicks", "ndjson", [click(0), click(1)].map((r) => JSON.stringify({ ...r, offer: "Kept" })).join("\n"), "seed");
  await before.close();
  const file = write("kill.ndjson", Array.from({ length: 1_000_000 }, (_, i) => click(i)));
  const child = spawn(process.execPath, ["bin/metrigate.mjs", "import", "--workspace", "acme", "tr_clicks", file], {
    env: { ...process.env, METRIGATE_DB: db },
    stdio: "ignore",
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
  // Killed once it has the file open: the import is under way and nothing has been committed.
  const fds = `/proc/${child.pid}/fd`;
  const reading = () => existsSync(fds) && readdirSync(fds).some((fd) => { try { return readlinkSync(join(fds, fd)) === file; } catch { return false; } });
  while (!reading()) await new Promise((resolve) => setTimeout(resolve, 10));
  child.kill("SIGKILL");
  expect(await exited).toBe("SIGKILL");
  const after = await DuckDbStore.open(db);
  try {
    expect(await after.query("SELECT click_id, offer FROM tr_clicks WHERE workspace_id = 'acme' ORDER BY click_id")).toEqual([
      { click_id: "c0", offer: "Kept" },
      { click_id: "c1", offer: "Kept" },
    ]);
  } finally {
    await after.close();
  }
}, 120_000);

test("a compressed NDJSON file is inflated beside the database for the engine, and the scratch copy is removed", async () => {
  const scratch = () => readdirSync(dir).filter((name) => name.startsWith("metrigate-import-"));
  // What a killed import left behind (its process is gone) goes too; pids never exceed 2^22 on Linux.
  mkdirSync(join(dir, "metrigate-import-999999999-abc"));
  writeFileSync(join(dir, "metrigate-import-999999999-abc", "rows.ndjson"), "{}\n");
  const file = write("inflate.ndjson.gz", Array.from({ length: 1000 }, (_, i) => click(ROWS + i)));
  const before = await clicks();
  expect(await runtime.importer.importFile("acme", "tr_clicks", file)).toBe(1000);
  expect(await clicks()).toBe(before + 1000);
  expect(scratch()).toEqual([]);
  // A corrupt file cannot be inflated: it is read compressed, which names the problem; nothing is left behind.
  const corrupt = join(dir, "corrupt.ndjson.gz");
  writeFileSync(corrupt, gzipSync(JSON.stringify(click(0))).subarray(0, 20));
  await expect(runtime.importer.importFile("acme", "tr_clicks", corrupt)).rejects.toThrow(`${corrupt}: not a valid gzip file`);
  expect(await clicks()).toBe(before + 1000);
  expect(scratch()).toEqual([]);
});

describe("a JSON array saved as one line", () => {
  const arrayLine = (rows: number) => `${JSON.stringify(Array.from({ length: rows }, (_, i) => click(i)))}\n`;

  test("under the line limit: read in one piece across many chunks, refused as not an object", async () => {
    const file = join(dir, "array-8mib.ndjson");
    writeFileSync(file, arrayLine(90_000));
    const before = await clicks();
    await expect(runtime.importer.importFile("acme", "tr_clicks", file)).rejects.toThrow(/line 1: .*JSON object/);
    expect(await clicks()).toBe(before);
  });

  test("over 16 MiB: refused before it fills memory, naming the line", async () => {
    const file = join(dir, "array-20mib.ndjson");
    writeFileSync(file, `${JSON.stringify(click(0))}\n${arrayLine(220_000)}`);
    const before = await clicks();
    await expect(runtime.importer.importFile("acme", "tr_clicks", file)).rejects.toThrow(/line 2: longer than 16 MiB without a line break/);
    expect(await clicks()).toBe(before);
  });
});

test("a named pipe is refused at once rather than waited on", async () => {
  const fifo = join(dir, "rows.ndjson");
  execFileSync("mkfifo", [fifo]);
  await expect(runtime.importer.importFile("acme", "tr_clicks", fifo)).rejects.toThrow(`${fifo} is not a regular file (a pipe or a device); save the rows to a file first.`);
});
