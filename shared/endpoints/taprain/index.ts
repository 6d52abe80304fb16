// Taprain Stats API endpoints (CONTRACT §10).

import type { AnyEndpoint } from "../../catalog/define.ts";
import { statsEndpoint } from "./stats.ts";

export const taprainEndpoints: readonly AnyEndpoint[] = [statsEndpoint];
