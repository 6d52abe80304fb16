// The demo workspace: created when missing, its data replaced by every family's deterministic seed.

import type { Accounts } from "../auth/accounts.ts";
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
  for (const table of TABLES) {
    await deps.store.exec(`DELETE FROM ${table.name} WHERE workspace_id = $ws`, { ws: options.workspaceId });
  }
  // One step per family's seeder: coarse, but each is one engine statement after another.
  for (const [i, seeder] of SEEDERS.entries()) {
    await seeder(deps.store, seedOptions);
    onProgress?.({ fraction: (i + 1) / SEEDERS.length });
  }
}
