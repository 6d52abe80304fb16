// Every CLI command, in the order `metrigate --help` lists them.

import type { Command } from "../command.ts";
import { alertsEvaluate } from "./alerts.ts";
import { keyCreate, oauthRevoke, tokenCreate, tokenRevoke, userCreate, workspaceCreate, workspaceResume, workspaceSuspend } from "./accounts.ts";
import { copy } from "./copy.ts";
import { importFile, seed } from "./data.ts";
import { mcp } from "./mcp.ts";
import { serve } from "./serve.ts";
import { sheetsSync } from "./sheets.ts";

export const COMMANDS: readonly Command[] = [
  serve,
  mcp,
  seed,
  importFile,
  copy,
  workspaceCreate,
  workspaceSuspend,
  workspaceResume,
  userCreate,
  keyCreate,
  tokenCreate,
  tokenRevoke,
  oauthRevoke,
  alertsEvaluate,
  sheetsSync,
];
