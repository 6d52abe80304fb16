// A fake PropertiesService: string values, 9 KB per value and 500 KB per store as in Apps Script,
// read-only inside custom functions, and user properties per user — a custom function gets the owner's,
// whoever's sheet recalculates (Google's custom function guide).

import type { Execution } from "./execution.ts";

const MAX_VALUE_BYTES = 9 * 1024;
const MAX_STORE_BYTES = 500 * 1024;

export class FakeProperties {
  readonly values = new Map<string, string>();
  /** Calls that read the store (each is a round trip in Apps Script). */
  reads = 0;

  constructor(private readonly execution: Execution) {}

  getProperty(key: string): string | null {
    this.reads++;
    return this.values.get(key) ?? null;
  }

  getProperties(): Record<string, string> {
    this.reads++;
    return Object.fromEntries(this.values);
  }

  getKeys(): string[] {
    return [...this.values.keys()];
  }

  setProperty(key: string, value: unknown): this {
    this.execution.requireFull("setProperty");
    const text = String(value);
    if (Buffer.byteLength(text, "utf8") > MAX_VALUE_BYTES) throw new Error("Argument too large: value");
    const total = [...this.values].reduce((n, [k, v]) => n + (k === key ? 0 : k.length + v.length), key.length + text.length);
    if (total > MAX_STORE_BYTES) throw new Error("Exception: You have exceeded the property storage quota.");
    this.values.set(key, text);
    return this;
  }

  setProperties(properties: Record<string, unknown>): this {
    for (const [key, value] of Object.entries(properties)) this.setProperty(key, value);
    return this;
  }

  deleteProperty(key: string): this {
    this.execution.requireFull("deleteProperty");
    this.values.delete(key);
    return this;
  }

  deleteAllProperties(): this {
    this.execution.requireFull("deleteAllProperties");
    this.values.clear();
    return this;
  }
}

export class FakePropertiesService {
  private readonly users = new Map<string, FakeProperties>();
  readonly script: FakeProperties;
  readonly document: FakeProperties;

  constructor(private readonly execution: Execution) {
    this.script = new FakeProperties(execution);
    this.document = new FakeProperties(execution);
  }

  /** Test view: one user's properties. */
  ofUser(email: string): FakeProperties {
    let store = this.users.get(email);
    if (!store) {
      store = new FakeProperties(this.execution);
      this.users.set(email, store);
    }
    return store;
  }

  getUserProperties(): FakeProperties {
    return this.ofUser(this.execution.propertiesUser());
  }

  getScriptProperties(): FakeProperties {
    return this.script;
  }

  getDocumentProperties(): FakeProperties {
    return this.document;
  }
}
