// The result cache (CONTRACT §6): per workspace, endpoint and normalised parameters, dropped on import.

import NodeCache from "node-cache";

/** JSON with object keys sorted, so parameters that mean the same thing give the same key. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export class ResultCache {
  private readonly cache: NodeCache | null;
  /** Per workspace, how many times its data changed: an answer computed under an older count is stale. */
  private readonly dataVersions = new Map<string, number>();

  /** ttlSeconds 0 disables caching. Values are shared, never cloned: treat them as immutable. */
  constructor(ttlSeconds: number) {
    this.cache = ttlSeconds > 0 ? new NodeCache({ stdTTL: ttlSeconds, useClones: false, checkperiod: Math.max(ttlSeconds, 60) }) : null;
  }

  get enabled(): boolean {
    return this.cache !== null;
  }

  key(workspaceId: string, endpoint: string, params: unknown): string {
    return `${workspaceId}\u0000${endpoint}\u0000${stableJson(params)}`;
  }

  get<T>(key: string): T | undefined {
    return this.cache?.get<T>(key);
  }

  /** The workspace's data version; take it before computing an answer that may be cached. */
  dataVersion(workspaceId: string): number {
    return this.dataVersions.get(workspaceId) ?? 0;
  }

  /**
   * Stores an answer unless the workspace's data changed since `version` was taken: a computation that
   * started before an ingest committed and finished after it would otherwise outlive the invalidation.
   */
  set(key: string, value: unknown, takenAt?: { workspaceId: string; version: number }): void {
    if (takenAt && this.dataVersion(takenAt.workspaceId) !== takenAt.version) return;
    this.cache?.set(key, value);
  }

  /** Drops every entry of one workspace (after an import or ingest). */
  invalidateWorkspace(workspaceId: string): number {
    this.dataVersions.set(workspaceId, this.dataVersion(workspaceId) + 1);
    if (!this.cache) return 0;
    const prefix = `${workspaceId}\u0000`;
    return this.cache.del(this.cache.keys().filter((k) => k.startsWith(prefix)));
  }

  close(): void {
    this.cache?.close();
  }
}
