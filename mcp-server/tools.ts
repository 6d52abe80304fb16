// One MCP tool per catalog endpoint (CONTRACT §12): tools/list is derived from the endpoint definitions,
// tools/call goes to a backend and answers with the API's JSON body plus a compact text rendering.
//
// The tool handlers sit on the SDK's low-level Server rather than McpServer.registerTool, because
// registerTool validates arguments itself and words the errors its own way; here the engine validates,
// so a bad argument gets exactly the sentence the HTTP API gives for it.

import { ProtocolError, ProtocolErrorCode, type CallToolResult, type McpServer, type ServerContext, type Tool } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { AnyEndpoint, Family } from "../shared/catalog/define.ts";
import { closestName } from "../shared/catalog/closest-name.ts";
import { baseTypeName, coerceQuery } from "../shared/catalog/params.ts";
import { isMetrigateError } from "../shared/errors.ts";
import type { CallOptions } from "../shared/client/remote.ts";
import type { ToolBackend } from "./backends.ts";
import { renderText } from "./render.ts";
import { csvOf } from "../shared/query/answer.ts";
import { applyPage, listPaths, pageNote, pagingProperties, takePageRequest } from "./paging.ts";
import { fitResult } from "./result-budget.ts";

export interface ToolDeps {
  backend: ToolBackend;
  catalog: readonly AnyEndpoint[];
  /** Estimated tokens one result may take, JSON and text together. */
  maxResultTokens: number;
  /** Where unexpected failures are reported (never stdout in stdio mode). */
  logError(message: string): void;
}

const FAMILY_NAMES: Record<Family, string> = { tapemetric: "Tapemetric", taprain: "Taprain", cdp: "CDP" };

/**
 * structuredContent must be a JSON object; an endpoint whose body is not one (a bare list) is wrapped
 * as `{ "result": body }`. Every other body is passed through exactly as the HTTP API sends it.
 */
function wrapsBody(endpoint: AnyEndpoint): boolean {
  return baseTypeName(endpoint.response) !== "object";
}

function structuredSchema(endpoint: AnyEndpoint): z.ZodType {
  return wrapsBody(endpoint) ? z.object({ result: endpoint.response }) : endpoint.response;
}

/** JavaScript's safe-integer bounds, which zod writes on every `.int()`: true of any JSON number a client reads, so noise. */
const SAFE_INTEGER_BOUNDS = new Set([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]);

/** `anyOf: [{type: X}, {type: "null"}]` (zod's nullable) as the shorter `type: [X, "null"]` when X carries nothing else. */
function nullableType(options: unknown): string[] | undefined {
  if (!Array.isArray(options) || options.length !== 2) return undefined;
  const types = options.map((option: unknown) =>
    option !== null && typeof option === "object" && Object.keys(option).length === 1 && "type" in option && typeof option.type === "string"
      ? option.type
      : undefined,
  );
  return types.every((t) => t !== undefined) && types.includes("null") ? types : undefined;
}

/**
 * A JSON Schema without what tells a client nothing: `$schema`, safe-integer bounds, and in output schemas
 * `additionalProperties: false` (an answer from a vendor's own host may carry more fields) and a field
 * description already given higher up (row lists repeat the summary's metrics; metrigate://metrics has them all).
 */
function trimmed(node: unknown, io: "input" | "output", seen = new Set<string>()): unknown {
  if (Array.isArray(node)) return node.map((item) => trimmed(item, io, seen));
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "$schema") continue;
    if ((key === "minimum" || key === "maximum") && typeof value === "number" && SAFE_INTEGER_BOUNDS.has(value)) continue;
    if (io === "output" && key === "additionalProperties" && value === false) continue;
    // A tuple (the query API's filters and order_by): draft-7 `items: [...]` is refused by 2020-12 validators,
    // which the 2.x client uses; `prefixItems` says the same to them, and minItems/maxItems bound it either way.
    if (key === "items" && Array.isArray(value)) {
      out.prefixItems = trimmed(value, io, seen);
      continue;
    }
    if (key === "additionalItems") continue;
    if (io === "output" && key === "description" && typeof value === "string") {
      if (seen.has(value)) continue;
      seen.add(value);
    }
    const kept = trimmed(value, io, seen);
    const nullable = key === "anyOf" ? nullableType(kept) : undefined;
    if (nullable) out.type = nullable;
    else out[key] = kept;
  }
  return out;
}

function jsonSchema(schema: z.ZodType, io: "input" | "output"): Tool["inputSchema"] {
  return trimmed(z.toJSONSchema(schema, { target: "draft-7", io, unrepresentable: "any" }), io) as Tool["inputSchema"];
}

/** The arguments' schema, closed (a misspelled name is refused rather than ignored), plus the paging arguments. */
function inputSchema(endpoint: AnyEndpoint, lists: readonly string[]): Tool["inputSchema"] {
  const schema = jsonSchema(endpoint.params, "input");
  const properties = { ...schema.properties, ...(lists.length > 0 ? pagingProperties(lists) : {}) };
  return { ...schema, properties, additionalProperties: false };
}

/** Definitions are derived once per endpoint: /mcp builds a server for every request. */
const DEFINITIONS = new WeakMap<AnyEndpoint, Tool>();

export function toolDefinition(endpoint: AnyEndpoint): Tool {
  const known = DEFINITIONS.get(endpoint);
  if (known) return known;
  const outputSchema = jsonSchema(structuredSchema(endpoint), "output") as NonNullable<Tool["outputSchema"]>;
  const definition: Tool = {
    name: endpoint.name,
    title: endpoint.title,
    description: `${endpoint.description} Same answer as ${endpoint.method} ${endpoint.path} of the ${FAMILY_NAMES[endpoint.family]} API.`,
    inputSchema: inputSchema(endpoint, listPaths(outputSchema)),
    outputSchema,
    annotations: {
      readOnlyHint: endpoint.readOnly,
      destructiveHint: false,
      idempotentHint: endpoint.idempotent ?? endpoint.readOnly,
      openWorldHint: false,
    },
  };
  DEFINITIONS.set(endpoint, definition);
  return definition;
}

/**
 * Tool arguments as the HTTP API would read them: null counts as absent (as an empty query value does),
 * numbers and booleans sent as strings are converted; lists and objects stay so validation names them.
 */
function endpointParams(endpoint: AnyEndpoint, args: Record<string, unknown>): Record<string, unknown> {
  const present = Object.entries(args).filter(([, v]) => v !== null && v !== undefined);
  const structured = Object.fromEntries(present.filter(([name, v]) => typeof v === "object" && Object.hasOwn(endpoint.params.shape, name)));
  return { ...coerceQuery(endpoint.params, Object.fromEntries(present.filter(([, v]) => typeof v !== "object"))), ...structured };
}

/** The sentence for the first argument the tool does not know, naming the closest known one; undefined when all are known. */
export function unknownArgumentMessage(tool: Tool, args: Record<string, unknown>): string | undefined {
  const known = Object.keys(tool.inputSchema.properties ?? {});
  const unknown = Object.keys(args).find((name) => !known.includes(name));
  if (unknown === undefined) return undefined;
  const suggestion = closestName(unknown, known);
  const valid = known.length > 0 ? `Valid arguments: ${known.join(", ")}.` : `${tool.name} takes no arguments.`;
  return `Unknown argument '${unknown}' for ${tool.name}${suggestion ? `: did you mean '${suggestion}'?` : "."} ${valid}`;
}

/** Tokens kept free for the note that names the calls for the rest of cut lists. */
const NOTE_TOKENS = 300;

/**
 * The answer as a tool result: the requested page of a list, then cut to the token budget, with the text
 * rendered from exactly the rows the structured body keeps and a note naming the call for the rest.
 */
function toolResult(endpoint: AnyEndpoint, args: Record<string, unknown>, body: unknown, maxResultTokens: number, asCsv: boolean): CallToolResult {
  const tool = toolDefinition(endpoint);
  const lists = listPaths(tool.outputSchema);
  const callArgs = { ...args };
  const page = takePageRequest(callArgs, lists);
  const whole = wrapsBody(endpoint) ? { result: body } : (body as Record<string, unknown>);
  const tabular = asCsv ? endpoint.tabular : undefined;
  const render = tabular ? (fitted: Record<string, unknown>) => queryCsv(tabular, whole, fitted) : renderText;
  const paged = page ? applyPage(whole, page) : { body: whole, span: undefined };
  const spans = new Map(page && paged.span ? [[page.path, paged.span]] : []);
  const fitted = fitResult(paged.body, render, maxResultTokens - NOTE_TOKENS, spans);
  const note = pageNote(endpoint, callArgs, fitted.cuts, page);
  const text = [note, fitted.text].filter((t) => t !== "").join("\n");
  return { content: [{ type: "text", text }], structuredContent: fitted.body };
}

/**
 * A query answer's rows as CSV: the header from the whole answer's query (paging leaves its lists out),
 * the rows this page keeps, and first a line with the total when the query's limit left rows out.
 */
function queryCsv(tabular: NonNullable<AnyEndpoint["tabular"]>, whole: Record<string, unknown>, fitted: Record<string, unknown>): string {
  const csv = csvOf(tabular({ ...fitted, query: whole.query ?? fitted.query, results: fitted.results ?? [] }));
  const meta = whole.meta as { cut?: boolean; total_rows?: number } | undefined;
  return meta?.cut ? `[${meta.total_rows ?? "more"} rows in all; limit and offset choose the ones below.]\n${csv}` : csv;
}

function errorResult(message: string): CallToolResult {
  return { content: [{ type: "text", text: message }], isError: true };
}

/**
 * While a remote call waits for its rate-limit window, the client hears about it as progress (when it sent
 * a progress token) and can cancel it; a cancelled call that has not been sent yet is dropped.
 */
function waitingOptions(ctx: ServerContext): CallOptions {
  const token = ctx.mcpReq._meta?.progressToken;
  let reports = 0;
  return {
    signal: ctx.mcpReq.signal,
    onWaiting:
      token === undefined
        ? undefined
        : (secondsLeft) => {
            reports++;
            void ctx.mcpReq.notify({
              method: "notifications/progress",
              params: { progressToken: token, progress: reports, message: `Waiting for the rate limit window: about ${secondsLeft} s.` },
            });
          },
  };
}

export function registerCatalogTools(server: McpServer, deps: ToolDeps): void {
  const byName = new Map(deps.catalog.map((endpoint) => [endpoint.name, endpoint]));
  const definitions = deps.catalog.map(toolDefinition);
  server.server.registerCapabilities({ tools: {} });
  server.server.setRequestHandler("tools/list", () => ({ tools: definitions }));
  server.server.setRequestHandler("tools/call", async (request, ctx): Promise<CallToolResult> => {
    const endpoint = byName.get(request.params.name);
    if (!endpoint) {
      const suggestion = closestName(request.params.name, [...byName.keys()]);
      const hint = suggestion ? `: did you mean "${suggestion}"?` : ".";
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool "${request.params.name}"${hint} tools/list names the ${byName.size} tools.`);
    }
    const args = request.params.arguments ?? {};
    const unknown = unknownArgumentMessage(toolDefinition(endpoint), args);
    if (unknown) return errorResult(unknown);
    try {
      // The paging arguments are the MCP face's own; a bad one is refused before the API is asked.
      const apiArgs = { ...args };
      takePageRequest(apiArgs, listPaths(toolDefinition(endpoint).outputSchema));
      // "csv" shapes the text; the structured answer is JSON whichever the API is asked for (a remote
      // API asked for CSV would answer text).
      const asCsv = endpoint.tabular !== undefined && apiArgs.format === "csv";
      if (asCsv) apiArgs.format = "json";
      const body = await deps.backend.call(endpoint, endpointParams(endpoint, apiArgs), waitingOptions(ctx));
      return toolResult(endpoint, args, body, deps.maxResultTokens, asCsv);
    } catch (e) {
      if (isMetrigateError(e) && e.kind !== "internal") return errorResult(e.message);
      // An API's own error (a remote host's 500) is its sentence; only our own failures need their stack.
      deps.logError(`${endpoint.name} failed: ${isMetrigateError(e) ? e.message : ((e as Error).stack ?? String(e))}`);
      return errorResult(
        isMetrigateError(e) ? e.message : `Internal error while running ${endpoint.name}; the server log has the details.`,
      );
    }
  });
}
