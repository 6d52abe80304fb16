// The demo workspace: created when missing, its data replaced by every family's deterministic seed.

import type { Accounts } from "../auth/accounts.ts";
import { copyData, isCopyTarget } from "../store/copy.ts";
import { DuckDbStore } from "../store/duckdb.ts";
import type { Store } from "../store/store.ts";
import { TABLES } from "../store/tables.ts";
import { seedCdp } from "./cdp.ts";
import { seedTapemetric } from "./tapemetric.ts";
import { seedTaprain } from "./taprain.ts";
import type { FamilySeeder, SeedOptions } from "./types.ts";

export const DEMO_WORKSPACE = "demo";
export const DEFAULT_SCALE = 200_000;
const SEED = 20260318;

const SEEDERS: readonly FamilySeeder[] = [seedTapemetric, seedTaprain, seedCdp];

export async function seedWorkspace(
  deps: { store: Store; accounts: Accounts },
  options: { workspaceId: string; scale: number; nowMs: number; onProgress?: (progress: { fraction: number }) => void },
): Promise<void> {
  if (!(await deps.accounts.findWorkspace(options.workspaceId))) {
    await deps.accounts.createWorkspace(options.workspaceId, { plan: "enterprise", name: "Demo workspace" });
  }
  const { onProgress, ...rest } = options;
  const seedOptions: SeedOptions = { ...rest, seed: SEED };
  const clickhouse = isCopyTarget(deps.store);
  for (const table of TABLES) {
    await deps.store.exec(`DELETE FROM ${table.name} WHERE workspace_id = ${clickhouse ? "{ws:String}" : "$ws"}`, { ws: options.workspaceId });
  }
  // The seeders generate rows in DuckDB SQL: ClickHouse gets them from a scratch database, as a copy would.
  const target = clickhouse ? await DuckDbStore.open(":memory:") : deps.store;
  try {
    // One step per family's seeder (and the copy into ClickHouse as one more): coarse, but each is one
    // engine statement after another.
    const steps = SEEDERS.length + (clickhouse ? 1 : 0);
    for (const [i, seeder] of SEEDERS.entries()) {
      await seeder(target, seedOptions);
      onProgress?.({ fraction: (i + 1) / steps });
    }
    if (clickhouse) {
      await copyData(target, deps.store, [options.workspaceId], ({ fraction }) => onProgress?.({ fraction: (SEEDERS.length + fraction) / steps }));
    }
  } finally {
    if (target !== deps.store) await target.close();
  }
}
