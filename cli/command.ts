// The shape of a CLI command: its words, its options and the work; output goes through one printer.

import type { ParseArgsConfig } from "node:util";

export type Options = NonNullable<ParseArgsConfig["options"]>;

export interface CommandContext {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  json: boolean;
  env: NodeJS.ProcessEnv;
  print(text: string, data: unknown): void;
}

export interface Command {
  /** The words that select it, e.g. ["workspace", "create"]. */
  words: string[];
  usage: string;
  summary: string;
  options?: Options;
  /** Number of positional arguments after the words. */
  positionals?: number;
  /** Resolves with the exit code; long-running commands (serve) resolve when they stop. */
  run(ctx: CommandContext): Promise<number>;
}

export function requireString(values: CommandContext["values"], name: string): string {
  const value = values[name];
  if (typeof value !== "string" || value === "") throw new UsageError(`--${name} is required.`);
  return value;
}

export class UsageError extends Error {}
