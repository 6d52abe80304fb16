// CDP Analytics API endpoints (CONTRACT §11), in the order they are documented.

import type { AnyEndpoint } from "../../catalog/define.ts";
import { activationsEndpoint } from "./activations.ts";
import { copilotEndpoint } from "./copilot.ts";
import { overlapEndpoint } from "./overlap.ts";
import { overviewEndpoint } from "./overview.ts";
import { segmentsEndpoint } from "./segments.ts";
import { usageEndpoint } from "./usage.ts";

export const cdpEndpoints: readonly AnyEndpoint[] = [
  overviewEndpoint,
  segmentsEndpoint,
  overlapEndpoint,
  activationsEndpoint,
  copilotEndpoint,
  usageEndpoint,
];
