// For the progress bar tests: a command run on a pseudo-terminal (util-linux `script`), and the frames a
// bar draws, read back from what the terminal received.

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect } from "vitest";

const run = promisify(execFile);

/** What a terminal received as lines, each redraw of a bar its own (cli-progress redraws after ESC [1G), escapes removed. */
export function terminalFrames(output: string): string[] {
  return output.split(/\r\n|\r|\n|\x1b\[1G/).map((f) => f.replace(/\x1b(\[[0-9;?]*[a-zA-Z]|[78])/g, "").trim());
}

/** The frames a metrigate command writes on a pseudo-terminal, as a user at a terminal would see them, whatever its exit code. */
export async function onTerminal(env: NodeJS.ProcessEnv, ...args: string[]): Promise<string[]> {
  const command = [process.execPath, "bin/metrigate.mjs", ...args].join(" ");
  // `script -e` exits with the command's code: a failing command's output is read all the same.
  const output = await run("script", ["-qec", command, "/dev/null"], { env, timeout: 110_000, maxBuffer: 64 << 20 }).then(
    (done) => done.stdout,
    (e: { stdout: string }) => e.stdout,
  );
  return terminalFrames(output);
}

/** The share a frame of a bar shows, and the label before the bar ("" for none); undefined for other lines. */
export function barShare(frame: string): { label: string; percent: number } | undefined {
  const match = /^(.*?)[░█]+ (\d+)% \|/.exec(frame);
  return match ? { label: match[1].trim(), percent: Number(match[2]) } : undefined;
}

/** Within each bar (a label and its redraws) the share shown never goes down; at least one bar was drawn. */
export function expectNeverBackwards(frames: string[]): void {
  const shares = new Map<string, number>();
  for (const frame of frames) {
    const share = barShare(frame);
    if (!share) continue;
    expect(share.percent, frame).toBeGreaterThanOrEqual(shares.get(share.label) ?? 0);
    shares.set(share.label, share.percent);
  }
  expect(shares.size).toBeGreaterThan(0);
}
