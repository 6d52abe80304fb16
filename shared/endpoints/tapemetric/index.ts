// Tapemetric Analytics API endpoints (CONTRACT §9), in the order they are documented.

import type { AnyEndpoint } from "../../catalog/define.ts";

export const tapemetricEndpoints: readonly AnyEndpoint[] = [];
