// Text as a SQL string literal, for the few values that cannot be bound parameters (table function
// arguments, generated seed SQL, COPY targets). Node-free.

/** A string as a SQL literal: single quotes around it, inner quotes doubled. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
