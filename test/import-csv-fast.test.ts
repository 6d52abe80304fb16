// The CSV fast path (DuckDB reads the file) against the careful path (row-by-row validation): for the
// same file both store exactly the same rows, and any row the fast path doubts leaves the whole file to
// the careful path, with nothing stored by the fast one.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, test } from "vitest";
import type { ImportFormat } from "../shared/import/parse.ts";
import { kindOfFile, parseImport, readFileRows, withoutTrailingCommas } from "../shared/import/parse.ts";
import { DuckDbStore } from "../shared/store/duckdb.ts";
import { tableSpec } from "../shared/store/tables.ts";
import { headerOfLine } from "../shared/store/import-plan.ts";
import { firstLine } from "../shared/store/file-head.ts";
import { gzipIntact } from "../shared/store/gzip-intact.ts";

const dir = mkdtempSync(join(tmpdir(), "metrigate-csv-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function stored(store: DuckDbStore, table: string): Promise<unknown[]> {
  return store.query(`SELECT * EXCLUDE (workspace_id) FROM ${table} WHERE workspace_id = 'w' ORDER BY ALL`);
}

/** Loads the file through each path into its own database and returns both tables' rows. */
async function bothPaths(
  table: string,
  path: string,
  text: string,
): Promise<{ fast: number | undefined; careful: number; fastRows: unknown[]; carefulRows: unknown[] }> {
  const spec = tableSpec(table);
  const fastStore = await DuckDbStore.open(":memory:");
  const carefulStore = await DuckDbStore.open(":memory:");
  try {
    const fast = await fastStore.loadFile({ table: spec, workspaceId: "w", file: path, format: "csv" });
    const careful = await carefulStore.load({ table: spec, workspaceId: "w", rows: parseImport(spec, "csv", text, path) });
    return { fast, careful, fastRows: await stored(fastStore, table), carefulRows: await stored(carefulStore, table) };
  } finally {
    await fastStore.close();
    await carefulStore.close();
  }
}

describe("CSV fast path", () => {
  const plain: Record<string, string> = {
    tr_conversions: [
      "conversion_id,click_id,ts,country,offer,source,revenue",
      "v1,c1,2026-03-18T10:00:00Z,us,Offer A,,12.5",
      'v2,,2026-03-18 10:05,GB,"Offer, with comma",Google,0',
      "v3,c3,2026-03-18T10:05:07.25Z,,Offer A,Meta,3",
      "v1,c9,2026-03-18T11:00:00.123z,FR,Offer B,Bing,7.125",
      "v4,c4,2026-03-18T12:30Z,in,Offer C,,1",
      "v5,c5,2026-03-18T23:59:59Z,DE,Offer C,,2",
    ].join("\n"),
    tm_sessions: [
      "session_id,user_id,content_id,device,region,pop,started_at,ended_at,watch_seconds,completed",
      "s1,u1,c_1,tv,Kerala,ap-south-1,2026-03-18T10:00:00Z,,60,TRUE",
      "s2,u2,c_1,web,Goa,ap-south-1,2026-03-18T10:00:00Z,2026-03-18T10:30:00Z,1800,0",
    ].join("\n"),
    cdp_subscriptions: [
      "plan_name,plan_tier,period_start,period_end,events_limit,users_limit,segments_limit,ai_credits_limit",
      "Growth,growth,2026-03-01,2026-03-31,1000000,-1,50,2000",
    ].join("\n"),
  };

  for (const [table, text] of Object.entries(plain)) {
    test(`${table}: a plainly valid file is stored by the engine, exactly as row-by-row validation stores it`, async () => {
      const { fast, careful, fastRows, carefulRows } = await bothPaths(table, file(`${table}.csv`, text), text);
      // Both paths count the rows stored (v1 of tr_conversions is replaced by its later row).
      expect(fast).toBe(fastRows.length);
      expect(careful).toBe(fastRows.length);
      expect(fastRows).toEqual(carefulRows);
      expect(fastRows.length).toBeGreaterThan(0);
    });
  }

  test("defaults of optional columns left out of the header are the careful path's", async () => {
    const text = "session_id,user_id,content_id,device,region,pop,started_at,watch_seconds,completed\ns1,u1,c_1,tv,Goa,p,2026-03-18T10:00:00Z,5,true";
    const { fast, fastRows, carefulRows } = await bothPaths("tm_sessions", file("defaults.csv", text), text);
    expect(fast).toBe(1);
    expect(fastRows).toEqual(carefulRows);
    expect(fastRows).toEqual([expect.objectContaining({ ended_at: null, rebuffer_seconds: 0 })]);
  });

  const doubtful: Record<string, string> = {
    "a number with spaces": "v1,,2026-03-18T10:00:00Z,US,O,, 1",
    "a negative revenue": "v1,,2026-03-18T10:00:00Z,US,O,,-1",
    "a country that is not two letters": "v1,,2026-03-18T10:00:00Z,USA,O,,1",
    "an impossible date": "v1,,2026-02-30T10:00:00Z,US,O,,1",
    "hour 24": "v1,,2026-03-18T24:00:00Z,US,O,,1",
    "a missing required value": "v1,,,US,O,,1",
    "a short row": "v1,,2026-03-18T10:00:00Z,US",
  };
  for (const [what, row] of Object.entries(doubtful)) {
    test(`${what}: the fast path stores nothing and declines`, async () => {
      const store = await DuckDbStore.open(":memory:");
      try {
        const path = file("doubtful.csv", `conversion_id,click_id,ts,country,offer,source,revenue\nv0,,2026-03-18T09:00:00Z,US,O,,1\n${row}\n`);
        expect(await store.loadFile({ table: tableSpec("tr_conversions"), workspaceId: "w", file: path, format: "csv" })).toBeUndefined();
        expect(await stored(store, "tr_conversions")).toEqual([]);
      } finally {
        await store.close();
      }
    });
  }

  test("an unknown column or a missing required one is left to the careful path", async () => {
    const store = await DuckDbStore.open(":memory:");
    try {
      const spec = tableSpec("tr_clicks");
      const unknown = file("unknown.csv", "click_id,ts,offer,colour\nc1,2026-03-18T10:00:00Z,O,red\n");
      const missing = file("missing.csv", "click_id,offer\nc1,O\n");
      expect(await store.loadFile({ table: spec, workspaceId: "w", file: unknown, format: "csv" })).toBeUndefined();
      expect(await store.loadFile({ table: spec, workspaceId: "w", file: missing, format: "csv" })).toBeUndefined();
      expect(await store.loadFile({ table: spec, workspaceId: "w", file: join(dir, "absent.csv"), format: "csv" })).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});

describe("NDJSON fast path", () => {
  const session = {
    session_id: "s1",
    user_id: "u \"quoted\" é 😀",
    content_id: "c\\1",
    device: "tv",
    region: "Kerala",
    pop: "ap-south-1",
    started_at: "2026-03-18T10:00:00Z",
    ended_at: null,
    watch_seconds: 12.5,
    completed: true,
  };
  const rows = [
    session,
    { ...session, session_id: "s2", region: "Tamil Nādu 😀", ended_at: "2026-03-18 10:30:00.125", watch_seconds: 0, completed: false, rebuffer_seconds: 3 },
    { ...session, session_id: "s3", ended_at: "", rebuffer_seconds: null },
  ];

  test("a plainly valid file is stored by the engine, exactly as row-by-row validation stores it", async () => {
    const spec = tableSpec("tm_sessions");
    const text = rows.map((r) => JSON.stringify(r)).join("\n");
    const path = file("sessions.ndjson", text);
    const fastStore = await DuckDbStore.open(":memory:");
    const carefulStore = await DuckDbStore.open(":memory:");
    try {
      expect(await fastStore.loadFile({ table: spec, workspaceId: "w", file: path, format: "ndjson" })).toBe(3);
      await carefulStore.load({ table: spec, workspaceId: "w", rows: parseImport(spec, "ndjson", text, path) });
      const fastRows = await stored(fastStore, "tm_sessions");
      expect(fastRows).toEqual(await stored(carefulStore, "tm_sessions"));
      expect(fastRows).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ session_id: "s1", user_id: 'u "quoted" é 😀', content_id: "c\\1", rebuffer_seconds: 0 }),
          expect.objectContaining({ session_id: "s2", region: "Tamil Nādu 😀" }),
        ]),
      );
    } finally {
      await fastStore.close();
      await carefulStore.close();
    }
  });

  const doubtful: Record<string, Record<string, unknown>> = {
    "a number given as text": { watch_seconds: "12" },
    "a boolean given as text": { completed: "true" },
    "an id given as a number": { session_id: 7 },
    "an unknown key after the first lines": { colour: "red" },
  };
  for (const [what, change] of Object.entries(doubtful)) {
    test(`${what}: the engine stores nothing and declines`, async () => {
      const store = await DuckDbStore.open(":memory:");
      try {
        const path = file("doubtful.ndjson", [session, { ...session, session_id: "s9", ...change }].map((r) => JSON.stringify(r)).join("\n"));
        expect(await store.loadFile({ table: tableSpec("tm_sessions"), workspaceId: "w", file: path, format: "ndjson" })).toBeUndefined();
        expect(await stored(store, "tm_sessions")).toEqual([]);
      } finally {
        await store.close();
      }
    });
  }
});

describe("instants with a UTC offset", () => {
  // Each instant as written in a file, and the UTC instant it stands for (worked out by hand).
  const offsets: [written: string, utc: string][] = [
    ["2026-03-18T10:00:00+05:30", "2026-03-18T04:30:00.000Z"],
    ["2026-03-18T10:00:00-08:00", "2026-03-18T18:00:00.000Z"],
    ["2026-03-18T10:00:00+0530", "2026-03-18T04:30:00.000Z"],
    ["2026-03-18T10:00:00-0800", "2026-03-18T18:00:00.000Z"],
    ["2026-03-18T10:00:00+00:00", "2026-03-18T10:00:00.000Z"],
    ["2026-03-18T10:00:00-00:00", "2026-03-18T10:00:00.000Z"],
    ["2026-03-18T00:15:00.123+05:30", "2026-03-17T18:45:00.123Z"],
    ["2026-01-01T09:59:59.999+14:00", "2025-12-31T19:59:59.999Z"],
    ["2026-02-28T20:30:00.5-18:00", "2026-03-01T14:30:00.500Z"],
    ["2024-02-28T20:30:00.25-18:00", "2024-02-29T14:30:00.250Z"],
    ["2026-12-31 23:30-0800", "2027-01-01T07:30:00.000Z"],
    ["2026-03-18T10:00+18:00", "2026-03-17T16:00:00.000Z"],
    ["2026-03-18T10:00:00.07z", "2026-03-18T10:00:00.070Z"],
    ["2026-03-18T10:00:00+1759", "2026-03-17T16:01:00.000Z"],
  ];
  /** Clicks (id, instant, offer) as the text of a file in `format`. */
  const clicksText = (format: ImportFormat, clicks: { click_id: string; ts: string; offer: string }[]): string =>
    format === "csv" ? ["click_id,ts,offer", ...clicks.map((c) => `${c.click_id},${c.ts},${c.offer}`)].join("\n") : clicks.map((c) => JSON.stringify(c)).join("\n");

  for (const format of ["csv", "ndjson"] as const) {
    test(`${format}: the engine stores each instant as the UTC instant row-by-row validation stores`, async () => {
      const spec = tableSpec("tr_clicks");
      const path = file(`offsets.${format}`, clicksText(format, offsets.map(([ts], i) => ({ click_id: `c${i + 1}`, ts, offer: "O" }))));
      const fastStore = await DuckDbStore.open(":memory:");
      const carefulStore = await DuckDbStore.open(":memory:");
      try {
        expect(await fastStore.loadFile({ table: spec, workspaceId: "w", file: path, format })).toBe(offsets.length);
        await carefulStore.load({ table: spec, workspaceId: "w", rows: parseImport(spec, format, readFileSync(path, "utf8"), path) });
        const query = "SELECT click_id, strftime(ts, '%Y-%m-%dT%H:%M:%S.%gZ') AS utc FROM tr_clicks ORDER BY ts, click_id";
        const fastRows = await fastStore.query(query);
        expect(fastRows).toEqual(await carefulStore.query(query));
        const expected = offsets.map(([, utc], i) => ({ click_id: `c${i + 1}`, utc })).sort((a, b) => a.utc.localeCompare(b.utc) || a.click_id.localeCompare(b.click_id));
        expect(fastRows).toEqual(expected);
      } finally {
        await fastStore.close();
        await carefulStore.close();
      }
    });
  }

  const badOffsets = ["+18:01", "-18:01", "+19:00", "+05:60", "+0560", "+5:30", "+05:30:00", "+05", "+05:3", "+05:30Z"];
  for (const format of ["csv", "ndjson"] as const) {
    for (const offset of badOffsets) {
      test(`${format}: offset "${offset}" leaves the file to the careful path, which names the line`, async () => {
        const spec = tableSpec("tr_clicks");
        const bad = `2026-03-18T10:00:00${offset}`;
        const text = clicksText(format, [
          { click_id: "c1", ts: "2026-03-18T10:00:00+05:30", offer: "O" },
          { click_id: "c2", ts: bad, offer: "O" },
        ]);
        const path = file(`bad-offset.${format}`, text);
        const store = await DuckDbStore.open(":memory:");
        try {
          expect(await store.loadFile({ table: spec, workspaceId: "w", file: path, format })).toBeUndefined();
          expect(await stored(store, "tr_clicks")).toEqual([]);
        } finally {
          await store.close();
        }
        const line = format === "csv" ? 3 : 2;
        expect(() => parseImport(spec, format, text, path)).toThrow(`line ${line}: column "ts" must be an ISO-8601 instant such as 2026-03-18T14:05:00Z, got "${bad}"`);
      });
    }
  }
});

describe("columns from a file's first line", () => {
  test("a CSV header of bare names, or an NDJSON object's keys; anything else is left to the engine", () => {
    expect(headerOfLine("csv", "click_id,ts,country")).toEqual(["click_id", "ts", "country"]);
    for (const line of ['"click_id",ts', "\uFEFFclick_id,ts", "click_id, ts", "click_id,,ts", ""]) expect(headerOfLine("csv", line)).toBeUndefined();
    expect(headerOfLine("ndjson", '{"click_id":"c1","ts":null,"offer":{"a":1}}')).toEqual(["click_id", "ts", "offer"]);
    for (const line of ["[1,2]", "null", '"x"', '{"a":1} {"b":2}', "\uFEFF{}", ""]) expect(headerOfLine("ndjson", line)).toBeUndefined();
  });

  test("the first line is read without its line break, from gzip too; a line past 64 KiB or a missing file gives none", async () => {
    expect(await firstLine(file("crlf.csv", "a,b\r\n1,2\r\n"))).toBe("a,b");
    const gz = join(dir, "lines.ndjson.gz");
    writeFileSync(gz, gzipSync('{"a":1}\n{"a":2}\n'));
    expect(await firstLine(gz)).toBe('{"a":1}');
    expect(await firstLine(file("long.csv", `${"a".repeat(70_000)}\n1\n`))).toBeUndefined();
    expect(await firstLine(join(dir, "absent.csv"))).toBeUndefined();
    // A first block inflating a thousandfold (zeros without a line break) stops at the bound, not in memory.
    const bomb = join(dir, "zeros.csv.gz");
    writeFileSync(bomb, gzipSync(Buffer.alloc(64 * 1024 * 1024)));
    expect(await firstLine(bomb)).toBeUndefined();
  });

  test("CSV: a byte-order mark or CRLF line ends change nothing in what is stored", async () => {
    const rows = ["click_id,ts,country,offer,source", "c1,2026-03-18T10:00:00Z,us,O,google", "c2,2026-03-18T10:00:01Z,,O,"];
    for (const [name, text] of [["bom.csv", `\uFEFF${rows.join("\n")}\n`], ["crlf.csv", `${rows.join("\r\n")}\r\n`]]) {
      const { fast, fastRows, carefulRows } = await bothPaths("tr_clicks", file(name, text), text);
      expect(fast).toBe(2);
      expect(fastRows).toEqual(carefulRows);
      expect(fastRows).toEqual([expect.objectContaining({ click_id: "c1", country: "US" }), expect.objectContaining({ click_id: "c2", source: "" })]);
    }
  });

  const click = (i: number, extra: Record<string, unknown> = {}) => JSON.stringify({ click_id: `c${i}`, ts: "2026-03-18T10:00:00Z", offer: "O", ...extra });

  test("NDJSON: an optional key the first line leaves out, met within the first 20,480 lines, is still read by the engine", async () => {
    const store = await DuckDbStore.open(":memory:");
    try {
      const path = file("optional.ndjson", [click(1), ...Array.from({ length: 20_000 }, (_, i) => click(i + 2, { source: "google" }))].join("\n"));
      expect(await store.loadFile({ table: tableSpec("tr_clicks"), workspaceId: "w", file: path, format: "ndjson" })).toBe(20_001);
      expect(await store.query("SELECT source, count(*) AS n FROM tr_clicks GROUP BY source ORDER BY source")).toEqual([
        { source: "", n: 1 },
        { source: "google", n: 20_000 },
      ]);
    } finally {
      await store.close();
    }
  });

  test("NDJSON: a key first met past the lines DuckDB samples leaves the file to the careful path, nothing stored", async () => {
    const store = await DuckDbStore.open(":memory:");
    try {
      const path = file("late.ndjson", [...Array.from({ length: 20_500 }, (_, i) => click(i)), click(20_500, { source: "google" })].join("\n"));
      expect(await store.loadFile({ table: tableSpec("tr_clicks"), workspaceId: "w", file: path, format: "ndjson" })).toBeUndefined();
      expect(await stored(store, "tr_clicks")).toEqual([]);
    } finally {
      await store.close();
    }
  });
});

describe("where DuckDB's readers are lenient, row-by-row reading agrees", () => {
  const ts = "2026-03-18T10:00:00Z";
  const header = "click_id,ts,country,offer,source";

  /** The file through the engine and row by row: what each stored, or the row-by-row error. */
  async function viaBoth(name: string, content: string | Buffer): Promise<{ fast: unknown[] | undefined; careful: unknown[] | string }> {
    const path = join(dir, name);
    writeFileSync(path, content);
    const spec = tableSpec("tr_clicks");
    const kind = kindOfFile(path);
    const fastStore = await DuckDbStore.open(":memory:");
    const carefulStore = await DuckDbStore.open(":memory:");
    try {
      const fast = (await fastStore.loadFile({ table: spec, workspaceId: "w", file: path, format: kind.format })) === undefined ? undefined : await stored(fastStore, "tr_clicks");
      let careful: unknown[] | string;
      try {
        await carefulStore.load({ table: spec, workspaceId: "w", rows: readFileRows(spec, path, kind, name) });
        careful = await stored(carefulStore, "tr_clicks");
      } catch (e) {
        careful = (e as Error).message;
      }
      return { fast, careful };
    } finally {
      await fastStore.close();
      await carefulStore.close();
    }
  }

  test("an NDJSON object with a trailing comma is read alike; a comma inside a string stays", async () => {
    expect(withoutTrailingCommas('{"a":"x,}", "b":[1,2 ,] ,\n}')).toBe('{"a":"x,}", "b":[1,2 ] \n}');
    const { fast, careful } = await viaBoth("comma.ndjson", `{"click_id":"c1","ts":"${ts}","offer":"O"}\n{"click_id":"c2","ts":"${ts}","offer":"O,}",}\n`);
    expect(fast).toHaveLength(2);
    expect(careful).toEqual(fast);
    expect(fast?.[1]).toMatchObject({ click_id: "c2", offer: "O,}" });
  });

  test("CSV lines ending in empty fields past the header are read alike; a value there is refused", async () => {
    const { fast, careful } = await viaBoth("comma.csv", `${header}\nc1,${ts},us,O,g,\nc2,${ts},us,O,,,\n`);
    expect(fast).toHaveLength(2);
    expect(careful).toEqual(fast);
    const extra = await viaBoth("extra.csv", `${header}\nc1,${ts},us,O,g,x\n`);
    expect(extra.fast).toBeUndefined();
    expect(extra.careful).toBe("extra.csv: line 2: not valid CSV (expect 5 fields, got 6). Nothing was imported.");
  });

  test("CSV with bare CR line ends goes row by row; CRLF without a final line break stores the last field as it is", async () => {
    const cr = await viaBoth("cr.csv", `${header}\rc1,${ts},us,O,g\rc2,${ts},us,O,g\r`);
    expect(cr.fast).toBeUndefined();
    expect(cr.careful).toEqual([expect.objectContaining({ click_id: "c1", source: "g" }), expect.objectContaining({ click_id: "c2", source: "g" })]);
    const crlf = await viaBoth("crlf-end.csv", `${header}\r\nc1,${ts},us,O,g\r\nc2,${ts},us,O,`);
    expect(crlf.fast).toEqual([expect.objectContaining({ source: "g" }), expect.objectContaining({ source: "" })]);
    expect(crlf.careful).toEqual(crlf.fast);
  });

  for (const name of ["crc.csv.gz", "crc.ndjson.gz"]) {
    test(`${name}: a gzip file whose checksum is wrong stores nothing through the engine, and row by row it is named`, async () => {
      const text = name.includes("csv") ? `${header}\nc1,${ts},us,O,g\n` : `{"click_id":"c1","ts":"${ts}","offer":"O"}\n`;
      const good = gzipSync(text);
      // The CRC-32 (the trailer's first four bytes) replaced: the deflate stream itself still decodes.
      const damaged = Buffer.concat([good.subarray(0, good.length - 8), Buffer.from([1, 2, 3, 4]), good.subarray(good.length - 4)]);
      const { fast, careful } = await viaBoth(name, damaged);
      expect(fast).toBeUndefined();
      expect(careful).toMatch(new RegExp(`^${name.replace(".", "\\.")}: not a valid gzip file \\(incorrect data check\\)`));
      expect(await gzipIntact(join(dir, name))).toBe(false);
      writeFileSync(join(dir, `good-${name}`), good);
      expect(await gzipIntact(join(dir, `good-${name}`))).toBe(true);
      // Stopped once the answer no longer matters, the check settles at once instead of reading on.
      expect(await gzipIntact(join(dir, name), AbortSignal.abort())).toBe(true);
    });
  }
});
