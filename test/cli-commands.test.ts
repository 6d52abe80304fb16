// The CLI's command list: each entry's words select the command its module exports, and the usage line
// `--help` prints starts with those words.

import { expect, test } from "vitest";
import { COMMANDS } from "../cli/commands/index.ts";

test("every listed command loads, with the words it is listed under", async () => {
  for (const entry of COMMANDS) {
    const command = await entry.load();
    expect(command.words).toEqual(entry.words);
    expect(command.usage.startsWith(entry.words.join(" "))).toBe(true);
  }
  expect(new Set(COMMANDS.map((c) => c.words.join(" "))).size).toBe(COMMANDS.length);
});
