// Row validation of the import tables, table-driven (CONTRACT §8).

import { describe, expect, test } from "vitest";
import { parseCsvText, parseNdjson } from "../shared/import/parse.ts";
import { parseInstant } from "../shared/import/validate.ts";
import { findTable, type TableSpec } from "../shared/store/tables.ts";

function table(name: string): TableSpec {
  const spec = findTable(name);
  if (!spec) throw new Error(`no table ${name}`);
  return spec;
}

describe("parseInstant", () => {
  test.each([
    ["2026-03-18T14:05:00Z", Date.UTC(2026, 2, 18, 14, 5)],
    ["2026-03-18T14:05:00.250Z", Date.UTC(2026, 2, 18, 14, 5, 0, 250)],
    ["2026-03-18T14:05:00", Date.UTC(2026, 2, 18, 14, 5)],
    ["2026-03-18 14:05", Date.UTC(2026, 2, 18, 14, 5)],
    ["2026-03-18T14:05:00+05:30", Date.UTC(2026, 2, 18, 8, 35)],
    ["2026-03-18T14:05:00-0400", Date.UTC(2026, 2, 18, 18, 5)],
  ])("%s is %d", (text, expected) => expect(parseInstant(text)).toBe(expected));

  test.each(["2026-02-30T00:00:00Z", "2026-03-18", "yesterday", "2026-03-18T24:00:00Z", "2026-03-18T10:61:00Z", ""])(
    "%s is not an instant",
    (text) => expect(parseInstant(text)).toBeUndefined(),
  );
});

describe("NDJSON rows", () => {
  const sessions = table("tm_sessions");
  const good = {
    session_id: "s1",
    user_id: "u1",
    content_id: "c1",
    device: "tv",
    region: "Kerala",
    pop: "ap-south-1",
    started_at: "2026-03-18T10:00:00Z",
    watch_seconds: 120,
    completed: false,
  };

  test("defaults fill optional columns", () => {
    const [row] = parseNdjson(sessions, JSON.stringify(good), "f");
    expect(row).toEqual(["s1", "u1", "c1", "tv", "Kerala", "ap-south-1", Date.UTC(2026, 2, 18, 10), null, 120, false, 0]);
  });

  test.each([
    [{ ...good, device: "phone" }, 'column "device" must be one of tv, mobile, web, tablet, got "phone"'],
    [{ ...good, watch_seconds: -1 }, 'column "watch_seconds" must be ≥ 0, got -1'],
    [{ ...good, completed: "maybe" }, 'column "completed" must be true or false, got "maybe"'],
    [{ ...good, user_id: "" }, 'column "user_id" is required'],
    [{ ...good, watch_seconds: 1e15 }, 'column "watch_seconds" must be below 10^15 in size, got 1000000000000000'],
    [{ ...good, watch_seconds: 1.7e308 }, 'column "watch_seconds" must be below 10^15 in size, got 1.7e+308'],
    [
      { ...good, extra: 1 },
      'unknown column "extra" for table tm_sessions (columns: session_id, user_id, content_id, device, region, pop, started_at, ended_at, watch_seconds, completed, rebuffer_seconds)',
    ],
  ])("%j is rejected", (record, message) => {
    expect(() => parseNdjson(sessions, `${JSON.stringify(good)}\n${JSON.stringify(record)}`, "f.ndjson")).toThrow(
      `f.ndjson: line 2: ${message}. Nothing was imported.`,
    );
  });

  test("a number too large for a double is named as the infinity it reads as", () => {
    const line = JSON.stringify(good).replace('"watch_seconds":120', '"watch_seconds":1e400');
    expect(() => parseNdjson(sessions, line, "f.ndjson")).toThrow('f.ndjson: line 1: column "watch_seconds" must be a number, got Infinity. Nothing was imported.');
  });

  test("a line that is not JSON names its line", () => {
    expect(() => parseNdjson(sessions, `${JSON.stringify(good)}\n\n{oops`, "f.ndjson")).toThrow("f.ndjson: line 3: not valid JSON");
  });
});

describe("CSV rows", () => {
  const subs = table("cdp_subscriptions");
  const header = "plan_name,plan_tier,period_start,period_end,events_limit,users_limit,segments_limit,ai_credits_limit";

  test("typed values and -1 for unlimited", () => {
    const rows = parseCsvText(subs, `${header}\nGrowth,growth,2026-03-01,2026-03-31,1000000,50000,-1,500\n`, "s.csv");
    expect(rows).toEqual([["Growth", "growth", "2026-03-01", "2026-03-31", 1_000_000, 50_000, -1, 500]]);
  });

  test("a header naming a column twice is refused, naming the column", () => {
    const csv = `${header},plan_tier\nGrowth,growth,2026-03-01,2026-03-31,1,1,1,1,pro\n`;
    expect(() => parseCsvText(subs, csv, "s.csv")).toThrow('s.csv: line 1: column "plan_tier" appears twice in the header. Nothing was imported.');
  });

  test("a quoted field spanning lines keeps the following line numbers right", () => {
    const csv = `${header}\n"Growth\nplan",growth,2026-03-01,2026-03-31,1,1,1,1\nPro,pro,2026-02-30,2026-03-31,1,1,1,1\n`;
    expect(() => parseCsvText(subs, csv, "s.csv")).toThrow('s.csv: line 4: column "period_start" must be a date YYYY-MM-DD, got "2026-02-30"');
  });

  test("a whole number column refuses fractions", () => {
    expect(() => parseCsvText(subs, `${header}\nA,a,2026-03-01,2026-03-31,1.5,1,1,1\n`, "s.csv")).toThrow(
      's.csv: line 2: column "events_limit" must be a whole number, got "1.5"',
    );
  });
});
