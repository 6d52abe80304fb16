// The query compiler (CONTRACT §17): a validated request becomes one SQL statement with bound parameters,
// in DuckDB's or ClickHouse's SQL — dimension values, filter values, zones, instants and bucket keys are all
// parameters; only names from the family's vocabulary ever become SQL text. Per event table: filter, bucket
// and aggregate with a totals grouping set; then add the tables up, zero-fill the time buckets, join the
// previous period, rank and page. The two engines' SQL differs only where ENGINE_SQL and bucketSql say.

import type { SqlParams } from "../store/store.ts";
import { offsetSegments, type OffsetSegment } from "../time/zoned.ts";
import { DAY_MS, HOUR_MS, type Span } from "./periods.ts";
import { timeGrainOf, type FilterOperator, type QueryRequest } from "./request.ts";
import { sourcesFor, sqlFor, type Dialect, type FamilySpec, type SourceSpec, type TimeGrain } from "./vocabulary.ts";

export type { Dialect } from "./vocabulary.ts";

export interface CompileInput {
  spec: FamilySpec;
  query: QueryRequest;
  period: Span;
  /** The period compared with, when the request compares. */
  previous?: Span;
  /** The current period's bucket keys, ascending, and the previous period's in the same positions. */
  bucketKeys: readonly number[];
  previousKeys: readonly number[];
  /** The clock's instant (CDP's current segment membership). */
  nowMs: number;
}

export interface CompiledQuery {
  sql: string;
  params: SqlParams;
  /** The base aggregates each row carries (and, comparing, `prev_<base>`). */
  bases: string[];
}

/** The columns a result row of a compiled query carries. */
export type ResultRow = Record<string, string | number | null> & { part: number; total_rows: number };

const iso = (ms: number) => new Date(ms).toISOString();

/** The types of bound values, as each engine spells them. */
const PARAMETER_TYPES = {
  instant: { duckdb: "TIMESTAMP", clickhouse: "DateTime64(3, 'UTC')" },
  integer: { duckdb: "BIGINT", clickhouse: "Int64" },
  text: { duckdb: "VARCHAR", clickhouse: "String" },
  texts: { duckdb: "VARCHAR[]", clickhouse: "Array(String)" },
  integers: { duckdb: "BIGINT[]", clickhouse: "Array(Int64)" },
} as const satisfies Record<string, Record<Dialect, string>>;

type ParameterType = keyof typeof PARAMETER_TYPES;

/** The caller's workspace, bound by the engine's scoped runner. */
const WORKSPACE: Record<Dialect, string> = { duckdb: "$ws", clickhouse: "{ws:String}" };

/** The expressions the two engines write differently, side by side; everything else is the same SQL. */
const ENGINE_SQL: Record<
  Dialect,
  {
    /** Case-insensitive substring test; the needle is bound lower-case. */
    containsText(value: string, needle: string): string;
    inList(list: string, value: string): string;
    double(sql: string): string;
    /** One row per element of a bound list. */
    rowsOf(list: string): string;
    /** The element of `keys` at the position `key` has in `others` (NULL or 0 when absent). */
    keyAt(keys: string, others: string, key: string): string;
  }
> = {
  duckdb: {
    containsText: (value, needle) => `contains(lower(${value}), ${needle})`,
    inList: (list, value) => `list_contains(${list}, ${value})`,
    double: (sql) => `${sql}::DOUBLE`,
    rowsOf: (list) => `unnest(${list})`,
    keyAt: (keys, others, key) => `list_extract(${keys}, list_position(${others}, ${key}))`,
  },
  clickhouse: {
    containsText: (value, needle) => `position(lowerUTF8(${value}), ${needle}) > 0`,
    inList: (list, value) => `has(${list}, ${value})`,
    double: (sql) => `toFloat64(${sql})`,
    rowsOf: (list) => `arrayJoin(${list})`,
    keyAt: (keys, others, key) => `${keys}[indexOf(${others}, ${key})]`,
  },
};

class Binder {
  readonly params: SqlParams = {};
  private count = 0;

  constructor(readonly dialect: Dialect) {}

  /** A bound value as the engine writes it: `$name::TYPE` (DuckDB) or `{name:Type}` (ClickHouse). */
  bind(prefix: string, value: string | number | readonly string[] | readonly number[], type: ParameterType): string {
    const name = `${prefix}${this.count++}`;
    this.params[name] = value;
    const spelled = PARAMETER_TYPES[type][this.dialect];
    return this.dialect === "duckdb" ? `$${name}::${spelled}` : `{${name}:${spelled}}`;
  }
}

/** DuckDB: local time as epoch ms, the instant plus the zone's offset in force (one CASE branch per change). */
function localMsSql(time: string, segments: readonly OffsetSegment[], binder: Binder): string {
  const epoch = `epoch_ms(${time})`;
  const offset = (ms: number) => binder.bind("tz", ms, "integer");
  if (segments.length === 1) return segments[0].offsetMs === 0 ? epoch : `(${epoch} + ${offset(segments[0].offsetMs)})`;
  const branches = segments.slice(1).map((seg, i) => `WHEN ${epoch} < ${offset(seg.from)} THEN ${offset(segments[i].offsetMs)}`);
  return `(${epoch} + CASE ${branches.join(" ")} ELSE ${offset(segments[segments.length - 1].offsetMs)} END)`;
}

/**
 * An hour's key never earlier than the offset change the row follows: where a zone moves its clock by half
 * an hour (Lord Howe Island), the hour after the change starts at the change (02:30, or the second 01:30),
 * as `localHourStarts` has it, not at a 02:00 or 01:00 that the new offset would put before it.
 */
function notBeforeOffsetChange(key: string, epoch: string, segments: readonly OffsetSegment[], binder: Binder): string {
  const changes = segments.slice(1);
  if (changes.length === 0) return key;
  const at = changes.map((change) => binder.bind("tz", change.from, "integer"));
  const latest = at.map((from) => `WHEN ${epoch} >= ${from} THEN ${from}`).reverse();
  return `greatest(${key}, CASE ${latest.join(" ")} ELSE ${key} END)`;
}

/**
 * The bucket key of a row: the instant (epoch ms) its local clock hour began, or the first local day of
 * its day, ISO week or month as local epoch ms (what `calendarKey` computes). DuckDB works from the
 * offsets in force; ClickHouse uses its own zone functions, which give the same keys (DST, half-hour zones).
 */
function bucketSql(grain: TimeGrain, time: string, zone: string, window: Span, binder: Binder): string {
  if (binder.dialect === "clickhouse") {
    const tz = binder.bind("tz", zone, "text");
    const dayMs = (date: string) => `toInt64(toRelativeDayNum(${date})) * ${DAY_MS}`;
    switch (grain) {
      case "hour":
        return notBeforeOffsetChange(
          `toInt64(toUnixTimestamp(toStartOfHour(${time}, ${tz}))) * 1000`,
          `toUnixTimestamp64Milli(${time})`,
          offsetSegments(window.start, window.end, zone),
          binder,
        );
      case "day":
        return dayMs(`toDate(${time}, ${tz})`);
      case "week":
        return dayMs(`toMonday(${time}, ${tz})`);
      case "month":
        return dayMs(`toStartOfMonth(${time}, ${tz})`);
    }
  }
  // The zone's offsets over the window, worked out once for both uses.
  const segments = offsetSegments(window.start, window.end, zone);
  const local = localMsSql(time, segments, binder);
  switch (grain) {
    case "hour":
      return notBeforeOffsetChange(`(epoch_ms(${time}) - ${local} % ${HOUR_MS})`, `epoch_ms(${time})`, segments, binder);
    case "day":
      return `(${local} // ${DAY_MS} * ${DAY_MS})`;
    case "week":
      return `((${local} // ${DAY_MS} - (${local} // ${DAY_MS} + 3) % 7) * ${DAY_MS})`;
    case "month":
      return `epoch_ms(date_trunc('month', make_timestamp(${local} * 1000)))`;
  }
}

function valueFilter(value: string, operator: FilterOperator, values: readonly string[], binder: Binder): string {
  const engine = ENGINE_SQL[binder.dialect];
  if (operator === "contains") {
    return `(${values.map((v) => engine.containsText(value, binder.bind("f", v.toLowerCase(), "text"))).join(" OR ")})`;
  }
  const listed = engine.inList(binder.bind("f", values, "texts"), value);
  return operator === "is" ? listed : `NOT ${listed}`;
}

/**
 * A filter on a row's value; on a fan-out dimension the request does not split by, a filter on the
 * row's key instead (a member in any matching segment, or in none of the excluded ones), so no row counts twice.
 */
function filterSql(source: SourceSpec, query: QueryRequest, split: readonly string[], binder: Binder): string[] {
  return query.filters.map(([dimension, operator, values]) => {
    const spec = source.dimensions[dimension];
    const value = sqlFor(spec.sql, binder.dialect);
    if (!spec.fanOut || split.includes(dimension)) return valueFilter(value, operator, values, binder);
    const { key, rows, alias } = spec.fanOut;
    const matching = operator === "is_not" ? "is" : operator;
    const keys = `SELECT ${alias}.member_id FROM (${sqlFor(rows, binder.dialect)}) AS ${alias} WHERE ${valueFilter(value, matching, values, binder)}`;
    return `${key} ${operator === "is_not" ? "NOT IN" : "IN"} (${keys})`;
  });
}

/** How a source's rows are grouped: by the dimensions with a totals set, by the dimensions only, or totals only. */
type Grouping = "with_totals" | "detail" | "totals";

function sourceSql(source: SourceSpec, input: CompileInput, grouping: Grouping, bases: readonly string[], binder: Binder, window: Span): string {
  const { query } = input;
  const { dialect } = binder;
  const grain = timeGrainOf(query.dimensions);
  const split = grouping === "totals" ? [] : query.dimensions;
  const dimensions = query.dimensions.map((d, i) => {
    if (grouping === "totals") return `NULL AS d${i}`;
    const sql = d.startsWith("time:") && grain ? bucketSql(grain, source.time, query.timezone, window, binder) : sqlFor(source.dimensions[d].sql, dialect);
    return `${sql} AS d${i}`;
  });
  const period = input.previous ? `CASE WHEN ${source.time} >= ${binder.bind("t", iso(input.period.start), "instant")} THEN 0 ELSE 1 END` : "0";
  const aggregates = bases.map((b) => {
    const base = source.bases[b];
    return `${base === undefined ? "0" : sqlFor(base, dialect)} AS ${b}`;
  });
  const joins = Object.entries(source.joins)
    .filter(([name]) => split.some((d) => source.dimensions[d]?.join === name) || query.filters.some(([d]) => !source.dimensions[d].fanOut && source.dimensions[d].join === name))
    .map(([, join]) => sqlFor(join, dialect));
  const where = [
    `${source.alias}.workspace_id = ${WORKSPACE[dialect]}`,
    `${source.time} >= ${binder.bind("t", iso(window.start), "instant")}`,
    `${source.time} < ${binder.bind("t", iso(window.end), "instant")}`,
    ...filterSql(source, query, split, binder),
  ];
  const keys = ["p", ...query.dimensions.map((_, i) => `d${i}`)];
  const groupingSql = { with_totals: split.length > 0 ? `GROUPING(${keys.slice(1).join(", ")})` : "0", detail: "0", totals: "1" }[grouping];
  const groupBy = grouping === "with_totals" && split.length > 0 ? `GROUPING SETS ((${keys.join(", ")}), (p))` : grouping === "totals" ? "p" : keys.join(", ");
  return `SELECT ${groupingSql} AS g, ${[`${period} AS p`, ...dimensions, ...aggregates].join(", ")}
      FROM ${sqlFor(source.from, dialect)} ${joins.join(" ")}
      WHERE ${where.join(" AND ")}
      GROUP BY ${groupBy}`;
}

/**
 * A dimension that fans rows out (a member in two segments) would count a row twice in a totals set,
 * so its totals come from a second pass over the table without the split.
 */
function sourceParts(source: SourceSpec, input: CompileInput, bases: readonly string[], binder: Binder, window: Span): string[] {
  const fansOut = input.query.dimensions.some((d) => source.dimensions[d]?.fanOut);
  if (!fansOut) return [sourceSql(source, input, "with_totals", bases, binder, window)];
  return [sourceSql(source, input, "detail", bases, binder, window), sourceSql(source, input, "totals", bases, binder, window)];
}

function orderSql(input: CompileInput): string {
  const { spec, query } = input;
  const column = (dimension: string) => `d${query.dimensions.indexOf(dimension)}`;
  const time = query.dimensions.find((d) => d.startsWith("time:"));
  const requested = query.order_by.length > 0 ? query.order_by : time ? [[time, "asc"] as const] : [[query.metrics[0], "desc"] as const];
  const terms = requested.map(([term, direction]) => {
    const sql = term in spec.metrics ? `(${spec.metrics[term].sortSql})` : column(term);
    return `${sql} ${direction.toUpperCase()}`;
  });
  return [...terms, ...query.dimensions.map((d) => `${column(d)} ASC`)].join(", ");
}

/** Compiles a validated request into one statement for the store's engine; its rows are read by `shapeAnswer`. */
export function compileQuery(input: CompileInput, dialect: Dialect): CompiledQuery {
  const { spec, query } = input;
  const engine = ENGINE_SQL[dialect];
  const binder = new Binder(dialect);
  const bases = [...new Set(query.metrics.flatMap((m) => spec.metrics[m].bases))];
  const window: Span = { start: input.previous?.start ?? input.period.start, end: input.period.end };
  const parts = sourcesFor(spec, query.metrics).flatMap((s) => sourceParts(s, input, bases, binder, window));
  const dims = query.dimensions.map((_, i) => `d${i}`);
  const timeIndex = query.dimensions.findIndex((d) => d.startsWith("time:"));
  const plain = dims.filter((_, i) => i !== timeIndex);
  const sums = bases.map((b) => `${engine.double(`sum(${b})`)} AS ${b}`);
  const detail = "g = 0";
  const total = dims.length > 0 ? "g > 0" : "g = 0";

  const keys = timeIndex >= 0 ? binder.bind("k", input.bucketKeys, "integers") : "";
  // The rows of the answer: without a time dimension the current rows themselves (one row even when
  // there are none and nothing is split); with one, every bucket for every combination of the other dimensions.
  const rowsOwnRows = timeIndex < 0 && dims.length > 0;
  const base = rowsOwnRows ? "cur" : "grid";
  let grid = "";
  if (timeIndex < 0 && dims.length === 0) grid = "SELECT 1 AS one";
  else if (timeIndex >= 0 && plain.length === 0) grid = `SELECT ${engine.rowsOf(keys)} AS d${timeIndex}`;
  else if (timeIndex >= 0) grid = `SELECT ${plain.map((d) => `o.${d} AS ${d}`).join(", ")}, k.key AS d${timeIndex} FROM (SELECT DISTINCT ${plain.join(", ")} FROM cur) AS o CROSS JOIN (SELECT ${engine.rowsOf(keys)} AS key) AS k`;
  const on = (table: string) => (dims.length > 0 ? dims.map((d) => `${table}.${d} = ${base}.${d}`).join(" AND ") : "TRUE");

  const previousCte = input.previous
    ? `, prev AS (SELECT ${dims
        .map((d, i) => (i === timeIndex ? `${engine.keyAt(keys, binder.bind("k", input.previousKeys, "integers"), d)} AS ${d}` : d))
        .concat(bases)
        .join(", ")} FROM agg WHERE ${detail} AND p = 1)`
    : "";
  const previousColumns = input.previous ? bases.map((b) => `coalesce(prev.${b}, 0) AS prev_${b}`) : [];
  const previousJoin = input.previous ? `LEFT JOIN prev ON ${on("prev")}` : "";
  const pageColumns = [...dims, ...bases, ...(input.previous ? bases.map((b) => `prev_${b}`) : [])];
  const totalColumns = [...dims.map((d) => `NULL AS ${d}`), ...bases, ...(input.previous ? bases.map((b) => `NULL AS prev_${b}`) : [])];

  // The rows (part 0) and the totals (part 1, and 2 for the previous period) are ranked together, so the
  // statement reads `agg` no more often than it must: ClickHouse evaluates a named subquery wherever it is used.
  // Rows that are the current groups themselves, without a previous period, come from one read of `agg`
  // (its totals rows are the ones with g > 0); otherwise the rows are joined to the grid or the previous period.
  const oneRead = rowsOwnRows && !input.previous;
  const result = oneRead
    ? `SELECT CASE WHEN g = 0 THEN 0 ELSE 1 END AS part, ${[
        ...dims.map((d) => `CASE WHEN g = 0 THEN ${d} END AS ${d}`),
        ...bases.map((b) => `CASE WHEN g = 0 THEN coalesce(${b}, 0) ELSE ${b} END AS ${b}`),
      ].join(", ")}
      FROM agg`
    : `SELECT 0 AS part, ${[...dims.map((d) => `${base}.${d} AS ${d}`), ...bases.map((b) => `coalesce(cur.${b}, 0) AS ${b}`), ...previousColumns].join(", ")}
      FROM ${rowsOwnRows ? "cur" : `grid LEFT JOIN cur ON ${on("cur")}`} ${previousJoin}
      UNION ALL
      SELECT 1 + p AS part, ${totalColumns.join(", ")}
      FROM agg WHERE ${total}`;
  const sql = `
    WITH parts AS (${parts.join("\n      UNION ALL ")}),
    agg AS (SELECT g, p, ${[...dims, ...sums].join(", ")} FROM parts GROUP BY ${["g", "p", ...dims].join(", ")}),
    ${oneRead ? "" : `cur AS (SELECT ${[...dims, ...bases].join(", ")} FROM agg WHERE ${detail} AND p = 0)${previousCte},`}
    ${rowsOwnRows ? "" : `grid AS (${grid}),`}
    result AS (${result}),
    ranked AS (
      SELECT *, row_number() OVER (PARTITION BY part ORDER BY ${orderSql(input)}) AS rn,
             sum(CASE WHEN part = 0 THEN 1 ELSE 0 END) OVER () AS total_rows
      FROM result
    )
    SELECT part, rn, total_rows, ${pageColumns.join(", ")}
    FROM ranked
    WHERE part > 0 OR (rn > ${binder.bind("n", query.offset, "integer")} AND rn <= ${binder.bind("n", query.offset + query.limit, "integer")})
    ORDER BY part, rn`;
  const params: SqlParams = { ...binder.params };
  if (/\$now\b|\{now:/.test(sql)) params.now = iso(input.nowMs);
  return { sql, params, bases };
}
