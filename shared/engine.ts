// The engine: validates parameters, checks plans, serves from the result cache or computes, for any face.

import type { AnyEndpoint, ComputeContext, HostServices, QueryRunner } from "./catalog/define.ts";
import { finalizeBody } from "./catalog/families.ts";
import { parseParams } from "./catalog/params.ts";
import type { Announcer } from "./announce/announcements.ts";
import type { ResultCache } from "./cache/result-cache.ts";
import type { Clock } from "./clock.ts";
import { Forbidden, MetrigateError } from "./errors.ts";
import type { Workspace } from "./auth/accounts.ts";
import { WORKSPACE_PARAMETER, type SqlParams, type Store } from "./store/store.ts";

export interface EngineDeps {
  store: Store;
  clock: Clock;
  cache: ResultCache;
  host?: HostServices;
  /** Tells the other servers a workspace's data changed (unset: this server is alone). */
  announcer?: Announcer;
}

export interface RunResult {
  body: unknown;
  cache: "HIT" | "MISS";
}

/**
 * Every statement an endpoint runs gets the caller's workspace bound as `$ws`, and must use it:
 * a query that forgets the workspace filter fails loudly instead of reading other tenants' rows.
 */
export function scopedRunner(store: Store, workspaceId: string): QueryRunner {
  const bindWorkspace = (sql: string, params: SqlParams | undefined): SqlParams => {
    if (!WORKSPACE_PARAMETER.test(sql)) throw new MetrigateError("internal", "A query without a workspace filter was refused.");
    return { ...params, ws: workspaceId };
  };
  return {
    dialect: store.dialect,
    query: (sql, params) => store.query(sql, bindWorkspace(sql, params)),
    exec: (sql, params) => store.exec(sql, bindWorkspace(sql, params)),
  };
}

export class Engine {
  constructor(private readonly deps: EngineDeps) {}

  get clock(): Clock {
    return this.deps.clock;
  }

  async run(
    endpoint: AnyEndpoint,
    workspace: Workspace,
    rawParams: Record<string, unknown>,
    requestsRemaining: number | null = null,
  ): Promise<RunResult> {
    const parsed = parseParams(endpoint.params, rawParams);
    const params = endpoint.normalize ? endpoint.normalize(parsed) : parsed;
    if (endpoint.plans && !endpoint.plans.includes(workspace.plan)) {
      throw new Forbidden(
        `This endpoint needs the ${endpoint.plans.join(" or ")} plan; workspace "${workspace.id}" is on ${workspace.plan}.`,
      );
    }
    const { cache } = this.deps;
    const answer = (body: unknown, from: RunResult["cache"]): RunResult => {
      const echoed = endpoint.echo ? endpoint.echo(body, parsed) : body;
      return { body: finalizeBody(endpoint.family, echoed, requestsRemaining), cache: from };
    };
    const key = endpoint.cacheable && cache.enabled ? cache.key(workspace.id, endpoint.name, params) : null;
    if (key) {
      const hit = cache.get<unknown>(key);
      if (hit !== undefined) return answer(hit, "HIT");
    }
    const version = cache.dataVersion(workspace.id);
    const ctx: ComputeContext = {
      store: scopedRunner(this.deps.store, workspace.id),
      workspace: { id: workspace.id, plan: workspace.plan },
      now: this.deps.clock.now(),
      host: this.deps.host ?? {},
      requestsRemaining,
    };
    const body = await endpoint.compute(ctx, params);
    if (key) cache.set(key, body, { workspaceId: workspace.id, version });
    else if (!endpoint.readOnly) await this.invalidate(workspace.id);
    return answer(body, "MISS");
  }

  /** Drops a workspace's cached results after its data changed, here and (announced) on every other server. */
  async invalidate(workspaceId: string): Promise<void> {
    this.deps.cache.invalidateWorkspace(workspaceId);
    await this.deps.announcer?.announce({ kind: "data", workspaceId });
  }
}
