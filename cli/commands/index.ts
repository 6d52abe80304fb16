// Every CLI command, in the order `metrigate --help` lists them. A command's module is loaded only when
// it runs: the server's, MCP's and the Sheets sync's modules take about a second to load, which an
// import or an account command should not wait for.

import type { Command } from "../command.ts";

export interface CommandEntry {
  /** The words that select the command (the same as the loaded command's). */
  words: readonly string[];
  load(): Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { words: ["serve"], load: async () => (await import("./serve.ts")).serve },
  { words: ["mcp"], load: async () => (await import("./mcp.ts")).mcp },
  { words: ["seed"], load: async () => (await import("./data.ts")).seed },
  { words: ["import"], load: async () => (await import("./data.ts")).importFile },
  { words: ["copy"], load: async () => (await import("./copy.ts")).copy },
  { words: ["workspace", "create"], load: async () => (await import("./accounts.ts")).workspaceCreate },
  { words: ["workspace", "suspend"], load: async () => (await import("./accounts.ts")).workspaceSuspend },
  { words: ["workspace", "resume"], load: async () => (await import("./accounts.ts")).workspaceResume },
  { words: ["user", "create"], load: async () => (await import("./accounts.ts")).userCreate },
  { words: ["key", "create"], load: async () => (await import("./accounts.ts")).keyCreate },
  { words: ["token", "create"], load: async () => (await import("./accounts.ts")).tokenCreate },
  { words: ["token", "revoke"], load: async () => (await import("./accounts.ts")).tokenRevoke },
  { words: ["oauth", "revoke"], load: async () => (await import("./accounts.ts")).oauthRevoke },
  { words: ["alerts", "evaluate"], load: async () => (await import("./alerts.ts")).alertsEvaluate },
  { words: ["sheets", "sync"], load: async () => (await import("./sheets.ts")).sheetsSync },
];
