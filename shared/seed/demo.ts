// The demo workspace: created when missing, its data replaced by every family's deterministic seed.

import type { Accounts } from "../auth/accounts.ts";
import { copyData, isCopyTarget } from "../store/copy.ts";
import { DuckDbStore } from "../store/duckdb.ts";
import type { Store } from "../store/store.ts";
import { TABLES, type Family } from "../store/tables.ts";
import { seedCdp } from "./cdp.ts";
import { seedTapemetric } from "./tapemetric.ts";
import { seedTaprain } from "./taprain.ts";
import type { FamilySeeder, SeedOptions } from "./types.ts";

export const DEMO_WORKSPACE = "demo";
export const DEFAULT_SCALE = 200_000;
const SEED = 20260318;

const SEEDERS: readonly { family: Family; seeder: FamilySeeder }[] = [
  { family: "tapemetric", seeder: seedTapemetric },
  { family: "taprain", seeder: seedTaprain },
  { family: "cdp", seeder: seedCdp },
];

/** How the seed has got on: the share of its stage done and the rows written so far. */
export interface SeedProgress {
  fraction: number;
  rows: number;
  /** Set when the rows are copied into ClickHouse: a stage of its own, counting from 0 again. */
  stage?: string;
}

/** The rows a workspace holds in a family's tables (the seed's scratch DuckDB or the store itself). */
async function familyRows(store: Store, workspaceId: string, family: Family): Promise<number> {
  const counts = TABLES.filter((t) => t.family === family).map((t) => `(SELECT count(*) FROM ${t.name} WHERE workspace_id = $ws)`);
  const [{ rows }] = await store.query<{ rows: number | bigint }>(`SELECT ${counts.join(" + ")} AS rows`, { ws: workspaceId });
  return Number(rows);
}

export async function seedWorkspace(
  deps: { store: Store; accounts: Accounts },
  options: { workspaceId: string; scale: number; nowMs: number; onProgress?: (progress: SeedProgress) => void },
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
    // One step per family's seeder, each reporting the rows written so far (the count of the family's
    // rows is cheap beside their generation); the copy into ClickHouse is a stage of its own.
    let rows = 0;
    for (const [i, { family, seeder }] of SEEDERS.entries()) {
      await seeder(target, seedOptions);
      if (onProgress) {
        rows += await familyRows(target, options.workspaceId, family);
        onProgress({ fraction: (i + 1) / SEEDERS.length, rows });
      }
    }
    if (clickhouse) {
      await copyData(target, deps.store, [options.workspaceId], (copied) => onProgress?.({ ...copied, stage: "copying into ClickHouse" }));
    }
  } finally {
    if (target !== deps.store) await target.close();
  }
}
