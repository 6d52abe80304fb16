// The metric definitions resource (metrigate://metrics): the hand-written definitions in metrics.md,
// followed by every tool's answer fields as the catalog describes them, so new endpoints appear by themselves.

import { readFileSync } from "node:fs";
import type { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { AnyEndpoint } from "../shared/catalog/define.ts";

export const METRICS_URI = "metrigate://metrics";

const DEFINITIONS = readFileSync(new URL("./metrics.md", import.meta.url), "utf8");

interface JsonSchemaNode {
  description?: string;
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
  anyOf?: JsonSchemaNode[];
}

/** `- path: description` for every described field of a response schema, depth first. */
function fieldLines(node: JsonSchemaNode, path: string, lines: string[]): void {
  if (path && node.description) lines.push(`- \`${path}\`: ${node.description}`);
  for (const [name, child] of Object.entries(node.properties ?? {})) fieldLines(child, path ? `${path}.${name}` : name, lines);
  if (node.items) fieldLines(node.items, `${path}[]`, lines);
  for (const option of node.anyOf ?? []) fieldLines(option, path, lines);
}

/** Written once per catalog: /mcp builds a server for every request. */
const WRITTEN = new WeakMap<readonly AnyEndpoint[], string>();

export function metricsMarkdown(catalog: readonly AnyEndpoint[]): string {
  const known = WRITTEN.get(catalog);
  if (known !== undefined) return known;
  const tools = catalog.map((endpoint) => {
    const lines: string[] = [];
    fieldLines(z.toJSONSchema(endpoint.response, { io: "output", unrepresentable: "any" }) as JsonSchemaNode, "", lines);
    return [`### ${endpoint.name} — ${endpoint.title}`, "", endpoint.description, "", ...lines].join("\n");
  });
  const markdown = [DEFINITIONS.trimEnd(), "", "## Tools and their fields", "", ...tools].join("\n");
  WRITTEN.set(catalog, markdown);
  return markdown;
}

export function registerMetricsResource(server: McpServer, catalog: readonly AnyEndpoint[]): void {
  const text = metricsMarkdown(catalog);
  server.registerResource(
    "metrics",
    METRICS_URI,
    {
      title: "Metric definitions",
      description: "How every Metrigate figure is defined (watch hours, MAU, ARPU, churn, CVR, EPC, overlap ...) and what each tool's fields mean.",
      mimeType: "text/markdown",
    },
    (uri) => ({ contents: [{ uri: uri.href, mimeType: "text/markdown", text }] }),
  );
}
