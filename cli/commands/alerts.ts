// `metrigate alerts evaluate --workspace W` (CONTRACT §3, §9.6): runs the QoS rebuffer rule once, now.

import { evaluateQosRule } from "../../shared/alerts/qos-rule.ts";
import { requireString, type Command } from "../command.ts";
import { withRuntime } from "../open.ts";

export const alertsEvaluate: Command = {
  words: ["alerts", "evaluate"],
  usage: "alerts evaluate --workspace W",
  summary: "Run the QoS rebuffer-spike rule for a workspace once and print the alerts it raised.",
  options: { workspace: { type: "string" } },
  run: (ctx) =>
    withRuntime(ctx.env, async (runtime) => {
      const workspace = requireString(ctx.values, "workspace");
      await runtime.accounts.requireWorkspace(workspace);
      const raised = await evaluateQosRule(runtime, workspace);
      const lines = raised.map((a) => `  #${a.id} ${a.title}: ${a.description}`);
      const text =
        raised.length === 0
          ? `No new alerts in workspace ${workspace}.`
          : [`Raised ${raised.length} alert${raised.length === 1 ? "" : "s"} in workspace ${workspace}:`, ...lines].join("\n");
      ctx.print(text, { workspace, raised });
      return 0;
    }),
};
