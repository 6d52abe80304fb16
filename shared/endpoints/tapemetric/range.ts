// Tapemetric ranges and figures (CONTRACT §9): the instants of `24h`, `7d`, `30d` and `qtd` in UTC, and
// the rounding every endpoint applies (watch hours and percentages to 1 decimal). Pure; no Node APIs.

import { choiceParam } from "../../catalog/params.ts";
import { round } from "../../catalog/rounding.ts";

export const TM_RANGES = ["24h", "7d", "30d", "qtd"] as const;
export type TmRange = (typeof TM_RANGES)[number];

export function rangeParam(defaultValue: TmRange) {
  return choiceParam(TM_RANGES, defaultValue, "Reporting period ending now (UTC); a session counts in the period it started in.", {
    "24h": "the last 24 hours",
    "7d": "the last 7 days",
    "30d": "the last 30 days",
    qtd: "quarter to date, from 00:00 UTC on the first day of the current calendar quarter",
  });
}

export interface Span {
  /** Inclusive, epoch milliseconds. */
  start: number;
  /** Exclusive, epoch milliseconds. */
  end: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export function startOfQuarter(nowMs: number): number {
  const now = new Date(nowMs);
  return Date.UTC(now.getUTCFullYear(), Math.floor(now.getUTCMonth() / 3) * 3, 1);
}

/** [start, now) of a range. */
export function resolveRange(range: TmRange, nowMs: number): Span {
  switch (range) {
    case "24h":
      return { start: nowMs - DAY_MS, end: nowMs };
    case "7d":
      return { start: nowMs - 7 * DAY_MS, end: nowMs };
    case "30d":
      return { start: nowMs - 30 * DAY_MS, end: nowMs };
    case "qtd":
      return { start: startOfQuarter(nowMs), end: nowMs };
  }
}

/** A range's bounds as the `$start` and `$end` parameters of a query (ISO-8601 text cast in SQL). */
export function rangeBounds(range: TmRange, nowMs: number): { start: string; end: string } {
  const span = resolveRange(range, nowMs);
  return { start: isoOf(span.start), end: isoOf(span.end) };
}

/** The period of equal length just before a span (the base of `wow_delta`). */
export function precedingSpan(span: Span): Span {
  return { start: span.start - (span.end - span.start), end: span.start };
}

export const MONTH_MS = 30 * DAY_MS;

/** Seconds as hours, 1 decimal. */
export function watchHours(seconds: number): number {
  return round(seconds / 3600, 1);
}

/** part ÷ whole × 100, 1 decimal; 0 when the whole is 0. */
export function percentOf(part: number, whole: number): number {
  return whole === 0 ? 0 : round((part / whole) * 100, 1);
}

/** Change from `before` to `after` in percent, 1 decimal; null when there is nothing to compare with. */
export function percentChange(before: number, after: number): number | null {
  return before === 0 ? null : round(((after - before) / before) * 100, 1);
}

/** Epoch milliseconds as the ISO-8601 text DuckDB casts to TIMESTAMP. */
export function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}
