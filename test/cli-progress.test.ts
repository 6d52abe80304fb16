// The terminal progress bar itself, drawn into a stream that says it is a terminal: rows and rates, estimates
// marked, a new stage on a bar of its own, and a share that never goes down within one bar.

import { PassThrough } from "node:stream";
import { describe, expect, test } from "vitest";
import { progressBar } from "../cli/progress.ts";
import { barShare, expectNeverBackwards, terminalFrames } from "./support/terminal.ts";

function terminal(): { stream: PassThrough & { isTTY: boolean; columns: number }; frames: () => string[] } {
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 160 });
  const chunks: Buffer[] = [];
  stream.on("data", (chunk: Buffer) => chunks.push(chunk));
  return { stream, frames: () => terminalFrames(Buffer.concat(chunks).toString("utf8")) };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("progressBar", () => {
  test("estimated rows are marked ≈ and the exact count replaces them", async () => {
    const { stream, frames } = terminal();
    const bar = progressBar({ json: false, stream });
    expect(bar).toBeDefined();
    bar?.update({ fraction: 0.25, rows: 250_000, estimated: true });
    await pause(250);
    bar?.update({ fraction: 1, rows: 1_000_123 });
    bar?.stop();
    const drawn = frames();
    expect(drawn.some((f) => /25% \| ≈250,000 rows \| ≈[\d,]+ rows\/s \| ETA/.test(f))).toBe(true);
    expect(drawn.some((f) => /100% \| 1,000,123 rows \| [\d,]+ rows\/s \| ETA/.test(f))).toBe(true);
  });

  test("before the share moves the ETA is an ellipsis, then a time, never NULL or INF", async () => {
    const { stream, frames } = terminal();
    const bar = progressBar({ json: false, stream });
    bar?.update({ fraction: 0 });
    await pause(250);
    bar?.update({ fraction: 0.5, rows: 500 });
    await pause(250);
    bar?.update({ fraction: 0.6, rows: 600 });
    bar?.stop();
    const drawn = frames();
    expect(drawn.some((f) => /0% \| … rows \| … rows\/s \| ETA …/.test(f))).toBe(true);
    expect(drawn.some((f) => /60% \| 600 rows \| [\d,]+ rows\/s \| ETA \d+s/.test(f))).toBe(true);
    expect(drawn.join("\n")).not.toMatch(/NULL|INF/);
  });

  test("a new stage after progress leaves the first bar where it was and starts a labelled one", async () => {
    const { stream, frames } = terminal();
    const bar = progressBar({ json: false, stream });
    bar?.update({ fraction: 0.08 });
    await pause(250);
    bar?.update({ fraction: 0, stage: "checking row by row" });
    bar?.update({ fraction: 0.05, rows: 50_000 });
    await pause(250);
    bar?.update({ fraction: 0.03, rows: 60_000 });
    bar?.stop();
    const drawn = frames();
    const shares = drawn.map(barShare).filter((s) => s !== undefined);
    expect(shares.filter((s) => s.label === "").map((s) => s.percent)).toContain(8);
    expect(shares.filter((s) => s.label === "").every((s) => s.percent <= 8)).toBe(true);
    const checking = shares.filter((s) => s.label === "checking row by row:").map((s) => s.percent);
    expect(checking[0]).toBe(0);
    expect(checking.at(-1)).toBe(5);
    expect(drawn.some((f) => /^checking row by row: .* 5% \| 60,000 rows \| [\d,]+ rows\/s/.test(f))).toBe(true);
    expectNeverBackwards(drawn);
  });

  test("a stage named before any progress relabels the bar instead of drawing another", () => {
    const { stream, frames } = terminal();
    const bar = progressBar({ json: false, stream });
    bar?.update({ fraction: 0, stage: "checking row by row" });
    bar?.update({ fraction: 0.5, rows: 10 });
    bar?.stop();
    const shares = frames().map(barShare).filter((s) => s !== undefined);
    expect(shares.filter((s) => s.label === "").every((s) => s.percent === 0)).toBe(true);
    expect(shares.at(-1)).toEqual({ label: "checking row by row:", percent: 50 });
  });

  test("nothing with --json or when the stream is not a terminal", () => {
    const { stream } = terminal();
    expect(progressBar({ json: true, stream })).toBeUndefined();
    const pipe = Object.assign(new PassThrough(), { isTTY: false });
    expect(progressBar({ json: false, stream: pipe })).toBeUndefined();
  });
});
