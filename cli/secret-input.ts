// Secrets for CLI commands without the command line: a flag is read with a warning (it shows in `ps`
// and shell history); otherwise the environment, then a prompt that does not echo on a terminal, then
// the first line of standard input when it is a pipe.

import { UsageError, type CommandContext } from "./command.ts";

/** Reads one line from a terminal with echo off; Ctrl-C aborts, Backspace edits. */
function promptHidden(question: string): Promise<string> {
  const { stdin, stderr } = process;
  return new Promise((resolve, reject) => {
    let typed = "";
    stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    const finish = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off("data", onData);
      stderr.write("\n");
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString("utf8")) {
        if (char === "\r" || char === "\n") return finish();
        if (char === "\u0003") return finish(new UsageError("cancelled."));
        if (char === "\u007f" || char === "\b") typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    stdin.on("data", onData);
  });
}

async function firstLineOfStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").split(/\r?\n/)[0];
}

/**
 * Says on stderr why a secret on the command line is a bad idea, and what to use instead: the variable,
 * and standard input only where the command reads the secret from it.
 */
export function warnSecretFlag(flag: string, envName: string, readsStdin = false): void {
  const instead = readsStdin ? `${envName} or standard input` : envName;
  process.stderr.write(`metrigate: warning: --${flag} is visible to other users (ps) and kept in shell history; prefer ${instead}.\n`);
}

/**
 * The secret for `--<flag>`: the flag (warned about on stderr), else `env[envName]`, else a hidden prompt
 * on a terminal, else the first line of piped standard input.
 */
export async function readSecret(ctx: CommandContext, flag: string, envName: string): Promise<string> {
  const given = ctx.values[flag];
  if (typeof given === "string" && given !== "") {
    warnSecretFlag(flag, envName, true);
    return given;
  }
  const fromEnv = ctx.env[envName];
  if (fromEnv) return fromEnv;
  const secret = process.stdin.isTTY ? await promptHidden(`${flag}: `) : await firstLineOfStdin();
  if (secret === "") throw new UsageError(`no ${flag} given: set ${envName}, type it at the prompt or pipe it on standard input.`);
  return secret;
}
