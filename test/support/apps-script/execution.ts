// What kind of Apps Script execution is running, as whom, and since when. Custom functions get a read-only
// view of the services (no property writes, no triggers, no UI, no sheet edits) and the owner's user
// properties; menus, sidebars and triggers run as a user with all of them. Each execution ends with
// "Exceeded maximum execution time" once its wall-clock limit (30 s for a custom function, 6 minutes
// otherwise) has passed, counted from its start — script loading, fetches and sleeps all included.

export type ExecutionKind = "custom-function" | "trigger" | "full";

/** Apps Script's limits per execution (quotas page: custom function runtime, script runtime). */
export const EXECUTION_LIMIT_MS: Record<ExecutionKind, number> = {
  "custom-function": 30_000,
  trigger: 360_000,
  full: 360_000,
};

export const EXCEEDED = "Exceeded maximum execution time";

/**
 * The harness's clock. Real by default; virtual on request, so a test can cover minutes of Apps Script
 * time in a moment: sleeps and the extra latency a test gives the network then move the clock instead
 * of blocking.
 */
export class Clock {
  offsetMs = 0;

  constructor(readonly virtual = false) {}

  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** Lets `ms` pass: blocks for real, or moves the virtual clock. */
  pass(ms: number, blocker: Int32Array): void {
    if (ms <= 0) return;
    if (this.virtual) this.offsetMs += ms;
    else Atomics.wait(blocker, 0, 0, ms);
  }
}

export class Execution {
  kind: ExecutionKind = "full";
  /** Whose execution it is (the active user; the trigger's creator for a trigger). */
  user: string;
  private startedAt = 0;

  constructor(
    readonly clock: Clock,
    /** The spreadsheet's owner: custom functions see this user's user properties. */
    readonly owner: string,
  ) {
    this.user = owner;
  }

  begin(kind: ExecutionKind, user: string, startupMs: number): void {
    this.kind = kind;
    this.user = user;
    this.startedAt = this.clock.now() - startupMs;
  }

  end(): void {
    this.kind = "full";
    this.user = this.owner;
    this.startedAt = 0;
  }

  /** Milliseconds the running execution has left (Infinity outside an execution, e.g. test setup). */
  remainingMs(): number {
    if (this.startedAt === 0) return Number.POSITIVE_INFINITY;
    return this.startedAt + EXECUTION_LIMIT_MS[this.kind] - this.clock.now();
  }

  /** Apps Script stops a script that runs past its limit at its next step. */
  checkTime(): void {
    if (this.remainingMs() <= 0) throw new Error(EXCEEDED);
  }

  /** Throws Apps Script's permission error when a custom function calls a service it may not. */
  requireFull(method: string): void {
    if (this.kind === "custom-function") {
      throw new Error(`Exception: You do not have permission to call ${method}. Custom functions cannot change anything.`);
    }
  }

  /** User properties are per user; custom functions read the owner's (Google's custom function guide). */
  propertiesUser(): string {
    return this.kind === "custom-function" ? this.owner : this.user;
  }
}
