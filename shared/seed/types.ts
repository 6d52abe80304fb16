// What a family's demo-data generator receives.

import type { Store } from "../store/store.ts";

export interface SeedOptions {
  workspaceId: string;
  /** Roughly the number of raw events to generate for the family. */
  scale: number;
  /** Everything is generated relative to this instant (the clock's now). */
  nowMs: number;
  /** Same seed, same rows. */
  seed: number;
}

export type FamilySeeder = (store: Store, options: SeedOptions) => Promise<void>;
