// A progress bar on the terminal for long operator commands (import, seed): share done, rows, rows/s
// and ETA, drawn by cli-progress; nothing at all with --json or when stderr is not a terminal.

import { Presets, SingleBar } from "cli-progress";

export interface Progress {
  fraction: number;
  /** Rows handled so far, once known. */
  rows?: number;
}

export interface ProgressBar {
  update(progress: Progress): void;
  stop(): void;
}

const STEPS = 1000;

export function progressBar(options: { json: boolean; stream?: NodeJS.WriteStream }): ProgressBar | undefined {
  const stream = options.stream ?? process.stderr;
  if (options.json || !stream.isTTY) return undefined;
  const bar = new SingleBar(
    { stream, format: "{bar} {percentage}% | {rows} rows | {speed} rows/s | ETA {eta_formatted}", hideCursor: true, etaBuffer: 30 },
    Presets.shades_classic,
  );
  const started = Date.now();
  bar.start(STEPS, 0, { rows: "…", speed: "…" });
  return {
    update({ fraction, rows }) {
      const seconds = Math.max((Date.now() - started) / 1000, 0.001);
      const counts = rows === undefined ? {} : { rows: rows.toLocaleString("en-US"), speed: Math.round(rows / seconds).toLocaleString("en-US") };
      bar.update(Math.round(Math.min(fraction, 1) * STEPS), counts);
    },
    stop() {
      bar.stop();
    },
  };
}
