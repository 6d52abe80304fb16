// Prompts that turn the tools into a routine: a weekly KPI review and the investigation of one change.
// Each step names a tool; steps whose tool the catalog does not have are left out.

import type { McpServer } from "@modelcontextprotocol/server";
import type { GetPromptResult } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { AnyEndpoint } from "../shared/catalog/define.ts";
import { METRICS_URI } from "./resources.ts";

interface Step {
  tool: string;
  ask: string;
}

const WEEKLY_STEPS: readonly Step[] = [
  { tool: "tapemetric_overview", ask: 'range "7d": MAU, watch hours, paid subscribers, ARPU, churn and the week-over-week deltas' },
  { tool: "tapemetric_top_content", ask: 'range "7d", limit 10: the titles that drove watch time' },
  { tool: "tapemetric_alerts", ask: "acknowledged false: open quality alerts" },
  { tool: "taprain_stats", ask: 'range "7days": clicks, leads, revenue, CVR and EPC, with the top countries, sources and offers' },
  { tool: "cdp_overview", ask: "segments, members, events of the last 30 days and AI credits" },
  { tool: "cdp_usage", ask: "how much of the plan's limits the current period has used" },
];

function available(steps: readonly Step[], catalog: readonly AnyEndpoint[]): Step[] {
  const names = new Set(catalog.map((e) => e.name));
  return steps.filter((s) => names.has(s.tool));
}

function userText(text: string): GetPromptResult["messages"][number] {
  return { role: "user", content: { type: "text", text } };
}

export function registerPrompts(server: McpServer, catalog: readonly AnyEndpoint[]): void {
  server.registerPrompt(
    "weekly_kpi_review",
    {
      title: "Weekly KPI review",
      description: "Collects the week's key figures from every API with the tools and writes a short review.",
      argsSchema: {
        focus: z.string().optional().describe('Optional theme to weigh more, e.g. "revenue" or "engagement".'),
      },
    },
    ({ focus }) => {
      const steps = available(WEEKLY_STEPS, catalog).map((s, i) => `${i + 1}. Call \`${s.tool}\` with ${s.ask}.`);
      return {
        description: "Weekly KPI review",
        messages: [
          userText(
            [
              "Write a weekly KPI review of this workspace. Use the Metrigate tools; do not guess numbers.",
              "",
              ...steps,
              "",
              `Use the definitions in ${METRICS_URI} when you explain a figure.`,
              "Then write: three headline numbers with their week-over-week change, what moved and the likely reason,",
              "anything that needs attention (alerts, limits close to full, falling conversion), and one suggested action.",
              ...(focus ? [`Give extra weight to: ${focus}.`] : []),
              "Keep it under 250 words; quote figures exactly as the tools return them.",
            ].join("\n"),
          ),
        ],
      };
    },
  );

  server.registerPrompt(
    "investigate_change",
    {
      title: "Investigate a change",
      description: "Explains why one metric moved: compares periods and breaks the figure down with the tools.",
      argsSchema: {
        metric: z.string().describe('The metric that moved, e.g. "CVR", "watch hours", "segment members".'),
        period: z.string().optional().describe('The period to look at, e.g. "last 7 days" (default: the last 7 days).'),
      },
    },
    ({ metric, period }) => ({
      description: `Investigate ${metric}`,
      messages: [
        userText(
          [
            `Find out why ${metric} changed over ${period ?? "the last 7 days"}.`,
            `1. Read ${METRICS_URI} for how ${metric} is defined and which tool reports it.`,
            "2. Call that tool for the period and for the period before it; state both values and the change.",
            "3. Break the change down with the tool's dimensions (country, source, offer, region, device, content or segment),",
            "   paging with limit/offset where a list is long, and name the parts that explain most of it.",
            "4. Conclude with the most likely cause and how sure you are; say what data would settle it.",
            `Available tools: ${catalog.map((e) => e.name).join(", ")}.`,
          ].join("\n"),
        ),
      ],
    }),
  );
}
