// One METRIGATE_SECRET for every server of a ClickHouse deployment: the first server (or `copy`) records
// the secret's fingerprint in ClickHouse, and a server started with another secret refuses to start.

import { InvalidInput } from "../errors.ts";
import type { Store } from "../store/store.ts";
import { constantTimeEqual } from "./secrets.ts";

const SETTING = "secret_fingerprint";

/**
 * Records `fingerprint` unless one is recorded already, then compares. The first record wins even when
 * two servers start at once: its version counts down with time (ReplacingMergeTree keeps the greatest).
 */
export async function claimSharedSecret(store: Store, fingerprint: string): Promise<void> {
  await store.exec(
    `INSERT INTO mg_settings (name, value, mg_version)
     SELECT {name:String}, {value:String}, 18446744073709551615 - toUInt64(toUnixTimestamp64Nano(now64(9)))
     WHERE NOT EXISTS (SELECT 1 FROM mg_settings FINAL WHERE name = {name:String})`,
    { name: SETTING, value: fingerprint },
  );
  const [recorded] = await store.query<{ value: string }>("SELECT value FROM mg_settings FINAL WHERE name = {name:String}", { name: SETTING });
  if (!recorded || !constantTimeEqual(recorded.value, fingerprint)) {
    throw new InvalidInput(
      "METRIGATE_SECRET: this server's secret differs from the one the other servers of this ClickHouse database use " +
        "(keys, tokens and export links would not work); give every server, and `metrigate copy`, the same METRIGATE_SECRET.",
    );
  }
}
