// The endpoint catalog: every endpoint of the three APIs, in one explicit list. Free of Node APIs.

import { cdpEndpoints } from "../endpoints/cdp/index.ts";
import { tapemetricEndpoints } from "../endpoints/tapemetric/index.ts";
import { taprainEndpoints } from "../endpoints/taprain/index.ts";
import { queryEndpoints } from "../query/endpoints.ts";
import type { AnyEndpoint } from "./define.ts";

export const CATALOG: readonly AnyEndpoint[] = [...tapemetricEndpoints, ...taprainEndpoints, ...cdpEndpoints, ...queryEndpoints];

export function endpointByName(name: string): AnyEndpoint | undefined {
  return CATALOG.find((e) => e.name === name);
}
