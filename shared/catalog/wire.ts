// What the vendor documents fix about every answer (CONTRACT §15) that is not one endpoint's business:
// instants printed in whole seconds, and Metrigate's own additions marked optional in published schemas.

import type { z } from "zod";

/** An instant as Tapemetric and CDP print it: UTC, whole seconds, `YYYY-MM-DDTHH:MM:SSZ`. */
export function wholeSecondInstant(value: string | number): string {
  return `${new Date(value).toISOString().slice(0, 19)}Z`;
}

/** wholeSecondInstant for a stored instant that may be absent. */
export function wholeSecondInstantOrNull(value: string | null): string | null {
  return value === null ? null : wholeSecondInstant(value);
}

/**
 * A field Metrigate adds to a documented answer. It is always sent, after the documented fields, but the
 * published schemas (OpenAPI, MCP outputSchema) mark it optional, so a vendor's own answer still validates.
 */
export function addition<T extends z.ZodType>(schema: T): z.ZodOptional<T> {
  return schema.optional();
}
