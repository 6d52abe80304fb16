// SQL building blocks for deterministic demo data: hash-based uniform numbers and weighted choices,
// so millions of rows are generated inside DuckDB in seconds and the same seed gives the same rows.

import { sqlString } from "../store/sql-literal.ts";

/** A uniform number in [0, 1) from the row number `i`, a seed and a salt naming the column. */
export function uniform(seed: number, salt: string, i = "i"): string {
  return `((hash(${i}, ${seed}, '${salt}') % 1000000)::DOUBLE / 1000000)`;
}

/** A weighted choice among values: a list with each value repeated by its weight, indexed uniformly. */
export function weighted(seed: number, salt: string, choices: Record<string, number>, i = "i"): string {
  const expanded: string[] = [];
  for (const [value, weight] of Object.entries(choices)) {
    for (let k = 0; k < weight; k++) expanded.push(sqlString(value));
  }
  return `([${expanded.join(", ")}])[1 + floor(${uniform(seed, salt, i)} * ${expanded.length})::INTEGER]`;
}

/** Relative weight of each UTC hour of the day: quiet nights, evening peak (a daily cycle). */
export const HOUR_WEIGHTS: Record<string, number> = Object.fromEntries(
  Array.from({ length: 24 }, (_, h) => [String(h), [2, 1, 1, 1, 1, 2, 3, 5, 6, 7, 7, 8, 8, 8, 8, 9, 10, 11, 13, 14, 13, 10, 6, 3][h]]),
);

/** Relative weight of each day of the week, 0 = Sunday: busier weekends (a weekly cycle). */
export const WEEKDAY_WEIGHTS = [12, 9, 9, 9, 10, 11, 13];

/**
 * An instant within the `days` days before `anchorMs`, with daily and weekly cycles: a day offset
 * (weighted by weekday) plus an hour (weighted by HOUR_WEIGHTS) plus a uniform second in the hour.
 */
export function cyclicInstant(seed: number, salt: string, anchorMs: number, days: number, i = "i"): string {
  const anchorDay = Math.floor(anchorMs / 86_400_000);
  const dayWeights: Record<string, number> = {};
  for (let back = 0; back < days; back++) {
    const weekday = (((anchorDay - back + 4) % 7) + 7) % 7;
    dayWeights[String(back)] = WEEKDAY_WEIGHTS[weekday];
  }
  const dayBack = `(${weighted(seed, `${salt}-day`, dayWeights, i)})::INTEGER`;
  const hour = `(${weighted(seed, `${salt}-hour`, HOUR_WEIGHTS, i)})::INTEGER`;
  const second = `floor(${uniform(seed, `${salt}-sec`, i)} * 3600)::BIGINT`;
  // Epoch seconds of the chosen day's UTC midnight + hour + second.
  return `make_timestamp(((${anchorDay} - ${dayBack})::BIGINT * 86400 + ${hour} * 3600 + ${second}) * 1000000)`;
}
