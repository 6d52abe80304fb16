// The DuckDB column type that stores each import column type (tables.ts).

import type { ColumnType } from "./tables.ts";

export const SQL_TYPES: Record<ColumnType, string> = {
  string: "VARCHAR",
  integer: "BIGINT",
  number: "DOUBLE",
  boolean: "BOOLEAN",
  timestamp: "TIMESTAMP",
  date: "DATE",
};
