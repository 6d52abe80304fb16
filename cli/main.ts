// `metrigate <command>`: finds the command by its words, parses options, prints one-line errors.

import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import { isMetrigateError } from "../shared/errors.ts";
import { COMMANDS, type CommandEntry } from "./commands/index.ts";
import { UsageError, type CommandContext } from "./command.ts";

const { version: VERSION } = createRequire(import.meta.url)("../package.json") as { version: string };

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
  if (argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    console.log(await help());
    return 0;
  }
  // No command at all is a usage mistake: the list goes to standard error, with a non-zero exit.
  if (argv.length === 0) {
    console.error(await help());
    return 2;
  }
  if (argv[0] === "--version" || argv[0] === "-v" || argv[0] === "version") {
    console.log(VERSION);
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
    if (err.code?.startsWith("ERR_PARSE_ARGS")) return fail(`${parseArgsSentence(err.code, err.message ?? "")} Usage: metrigate ${command.usage}`, 2);
    const system = systemErrorSentence(e);
    if (system) return fail(system, 1);
    return fail(`unexpected error: ${err.message ?? String(e)}`, 1);
  }
}

/** Node's option-parsing messages, which run over several lines and quote oddly, as one sentence. */
function parseArgsSentence(code: string, message: string): string {
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && unknown) return `unknown option '${unknown[1]}'.`;
  const option = /Option '(-[^' ]+)[^']*' argument (missing|is ambiguous)/.exec(message);
  if (option?.[2] === "missing") return `option ${option[1]} needs a value.`;
  if (option) return `option ${option[1]} needs a value; for one that starts with a dash write ${option[1]}=<value>.`;
  return message.replace(/\s*\n\s*/g, " ").trim().replace(/([^.])$/, "$1.");
}

/** What the operating system refused (a port in use, a file it may not read), in one line naming it. */
function systemErrorSentence(error: unknown): string | undefined {
  const { code, syscall, address, port, hostname, path } = error as { code?: string; syscall?: string; address?: string; port?: number; hostname?: string; path?: string };
  if (code === "EADDRINUSE") return `${address ?? "the address"}:${port ?? ""} is already in use by another program; choose another port (--port or PORT).`;
  if (code === "EADDRNOTAVAIL" || (code === "ENOTFOUND" && syscall === "getaddrinfo")) return `cannot listen on ${hostname ?? address ?? "that host"}: not an address of this machine (--host or HOST).`;
  if ((code === "ENOENT" || code === "EACCES" || code === "EPERM" || code === "EISDIR") && path) {
    const why = { ENOENT: "no such file", EACCES: "permission denied", EPERM: "not permitted", EISDIR: "is a directory" }[code];
    return `cannot ${syscall ?? "use"} ${path}: ${why}.`;
  }
  return undefined;
}
