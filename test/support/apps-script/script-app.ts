// A fake ScriptApp for time-driven triggers: the builder's checks (hours 1, 2, 4, 6, 8 or 12; atHour only
// on daily triggers; inTimezone), and installable triggers as Google documents them: each belongs to the
// user who created it and runs as that user, getProjectTriggers() returns only the caller's, and one user
// cannot delete another's. Refused inside custom functions.

import type { Execution } from "./execution.ts";

export interface TriggerRecord {
  id: string;
  handler: string;
  /** The user who created it, and as whom it runs. */
  user: string;
  everyHours?: number;
  everyDays?: number;
  atHour?: number;
  timeZone?: string;
}

const HOURS = [1, 2, 4, 6, 8, 12];

export class FakeScriptApp {
  readonly triggers: TriggerRecord[] = [];
  private created = 0;

  constructor(private readonly execution: Execution) {}

  private view(record: TriggerRecord) {
    return {
      getHandlerFunction: () => record.handler,
      getUniqueId: () => record.id,
      getEventType: () => "CLOCK",
      getTriggerSource: () => "CLOCK",
    };
  }

  getProjectTriggers() {
    this.execution.requireFull("getProjectTriggers");
    return this.triggers.filter((t) => t.user === this.execution.user).map((t) => this.view(t));
  }

  deleteTrigger(trigger: { getUniqueId(): string }): void {
    this.execution.requireFull("deleteTrigger");
    const index = this.triggers.findIndex((t) => t.id === trigger.getUniqueId() && t.user === this.execution.user);
    if (index < 0) throw new Error("Exception: The trigger does not exist or you do not own it.");
    this.triggers.splice(index, 1);
  }

  newTrigger(handler: string) {
    this.execution.requireFull("newTrigger");
    const record: TriggerRecord = { id: "", handler, user: this.execution.user };
    const builder = {
      everyHours: (n: number) => {
        if (!HOURS.includes(n)) throw new Error("Exception: The value passed to everyHours must be 1, 2, 4, 6, 8 or 12.");
        record.everyHours = n;
        return builder;
      },
      everyDays: (n: number) => {
        if (!(Number.isInteger(n) && n >= 1)) throw new Error("Exception: everyDays needs a positive whole number.");
        record.everyDays = n;
        return builder;
      },
      atHour: (hour: number) => {
        if (!(Number.isInteger(hour) && hour >= 0 && hour <= 23)) throw new Error("Exception: atHour needs an hour from 0 to 23.");
        record.atHour = hour;
        return builder;
      },
      inTimezone: (timeZone: string) => {
        try {
          new Intl.DateTimeFormat("en", { timeZone });
        } catch {
          throw new Error(`Exception: Invalid argument: timezone ${timeZone}`);
        }
        record.timeZone = timeZone;
        return builder;
      },
      create: () => {
        if ((record.everyHours === undefined) === (record.everyDays === undefined)) {
          throw new Error("Exception: A clock trigger needs exactly one of everyHours or everyDays.");
        }
        if (record.atHour !== undefined && record.everyDays === undefined) throw new Error("Exception: atHour only applies to daily triggers.");
        record.id = `trigger-${++this.created}`;
        this.triggers.push(record);
        return this.view(record);
      },
    };
    return { timeBased: () => builder };
  }
}

/** A fake Session: who the running script acts for. */
export class FakeSession {
  constructor(private readonly execution: Execution) {}

  getEffectiveUser() {
    const email = this.execution.user;
    return { getEmail: () => email };
  }

  /** Google leaves the active user's email empty in custom functions. */
  getActiveUser() {
    const email = this.execution.kind === "custom-function" ? "" : this.execution.user;
    return { getEmail: () => email };
  }
}
