// Tapemetric Analytics API endpoints (CONTRACT §9), in the order they are documented.

import type { AnyEndpoint } from "../../catalog/define.ts";
import { acknowledgeAlertEndpoint } from "./acknowledge-alert.ts";
import { alertsEndpoint } from "./alerts.ts";
import { concurrencyEndpoint } from "./concurrency.ts";
import { devicesEndpoint } from "./devices.ts";
import { exportEndpoint } from "./export.ts";
import { geoEndpoint } from "./geo.ts";
import { overviewEndpoint } from "./overview.ts";
import { topContentEndpoint } from "./top-content.ts";

export const tapemetricEndpoints: readonly AnyEndpoint[] = [
  overviewEndpoint,
  concurrencyEndpoint,
  topContentEndpoint,
  geoEndpoint,
  devicesEndpoint,
  alertsEndpoint,
  acknowledgeAlertEndpoint,
  exportEndpoint,
];
