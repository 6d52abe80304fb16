// What an import or an ingest reports: the rows stored (CONTRACT §8), not the lines read — a row that a
// later line of the same file replaces is not counted — through HTTP and the CLI.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { cli } from "./support/processes.ts";
import { startTestServer, type TestServer } from "./support/server.ts";

const dir = mkdtempSync(join(tmpdir(), "metrigate-counts-"));
let server: TestServer;
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeAll(async () => {
  server = await startTestServer({ now: "2026-03-18T15:30:00Z" });
});

const click = (id: string, offer: string) => JSON.stringify({ click_id: id, ts: "2026-03-18T10:00:00Z", country: "US", offer, source: "" });

test("ingest answers the rows stored: three lines of one id and one other store two rows", async () => {
  const { writeKey } = await server.workspace("counts");
  const body = [click("dd1", "A"), click("dd1", "B"), click("dd2", "A"), click("dd1", "C")].join("\n");
  const res = await server.request("/v1/ingest/tr_clicks", {
    method: "POST",
    headers: { "X-Api-Key": writeKey, "Content-Type": "application/x-ndjson" },
    body,
  });
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ table: "tr_clicks", rows: 2 });
  const stored = await server.runtime.store.query<{ click_id: string; offer: string }>(
    "SELECT click_id, offer FROM tr_clicks WHERE workspace_id = 'counts' ORDER BY click_id",
  );
  expect(stored).toEqual([
    { click_id: "dd1", offer: "C" },
    { click_id: "dd2", offer: "A" },
  ]);
});

test("the CLI says how many rows it stored, in the singular for one", async () => {
  const env = { ...process.env, METRIGATE_DB: join(dir, "cli.duckdb") };
  expect((await cli(env, "workspace", "create", "acme")).code).toBe(0);
  const file = join(dir, "repeat.ndjson");
  writeFileSync(file, `${click("x1", "A")}\n${click("x1", "B")}\n`);
  const text = await cli(env, "import", "--workspace", "acme", "tr_clicks", file);
  expect(text).toMatchObject({ code: 0, stdout: "Imported 1 row into tr_clicks of workspace acme.\n" });
  const json = await cli(env, "import", "--workspace", "acme", "--json", "tr_clicks", file);
  expect(JSON.parse(json.stdout)).toEqual({ workspace: "acme", table: "tr_clicks", rows: 1 });
});
