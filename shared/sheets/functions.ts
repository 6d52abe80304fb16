// The Sheets custom functions, derived from the endpoint catalog (CONTRACT §13.1): one per endpoint with a
// `sheetFunction`, its arguments the endpoint's parameters in order, plus `section` where the body holds
// several tables. Also turns the values Sheets passes in into request parameters. Pure and Node-free.

import type { z } from "zod";
import type { AnyEndpoint } from "../catalog/define.ts";
import { CATALOG } from "../catalog/index.ts";
import { baseTypeName } from "../catalog/params.ts";
import { BadParameter } from "../errors.ts";
import { localDate } from "../time/zoned.ts";
import { listOf, sectionNamed, sectionsOf } from "./table.ts";

export interface SheetArgument {
  name: string;
  /** The JSDoc type Sheets shows in autocomplete. */
  type: "string" | "number" | "boolean";
  description: string;
  optional: boolean;
}

export interface SheetFunction {
  name: string;
  endpoint: AnyEndpoint;
  arguments: SheetArgument[];
  /** Section names, default first; empty when the endpoint returns a single table. */
  sections: string[];
}

/** What one call asks for: request parameters and the section to show. */
export interface SheetCall {
  params: Record<string, string | number | boolean>;
  section?: string;
}

/** The argument Sheets-only callers use to pick one of several tables in a response. */
export const SECTION_ARGUMENT = "section";

function argumentOf(name: string, schema: z.ZodType): SheetArgument {
  const base = baseTypeName(schema);
  const type = base === "number" || base === "int" ? "number" : base === "boolean" ? "boolean" : "string";
  const optional = schema.safeParse(undefined).success;
  return { name, type, description: schema.description ?? name, optional };
}

export function toSheetFunction(endpoint: AnyEndpoint, name: string): SheetFunction {
  const args = Object.entries(endpoint.params.shape).map(([param, schema]) => argumentOf(param, schema as z.ZodType));
  const sections = sectionsOf(endpoint).filter((s) => s !== "");
  if (sections.length > 1) {
    args.push({
      name: SECTION_ARGUMENT,
      type: "string",
      description: `Which table of the response to show: ${listOf(sections.map((s) => `"${s}"`))} (default "${sections[0]}").`,
      optional: true,
    });
  }
  return { name, endpoint, arguments: args, sections: sections.length > 1 ? sections : [] };
}

/** Every custom function, in catalog order. */
export function sheetFunctions(catalog: readonly AnyEndpoint[] = CATALOG): SheetFunction[] {
  return catalog.flatMap((endpoint) => (endpoint.sheetFunction ? [toSheetFunction(endpoint, endpoint.sheetFunction)] : []));
}

/** A function by its Sheets name (case-insensitive, as Sheets treats formulas) or its endpoint's name. */
export function findSheetFunction(name: string, catalog: readonly AnyEndpoint[] = CATALOG): SheetFunction | undefined {
  const wanted = name.trim().toUpperCase();
  return sheetFunctions(catalog).find((f) => f.name.toUpperCase() === wanted || f.endpoint.name.toUpperCase() === wanted);
}

/** One Sheets value as a parameter: empty → absent; dates → YYYY-MM-DD in the sheet's zone; ranges → a list. */
function parameterValue(value: unknown, timeZone: () => string): string | number | boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (value instanceof Date || Object.prototype.toString.call(value) === "[object Date]") {
    return localDate((value as Date).getTime(), timeZone());
  }
  if (Array.isArray(value)) {
    const items = value.flat(2).map((v) => parameterValue(v, timeZone)).filter((v) => v !== undefined);
    return items.length > 0 ? items.join(",") : undefined;
  }
  if (typeof value === "string") return value.trim() === "" ? undefined : value.trim();
  if (typeof value === "number" || typeof value === "boolean") return value;
  return String(value);
}

/**
 * Arguments as Sheets passes them (strings, numbers, booleans, Dates, 2-D arrays for ranges, undefined for
 * omitted ones) → request parameters. Validation of the values themselves is the server's: its messages
 * name the parameter. Too many arguments or an unknown section are refused here. The time zone (a zone
 * name, or a function giving it) is only asked for when an argument is a date.
 */
export function callOf(fn: SheetFunction, args: readonly unknown[], zone: string | (() => string)): SheetCall {
  let known: string | undefined;
  const timeZone = () => (known ??= typeof zone === "string" ? zone : zone());
  const lastGiven = args.reduce<number>((last, v, i) => (parameterValue(v, timeZone) === undefined ? last : i), -1);
  if (lastGiven >= fn.arguments.length) {
    throw new BadParameter("arguments", `${fn.name} takes at most ${fn.arguments.length} arguments (${fn.arguments.map((a) => a.name).join(", ")}).`);
  }
  const params: SheetCall["params"] = {};
  let section: string | undefined;
  fn.arguments.forEach((argument, i) => {
    const value = parameterValue(args[i], timeZone);
    if (value === undefined) return;
    if (argument.name === SECTION_ARGUMENT && fn.sections.length > 0) section = String(value);
    else params[argument.name] = value;
  });
  return { params, section: section === undefined ? undefined : sectionNamed(fn.endpoint, section) };
}
