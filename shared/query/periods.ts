// The instants a query covers and its time buckets (CONTRACT §17): named ranges read as the family's fixed
// endpoints read them (Taprain's resolvePeriod in the request's zone, Tapemetric's UTC ranges), custom
// dates, the period to compare with, and bucket keys that the SQL computes the same way. Pure; Node-free.

import { resolveRange, type TmRange } from "../endpoints/tapemetric/range.ts";
import { resolvePeriod, type StatsRange } from "../endpoints/taprain/period.ts";
import { dateOfDayNumber, dayNumber, formatLocalHour, localHourStarts, localTime, offsetAt, startOfLocalDay, startOfLocalHour } from "../time/zoned.ts";
import type { QueryRequest } from "./request.ts";
import type { FamilySpec, TimeGrain } from "./vocabulary.ts";

export interface Span {
  /** Inclusive, epoch ms. */
  start: number;
  /** Exclusive, epoch ms. */
  end: number;
}

/** A time bucket: its key as the SQL computes it, and its label. */
export interface TimeBucket {
  key: number;
  label: string;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** The request's period: Taprain ranges in its zone; Tapemetric and CDP ranges, and custom dates, in UTC. */
export function queryPeriod(spec: FamilySpec, q: QueryRequest, nowMs: number): Span {
  const custom = { start: q.start, end: q.end };
  if (spec.zoned) {
    const period = resolvePeriod(q.range as StatsRange, nowMs, q.timezone, custom);
    return { start: period.start, end: period.end };
  }
  if (q.range === "custom") {
    const period = resolvePeriod("custom", nowMs, "UTC", custom);
    return { start: period.start, end: period.end };
  }
  return resolveRange(q.range as TmRange, nowMs);
}

/**
 * The period just before: a custom range of whole calendar months compares with as many months before
 * (a quarter with the quarter before), another custom range with as many days before, a named range
 * with the span of the same length just before it.
 */
export function previousPeriod(q: QueryRequest, period: Span): Span {
  if (q.range !== "custom" || q.start === undefined || q.end === undefined) {
    return { start: period.start - (period.end - period.start), end: period.start };
  }
  const first = dayNumber(q.start);
  const last = dayNumber(q.end);
  const startDate = new Date(first * DAY_MS);
  const afterEnd = new Date((last + 1) * DAY_MS);
  let previousFirst = first - (last - first + 1);
  if (startDate.getUTCDate() === 1 && afterEnd.getUTCDate() === 1) {
    const months = (afterEnd.getUTCFullYear() - startDate.getUTCFullYear()) * 12 + afterEnd.getUTCMonth() - startDate.getUTCMonth();
    previousFirst = Date.UTC(startDate.getUTCFullYear(), startDate.getUTCMonth() - months, 1) / DAY_MS;
  }
  return { start: startOfLocalDay(dateOfDayNumber(previousFirst), q.timezone), end: period.start };
}

/** Local wall-clock time of an instant as epoch ms (the SQL's `instant + offset`). */
function localMs(instantMs: number, zone: string): number {
  return instantMs + offsetAt(instantMs, zone);
}

/** The key of the local day, ISO week or month holding a local time, as local epoch ms of its first day. */
export function calendarKey(grain: Exclude<TimeGrain, "hour">, local: number): number {
  const day = Math.floor(local / DAY_MS);
  if (grain === "day") return day * DAY_MS;
  if (grain === "week") return (day - ((((day + 3) % 7) + 7) % 7)) * DAY_MS;
  const date = new Date(day * DAY_MS);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

function nextCalendarKey(grain: Exclude<TimeGrain, "hour">, key: number): number {
  if (grain === "day") return key + DAY_MS;
  if (grain === "week") return key + 7 * DAY_MS;
  const date = new Date(key);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
}

/**
 * Every bucket that overlaps the period, ascending. Hours are the real clock hours keyed by their first
 * instant (a repeated fall-back hour is two buckets); days, weeks and months are keyed by their first
 * local day and labelled with its date.
 */
export function timeBuckets(grain: TimeGrain, period: Span, zone: string): TimeBucket[] {
  if (period.end <= period.start) return [];
  if (grain === "hour") {
    return localHourStarts(startOfLocalHour(period.start, zone), period.end, zone).map((t) => ({
      key: t,
      label: formatLocalHour(localTime(t, zone)),
    }));
  }
  const buckets: TimeBucket[] = [];
  const lastKey = calendarKey(grain, localMs(period.end - 1, zone));
  for (let key = calendarKey(grain, localMs(period.start, zone)); key <= lastKey; key = nextCalendarKey(grain, key)) {
    buckets.push({ key, label: new Date(key).toISOString().slice(0, 10) });
  }
  return buckets;
}
