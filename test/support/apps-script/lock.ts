// A fake LockService: one script lock shared by every execution of the project. tryLock/waitLock take it
// when free; when another execution holds it they wait up to the timeout (for executions running at once,
// see concurrent.ts) — and Apps Script releases a lock when its execution ends.

const WAIT_LIMIT_MS = 300_000;

class ScriptLockState {
  holder: FakeLock | null = null;
  private readonly waiters: (() => void)[] = [];

  release(lock: FakeLock): void {
    if (this.holder !== lock) return;
    this.holder = null;
    this.waiters.shift()?.();
  }

  /** Resolves true when `lock` gets the lock within `timeoutMs`, false otherwise. */
  acquire(lock: FakeLock, timeoutMs: number): Promise<boolean> {
    if (this.holder === null || this.holder === lock) {
      this.holder = lock;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.holder = lock;
        resolve(true);
      };
      const timer = setTimeout(() => {
        const at = this.waiters.indexOf(wake);
        if (at >= 0) this.waiters.splice(at, 1);
        resolve(false);
      }, timeoutMs);
      this.waiters.push(wake);
    });
  }
}

export class FakeLock {
  constructor(private readonly state: ScriptLockState) {}

  private checkTimeout(timeoutInMillis: number): void {
    if (!(timeoutInMillis >= 0 && timeoutInMillis <= WAIT_LIMIT_MS)) throw new Error("Exception: Invalid argument: timeoutInMillis");
  }

  hasLock(): boolean {
    return this.state.holder === this;
  }

  /** One execution at a time: a free lock is taken; a held one cannot be freed while this thread waits. */
  tryLock(timeoutInMillis: number): boolean {
    this.checkTimeout(timeoutInMillis);
    if (this.state.holder !== null && this.state.holder !== this) return false;
    this.state.holder = this;
    return true;
  }

  /** What an execution running beside others gets: the wait ends when the holder releases or at the timeout. */
  tryLockAsync(timeoutInMillis: number): Promise<boolean> {
    this.checkTimeout(timeoutInMillis);
    return this.state.acquire(this, timeoutInMillis);
  }

  waitLock(timeoutInMillis: number): void {
    if (!this.tryLock(timeoutInMillis)) throw new Error("Exception: Lock timeout: another process was holding the lock for too long.");
  }

  async waitLockAsync(timeoutInMillis: number): Promise<void> {
    if (!(await this.tryLockAsync(timeoutInMillis))) throw new Error("Exception: Lock timeout: another process was holding the lock for too long.");
  }

  releaseLock(): void {
    this.state.release(this);
  }
}

export class FakeLockService {
  private readonly script = new ScriptLockState();

  getScriptLock(): FakeLock {
    return new FakeLock(this.script);
  }

  /** Apps Script releases whatever an execution still holds when it ends. */
  releaseAll(): void {
    const holder = this.script.holder;
    if (holder) this.script.release(holder);
  }
}
