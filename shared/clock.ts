// The clock every computation reads: pinned by METRIGATE_NOW for tests and reproducible reports, else real time.

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
  const instant = new Date(value);
  if (Number.isNaN(instant.getTime())) {
    throw new Error(`METRIGATE_NOW must be an ISO-8601 instant, got "${value}"`);
  }
  return fixedClock(instant);
}
