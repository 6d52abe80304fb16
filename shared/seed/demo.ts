// The demo workspace: created when missing, its data replaced by every family's deterministic seed.

import type { Accounts } from "../auth/accounts.ts";
import { copyData } from "../store/copy.ts";
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
  options: { workspaceId: string; scale: number; nowMs: number },
): Promise<void> {
  if (!(await deps.accounts.findWorkspace(options.workspaceId))) {
    await deps.accounts.createWorkspace(options.workspaceId, { plan: "enterprise", name: "Demo workspace" });
  }
  const seedOptions: SeedOptions = { ...options, seed: SEED };
  const clickhouse = deps.store.dialect === "clickhouse";
  for (const table of TABLES) {
    await deps.store.exec(`DELETE FROM ${table.name} WHERE workspace_id = ${clickhouse ? "{ws:String}" : "$ws"}`, { ws: options.workspaceId });
  }
  if (!clickhouse) {
    for (const seeder of SEEDERS) await seeder(deps.store, seedOptions);
    return;
  }
  // The seeders generate rows in DuckDB SQL: ClickHouse gets them from a scratch database, as a copy would.
  const scratch = await DuckDbStore.open(":memory:");
  try {
    for (const seeder of SEEDERS) await seeder(scratch, seedOptions);
    await copyData(scratch, deps.store, [options.workspaceId]);
  } finally {
    await scratch.close();
  }
}
