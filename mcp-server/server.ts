// The MCP server (CONTRACT §12): catalog tools, the metric definitions resource and the prompts, built
// around a backend; transports (stdio, Streamable HTTP) only connect it.

import { createRequire } from "node:module";
import { McpServer } from "@modelcontextprotocol/server";
import type { AnyEndpoint } from "../shared/catalog/define.ts";
import { CATALOG } from "../shared/catalog/index.ts";
import type { ToolBackend } from "./backends.ts";
import { registerPrompts } from "./prompts.ts";
import { METRICS_URI, registerMetricsResource } from "./resources.ts";
import { DEFAULT_RESULT_TOKENS } from "./result-budget.ts";
import { registerCatalogTools } from "./tools.ts";

export interface ServerDeps {
  backend: ToolBackend;
  /** Where unexpected failures are reported; default stderr. */
  logError?(message: string): void;
  /** Estimated tokens one tool result may take, JSON and text together (default 24,000). */
  maxResultTokens?: number;
  /** The endpoints to offer (default the whole catalog). */
  catalog?: readonly AnyEndpoint[];
}

const { version } = createRequire(import.meta.url)("../package.json") as { version: string };

const INSTRUCTIONS = [
  "Metrigate answers analytics questions about one workspace through three APIs:",
  "tapemetric_* (streaming video), taprain_* (affiliate conversions) and cdp_* (customer data platform).",
  `Each tool returns the API's JSON as structured content and a compact text table. Definitions: ${METRICS_URI}.`,
  "List tools take limit/offset; an answer too long for one result says so and names the call (page_list, page_offset) for the rest.",
].join(" ");

export function createServer(deps: ServerDeps): McpServer {
  const catalog = deps.catalog ?? CATALOG;
  const server = new McpServer({ name: "metrigate", version }, { instructions: INSTRUCTIONS });
  registerCatalogTools(server, {
    backend: deps.backend,
    catalog,
    maxResultTokens: deps.maxResultTokens ?? DEFAULT_RESULT_TOKENS,
    logError: deps.logError ?? ((message) => console.error(message)),
  });
  registerMetricsResource(server, catalog);
  registerPrompts(server, catalog);
  // The SDK advertises list changes for resources and prompts; a stateless server never sends them.
  server.server.registerCapabilities({ resources: { listChanged: false }, prompts: { listChanged: false } });
  return server;
}
