// CDP Analytics API endpoints (CONTRACT §11), in the order they are documented.

import type { AnyEndpoint } from "../../catalog/define.ts";

export const cdpEndpoints: readonly AnyEndpoint[] = [];
