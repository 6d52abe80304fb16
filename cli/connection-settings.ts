// The §16 connection settings on the command line: one flag per setting (`--taprain-url` for
// METRIGATE_TAPRAIN_URL), falling back to other sources (a config file, the environment) in order.

import { CONNECTION_SETTINGS, flagOf, type ConnectionSettingsMap } from "../shared/client/connections.ts";
import type { CommandContext, Options } from "./command.ts";
import { warnSecretFlag } from "./secret-input.ts";

/** Settings that hold a secret: given as flags they show in `ps` and shell history, so each gets a warning. */
const SECRET_SETTING = /_(API_KEY|TOKEN|PASSWORD)$/;

export const CONNECTION_OPTIONS: Options = Object.fromEntries(CONNECTION_SETTINGS.map((name) => [flagOf(name), { type: "string" }]));

/** `[--url URL] [--taprain-url URL] …`: the usage text of the connection flags. */
export const CONNECTION_USAGE = "[--url URL --api-key K --token T] [--tapemetric-url URL (--tapemetric-token T | --tapemetric-email E --tapemetric-password P)] [--taprain-url URL --taprain-api-key K] [--cdp-url URL (--cdp-api-key K | --cdp-token T)]";

/** Each setting's first non-empty value: the flag, then each source in the order given. */
export function connectionSettings(values: CommandContext["values"], ...sources: ConnectionSettingsMap[]): Record<string, string | undefined> {
  return Object.fromEntries(
    CONNECTION_SETTINGS.map((name) => {
      const flag = values[flagOf(name)];
      if (typeof flag === "string" && SECRET_SETTING.test(name)) warnSecretFlag(flagOf(name), name);
      const candidates = [typeof flag === "string" ? flag : undefined, ...sources.map((source) => source[name])];
      return [name, candidates.find((v) => v !== undefined && v.trim() !== "")];
    }),
  );
}

/** The flags among the connection settings that were given on the command line. */
export function givenConnectionFlags(values: CommandContext["values"]): string[] {
  return CONNECTION_SETTINGS.map(flagOf).filter((flag) => typeof values[flag] === "string" && values[flag] !== "");
}
