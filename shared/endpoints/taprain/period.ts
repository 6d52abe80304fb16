// Stats API periods (CONTRACT §10.1): the instant range, granularity and time-series buckets of a
// `range` in an IANA zone. Pure; no Node APIs.

import { supportedDay } from "../../catalog/params.ts";
import { BadParameter } from "../../errors.ts";
import {
  dateOfDayNumber,
  dayNumber,
  formatLocalHour,
  localDate,
  localHourStarts,
  localTime,
  startOfLocalDay,
  startOfLocalHour,
} from "../../time/zoned.ts";

export const STATS_RANGES = ["hour", "today", "yesterday", "7days", "30days", "custom"] as const;
export type StatsRange = (typeof STATS_RANGES)[number];
export type Granularity = "hour" | "day";

export interface Bucket {
  start: number;
  label: string;
}

export interface Period {
  start: number;
  /** Exclusive. */
  end: number;
  granularity: Granularity;
  buckets: Bucket[];
}

const MAX_CUSTOM_DAYS = 365;

function requireDate(name: "start" | "end", value: string | undefined): number {
  if (value === undefined) throw new BadParameter(name, `Parameter '${name}' is required when range is custom (YYYY-MM-DD).`);
  return supportedDay(name, value);
}

function dayBuckets(firstDay: number, endMs: number, zone: string): Bucket[] {
  const buckets: Bucket[] = [];
  for (let day = firstDay; ; day++) {
    const date = dateOfDayNumber(day);
    const start = startOfLocalDay(date, zone);
    if (start >= endMs) break;
    buckets.push({ start, label: date });
  }
  return buckets;
}

function hourBuckets(startMs: number, endMs: number, zone: string): Bucket[] {
  return localHourStarts(startMs, endMs, zone).map((start) => ({ start, label: formatLocalHour(localTime(start, zone)) }));
}

export function resolvePeriod(
  range: StatsRange,
  nowMs: number,
  zone: string,
  custom: { start?: string; end?: string } = {},
): Period {
  const today = dayNumber(localDate(nowMs, zone));
  const dayStart = (day: number) => startOfLocalDay(dateOfDayNumber(day), zone);
  let start: number;
  let end: number;
  let granularity: Granularity;
  let firstDay: number;
  switch (range) {
    case "hour":
      start = startOfLocalHour(nowMs, zone);
      end = nowMs;
      granularity = "hour";
      firstDay = today;
      break;
    case "today":
      firstDay = today;
      start = dayStart(today);
      end = nowMs;
      granularity = "hour";
      break;
    case "yesterday":
      firstDay = today - 1;
      start = dayStart(today - 1);
      end = dayStart(today);
      granularity = "hour";
      break;
    case "7days":
    case "30days":
      firstDay = today - (range === "7days" ? 6 : 29);
      start = dayStart(firstDay);
      end = nowMs;
      granularity = "day";
      break;
    case "custom": {
      const first = requireDate("start", custom.start);
      const last = requireDate("end", custom.end);
      if (first > last) {
        throw new BadParameter("start", `Parameter 'start' (${custom.start}) must not be after 'end' (${custom.end}).`);
      }
      if (last - first > MAX_CUSTOM_DAYS) {
        throw new BadParameter(
          "end",
          `Parameter 'end': a custom range may cover at most ${MAX_CUSTOM_DAYS + 1} days, start and end included (${custom.start} to ${custom.end} is ${last - first + 1}).`,
        );
      }
      firstDay = first;
      start = dayStart(first);
      end = dayStart(last + 1);
      granularity = first === last ? "hour" : "day";
      break;
    }
  }
  const buckets = granularity === "hour" ? hourBuckets(start, end, zone) : dayBuckets(firstDay, end, zone);
  return { start, end, granularity, buckets };
}
