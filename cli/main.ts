// `metrigate <command>`: finds the command by its words, parses options, prints one-line errors.

import { parseArgs } from "node:util";
import { isMetrigateError } from "../shared/errors.ts";
import { COMMANDS, type CommandEntry } from "./commands/index.ts";
import { UsageError, type CommandContext } from "./command.ts";

async function help(): Promise<string> {
  const commands = await Promise.all(COMMANDS.map((c) => c.load()));
  const lines = commands.map((c) => `  ${c.usage.padEnd(72)} ${c.summary}`);
  return ["Usage: metrigate <command> [options] [--json]", "", "Commands:", ...lines].join("\n");
}

function findCommand(argv: string[]): { entry: CommandEntry; rest: string[] } | undefined {
  const sorted = [...COMMANDS].sort((a, b) => b.words.length - a.words.length);
  for (const entry of sorted) {
    if (entry.words.every((w, i) => argv[i] === w)) return { entry, rest: argv.slice(entry.words.length) };
  }
  return undefined;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    console.log(await help());
    return 0;
  }
  const found = findCommand(argv);
  const json = argv.includes("--json");
  const fail = (message: string, code: number) => {
    if (json) console.log(JSON.stringify({ error: message }));
    else console.error(`metrigate: ${message}`);
    return code;
  };
  if (!found) return fail(`unknown command "${argv.join(" ")}". Run metrigate --help for the list.`, 2);
  const { entry, rest } = found;
  const command = await entry.load();
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { json: { type: "boolean" }, help: { type: "boolean" }, ...command.options },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      console.log(`Usage: metrigate ${command.usage}\n${command.summary}`);
      return 0;
    }
    const expected = command.positionals ?? 0;
    if (positionals.length !== expected) {
      throw new UsageError(`expected ${expected} argument${expected === 1 ? "" : "s"}. Usage: metrigate ${command.usage}`);
    }
    const ctx: CommandContext = {
      values: values as CommandContext["values"],
      positionals,
      json,
      env,
      print(text, data) {
        console.log(json ? JSON.stringify(data) : text);
      },
    };
    return await command.run(ctx);
  } catch (e) {
    if (e instanceof UsageError) return fail(`${e.message}`, 2);
    if (isMetrigateError(e)) return fail(e.message, 1);
    const err = e as { code?: string; message?: string };
    if (err.code?.startsWith("ERR_PARSE_ARGS")) return fail(`${err.message} Usage: metrigate ${command.usage}`, 2);
    return fail(`unexpected error: ${err.message ?? String(e)}`, 1);
  }
}
