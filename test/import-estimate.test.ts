// Row estimates for the import progress bar: from a file's first block (inflated, for a compressed file).

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, test } from "vitest";
import { estimateFileRows, estimateRows, rowsAtFraction } from "../shared/import/estimate.ts";

const lines = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `{"click_id":"c${String(from + i).padStart(6, "0")}"}\n`).join("");
const LINE_BYTES = lines(1).length;

describe("estimateRows", () => {
  const cases: { name: string; text: string; fileBytesRead: number; fileBytes: number; header: boolean; rows: number | undefined }[] = [
    { name: "the whole file: its lines", text: lines(5), fileBytesRead: 5 * LINE_BYTES, fileBytes: 5 * LINE_BYTES, header: false, rows: 5 },
    { name: "the whole CSV file: its lines but the header", text: "a,b\n1,2\n3,4\n", fileBytesRead: 12, fileBytes: 12, header: true, rows: 2 },
    { name: "blank lines and a last line without a break", text: "{}\n\n  \n{}", fileBytesRead: 9, fileBytes: 9, header: false, rows: 2 },
    { name: "an empty file", text: "", fileBytesRead: 0, fileBytes: 0, header: false, rows: 0 },
    { name: "a tenth of the file: ten times its rows", text: lines(100), fileBytesRead: 100 * LINE_BYTES, fileBytes: 1000 * LINE_BYTES, header: false, rows: 1000 },
    { name: "a cut last line is left out", text: lines(100) + '{"click', fileBytesRead: 100 * LINE_BYTES + 7, fileBytes: 400 * LINE_BYTES, header: false, rows: 400 },
    { name: "a CSV header is not a row", text: `h\n${"abcd\n".repeat(10)}`, fileBytesRead: 52, fileBytes: 2 + 5 * 70, header: true, rows: 70 },
    // A compressed sample: 100 lines inflated from a tenth of their bytes, in a file of 100 times that.
    { name: "compressed: scaled by the inflation", text: lines(100), fileBytesRead: 10 * LINE_BYTES, fileBytes: 1000 * LINE_BYTES, header: false, rows: 10_000 },
    { name: "no whole row: unknown", text: '{"click_id":', fileBytesRead: 12, fileBytes: 5000, header: false, rows: undefined },
    { name: "a header alone: unknown", text: "click_id,ts\n", fileBytesRead: 12, fileBytes: 5000, header: true, rows: undefined },
    { name: "never fewer than the rows seen", text: lines(10), fileBytesRead: 10 * LINE_BYTES, fileBytes: 10 * LINE_BYTES + 1, header: false, rows: 10 },
  ];
  test.each(cases)("$name", ({ text, fileBytesRead, fileBytes, header, rows }) => {
    expect(estimateRows({ text: Buffer.from(text), fileBytesRead, fileBytes, header })).toBe(rows);
  });
});

describe("rowsAtFraction", () => {
  test.each([
    [0, 1000, 0],
    [0.25, 1000, 250],
    [0.3333, 3, 1],
    [1, 1234, 1234],
    [1.5, 1000, 1000],
    [-0.1, 1000, 0],
  ])("%f of %i rows is %i", (fraction, total, rows) => {
    expect(rowsAtFraction(fraction, total)).toBe(rows);
  });
});

describe("estimateFileRows", () => {
  const dir = mkdtempSync(join(tmpdir(), "metrigate-estimate-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const rows = 200_000;
  const text = lines(rows);

  test("a plain file larger than the sample: within 2% of its rows", async () => {
    const file = join(dir, "clicks.ndjson");
    writeFileSync(file, text);
    const estimate = await estimateFileRows(file, { format: "ndjson", gzip: false }, Buffer.byteLength(text));
    expect(estimate).toBeGreaterThan(rows * 0.98);
    expect(estimate).toBeLessThan(rows * 1.02);
  });

  test("a compressed file: its inflated first block gives the rows within 10%", async () => {
    const file = join(dir, "clicks.ndjson.gz");
    const zipped = gzipSync(text);
    writeFileSync(file, zipped);
    const estimate = await estimateFileRows(file, { format: "ndjson", gzip: true }, zipped.length);
    expect(estimate).toBeGreaterThan(rows * 0.9);
    expect(estimate).toBeLessThan(rows * 1.1);
  });

  test("a small CSV file is counted exactly; a corrupt or missing file gives no estimate", async () => {
    const csv = join(dir, "clicks.csv");
    const small = "click_id,ts\nc1,2026-03-18T10:00:00Z\nc2,2026-03-18T11:00:00Z\n";
    writeFileSync(csv, small);
    expect(await estimateFileRows(csv, { format: "csv", gzip: false }, small.length)).toBe(2);
    const corrupt = join(dir, "corrupt.csv.gz");
    writeFileSync(corrupt, "not gzip at all\n".repeat(100));
    expect(await estimateFileRows(corrupt, { format: "csv", gzip: true }, 1600)).toBeUndefined();
    expect(await estimateFileRows(join(dir, "missing.csv"), { format: "csv", gzip: false }, 10)).toBeUndefined();
  });
});
