// A progress bar on the terminal for long operator commands (import, seed, copy): share done, rows, rows/s
// and ETA, drawn by cli-progress; nothing at all with --json or when stderr is not a terminal.

import { Presets, SingleBar } from "cli-progress";

export interface Progress {
  /** The share of the current stage done, from 0 to 1. */
  fraction: number;
  /** Rows handled so far, once known. */
  rows?: number;
  /** `rows` is an estimate (shown as "≈1,234 rows"). */
  estimated?: boolean;
  /** A new stage, counting from 0 again: the bar so far stays on its line and a new one starts, labelled. */
  stage?: string;
}

export interface ProgressBar {
  update(progress: Progress): void;
  stop(): void;
}

const STEPS = 1000;
const UNKNOWN = { rows: "…", speed: "…" };

/** Seconds left as `42s`, `3m05s` or `1h02m`. */
function remaining(seconds: number): string {
  const s = Math.max(Math.round(seconds), 0);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

const count = (n: number, estimated: boolean | undefined): string => `${estimated ? "≈" : ""}${Math.round(n).toLocaleString("en-US")}`;

export function progressBar(options: { json: boolean; stream?: NodeJS.WritableStream & { isTTY?: boolean } }): ProgressBar | undefined {
  const stream = options.stream ?? process.stderr;
  if (options.json || !stream.isTTY) return undefined;
  const bar = new SingleBar(
    {
      stream,
      format: "{stage}{bar} {percentage}% | {rows} rows | {speed} rows/s | ETA {eta_formatted}",
      hideCursor: true,
      etaBuffer: 30,
      // Before the share first moves there is no rate to go by: "…" rather than cli-progress's NULL or INF.
      formatTime: (seconds: number) => (Number.isFinite(seconds) ? remaining(seconds) : "…"),
    },
    Presets.shades_classic,
  );
  // Within one bar the share shown never goes down; a new stage gets a bar of its own.
  let [started, shown, stage] = [Date.now(), 0, ""];
  bar.start(STEPS, 0, { ...UNKNOWN, stage });
  const restart = (label: string) => {
    stage = label;
    if (shown > 0) {
      bar.stop();
      [started, shown] = [Date.now(), 0];
      bar.start(STEPS, 0, { ...UNKNOWN, stage: `${label}: ` });
    } else bar.update(0, { stage: `${label}: ` });
  };
  return {
    update(progress) {
      if (progress.stage !== undefined && progress.stage !== stage) restart(progress.stage);
      const { fraction, rows, estimated } = progress;
      const seconds = Math.max((Date.now() - started) / 1000, 0.001);
      const counts = rows === undefined ? {} : { rows: count(rows, estimated), speed: count(rows / seconds, estimated) };
      shown = Math.max(shown, Math.round(Math.min(Math.max(fraction, 0), 1) * STEPS));
      bar.update(shown, counts);
    },
    stop() {
      bar.stop();
    },
  };
}
