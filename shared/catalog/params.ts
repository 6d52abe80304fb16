// Parameter building blocks with consistent descriptions and 400 messages, and the coercion of
// query-string values into the schema's types. Free of Node APIs.

import { z } from "zod";
import { BadParameter } from "../errors.ts";
import { dayNumber } from "../time/zoned.ts";

/**
 * Dates a request may name. Every zone's local day then lies inside what both engines store (DuckDB
 * timestamps, ClickHouse DateTime from 1970 to 2106) with a margin for the ±14 h of zone offsets.
 */
export const FIRST_SUPPORTED_DATE = "1971-01-01";
export const LAST_SUPPORTED_DATE = "2099-12-31";

/** A `YYYY-MM-DD` parameter as days since 1970-01-01; a 400 naming it when not a real, supported date. */
export function supportedDay(name: string, value: string): number {
  const day = dayNumber(value);
  if (Number.isNaN(day)) throw new BadParameter(name, `Parameter '${name}' must be a real date in YYYY-MM-DD form (got ${JSON.stringify(value)}).`);
  if (value < FIRST_SUPPORTED_DATE || value > LAST_SUPPORTED_DATE) {
    throw new BadParameter(name, `Parameter '${name}' must be a date from ${FIRST_SUPPORTED_DATE} to ${LAST_SUPPORTED_DATE} (got ${JSON.stringify(value)}).`);
  }
  return day;
}

export function limitParam(defaultValue: number) {
  return z
    .number()
    .int()
    .min(1)
    .max(200)
    .default(defaultValue)
    .describe(`Maximum number of rows to return, 1-200 (default ${defaultValue}).`);
}

export function offsetParam() {
  return z.number().int().min(0).default(0).describe("Number of rows to skip before the first returned row (default 0).");
}

/** A closed vocabulary with a description of every value, as plausible's query schema does. */
export function choiceParam<const V extends readonly [string, ...string[]]>(
  values: V,
  defaultValue: V[number],
  summary: string,
  meanings: Record<V[number], string>,
) {
  const described = values.map((v: V[number]) => `"${v}" = ${meanings[v]}`).join("; ");
  return z.enum(values).default(defaultValue).describe(`${summary} One of: ${described}. Default "${defaultValue}".`);
}

type AnyZod = z.ZodType;

/** The schema under optional/default/nullable wrappers. */
function baseOf(schema: AnyZod): AnyZod {
  let current = schema;
  for (;;) {
    const def = current._zod.def as { type: string; innerType?: AnyZod };
    if ((def.type === "optional" || def.type === "default" || def.type === "nullable") && def.innerType) {
      current = def.innerType;
    } else {
      return current;
    }
  }
}

export function baseTypeName(schema: AnyZod): string {
  return (baseOf(schema)._zod.def as { type: string }).type;
}

function isStrict(schema: z.ZodObject): boolean {
  const catchall = (schema._zod.def as { catchall?: AnyZod }).catchall;
  return catchall !== undefined && baseTypeName(catchall) === "never";
}

function acceptsList(schema: AnyZod): boolean {
  const base = baseOf(schema)._zod.def as { type: string; options?: AnyZod[] };
  return base.type === "array" || (base.type === "union" && (base.options ?? []).some((o) => baseTypeName(o) === "array"));
}

/**
 * Turns query-string values into the types the schema expects (numbers, booleans); unknown names are
 * dropped, empty strings count as absent. Values that do not convert are kept so validation names them.
 */
export function coerceQuery(schema: z.ZodObject, query: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // A strict schema (the query API's body) refuses unknown names, so they are kept for validation to name.
  if (isStrict(schema)) for (const name of Object.keys(query)) if (!Object.hasOwn(schema.shape, name)) out[name] = query[name];
  for (const [name, field] of Object.entries(schema.shape)) {
    let value = query[name];
    // A repeated query-string parameter (`country=US&country=GB`, as Python's requests and axios send a
    // list): one comma-separated value where the parameter takes one, else a 400 rather than a silent pick.
    if (Array.isArray(value) && !acceptsList(field as AnyZod)) {
      if (!/^Comma-separated/.test((field as AnyZod).description ?? "")) {
        throw new BadParameter(name, `Parameter '${name}' was given ${value.length} times; give it once.`);
      }
      value = value.join(",");
    }
    if (value === undefined || value === "") continue;
    if (typeof value === "string") {
      const type = baseTypeName(field as AnyZod);
      const number = Number(value.trim());
      // Out-of-range spellings (1e309) stay text, so the 400 quotes them as typed.
      if (type === "number" && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(value.trim()) && Number.isFinite(number)) value = number;
      else if (type === "boolean" && /^(true|false)$/i.test(value.trim())) value = value.trim().toLowerCase() === "true";
    }
    out[name] = value;
  }
  return out;
}

/** What kind of JSON value a body or field holds, for a sentence: "null", "a list", "an object", "a number"… */
export function jsonKindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  // JSON has no spelling for Infinity (JSON.parse turns 1e309 into it); JSON.stringify would say null.
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return JSON.stringify(value);
}

/** One clear sentence for the first problem zod found, naming the parameter and what it allows. */
export function issueMessage(issue: z.core.$ZodIssue, input: Record<string, unknown>): { parameter: string; message: string } {
  const parameter = issue.path.map(String).join(".") || "body";
  const got = describeValue(input[String(issue.path[0])]);
  const missing = issue.path.length === 1 && input[String(issue.path[0])] === undefined;
  switch (issue.code) {
    case "invalid_value":
      if (missing) return { parameter, message: `Parameter '${parameter}' is required. Allowed values: ${issue.values.map(String).join(", ")}.` };
      return {
        parameter,
        message: `Invalid value ${got} for parameter '${parameter}'. Allowed values: ${issue.values.map(String).join(", ")}.`,
      };
    case "too_big":
      return { parameter, message: `Parameter '${parameter}' must be at most ${String(issue.maximum)} (got ${got}).` };
    case "too_small":
      return { parameter, message: `Parameter '${parameter}' must be at least ${String(issue.minimum)} (got ${got}).` };
    case "invalid_type": {
      const expected = issue.expected === "int" ? "an integer" : issue.expected === "boolean" ? "true or false" : `a ${issue.expected}`;
      if (missing) return { parameter, message: `Parameter '${parameter}' is required.` };
      return { parameter, message: `Parameter '${parameter}' must be ${expected} (got ${got}).` };
    }
    case "invalid_format":
      return { parameter, message: `Parameter '${parameter}' has an invalid format (got ${got}): ${issue.message}.` };
    default:
      return { parameter, message: issue.message.includes(parameter) ? issue.message : `Parameter '${parameter}': ${issue.message}` };
  }
}

/** Validates parameters against an endpoint's schema; the first problem becomes a BadParameter. */
export function parseParams<S extends z.ZodObject>(schema: S, input: Record<string, unknown>): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const { issues } = result.error;
  // zod reports an integer beyond 2^53 against the safe-integer bound first; the field's own bound is the true one.
  const issue = issues.find((i) => !(i.code === "too_big" && i.origin === "int")) ?? issues[0];
  if (issue.code === "unrecognized_keys") {
    const allowed = Object.keys(schema.shape).join(", ");
    throw new BadParameter(issue.keys[0], `Unknown parameter '${issue.keys[0]}'. Allowed parameters: ${allowed}.`);
  }
  // A value in none of the forms a parameter takes (a list nested once too often): say which forms, from
  // the first sentence of its description, rather than zod's "Invalid input".
  const described = issue.code === "invalid_union" && issue.path.length > 0 ? (schema.shape[String(issue.path[0])] as AnyZod | undefined)?.description : undefined;
  if (described) {
    const name = String(issue.path[0]);
    throw new BadParameter(name, `Parameter '${name}' is not in a form it takes (got ${describeValue(input[name])}). ${described.split(/(?<=\.)\s/)[0]}`);
  }
  const { parameter, message } = issueMessage(issue, input);
  throw new BadParameter(parameter, message);
}
