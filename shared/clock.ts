// The clock every computation reads: pinned by METRIGATE_NOW for tests and reproducible reports, else real time.

import { InvalidInput } from "./errors.ts";

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function fixedClock(at: Date | string): Clock {
  const instant = typeof at === "string" ? new Date(at) : at;
  if (Number.isNaN(instant.getTime())) throw new Error(`Invalid instant: ${String(at)}`);
  return { now: () => new Date(instant.getTime()) };
}

/** METRIGATE_NOW when set (an ISO-8601 instant), else the system clock. */
export function clockFromEnv(value: string | undefined): Clock {
  if (!value) return systemClock;
  // A date and a time with Z or an offset: `new Date` alone would also take "1" (2001) or "March 18, 2026".
  const instant = ISO_INSTANT.test(value.trim()) ? new Date(value.trim()) : new Date(Number.NaN);
  // A real calendar date (Date would roll 02-31 over into March) within the dates the APIs serve.
  const [year, month, day] = value.trim().slice(0, 10).split("-").map(Number);
  const real = new Date(Date.UTC(year, month - 1, day));
  const valid = real.getUTCMonth() === month - 1 && real.getUTCDate() === day && year >= 1971 && year <= 2099;
  if (Number.isNaN(instant.getTime()) || !valid) {
    throw new InvalidInput(`METRIGATE_NOW must be an ISO-8601 instant from 1971 to 2099 such as 2026-03-18T15:30:00Z (got "${value}").`);
  }
  return fixedClock(instant);
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;
