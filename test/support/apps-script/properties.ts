// A fake PropertiesService: string values, 9 KB per value and 500 KB per store as in Apps Script, and
// read-only inside custom functions.

import type { Execution } from "./execution.ts";

const MAX_VALUE_BYTES = 9 * 1024;
const MAX_STORE_BYTES = 500 * 1024;

export class FakeProperties {
  readonly values = new Map<string, string>();

  constructor(private readonly execution: Execution) {}

  getProperty(key: string): string | null {
    return this.values.get(key) ?? null;
  }

  getProperties(): Record<string, string> {
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
  readonly user: FakeProperties;
  readonly script: FakeProperties;
  readonly document: FakeProperties;

  constructor(execution: Execution) {
    this.user = new FakeProperties(execution);
    this.script = new FakeProperties(execution);
    this.document = new FakeProperties(execution);
  }

  getUserProperties(): FakeProperties {
    return this.user;
  }

  getScriptProperties(): FakeProperties {
    return this.script;
  }

  getDocumentProperties(): FakeProperties {
    return this.document;
  }
}
