// Custom functions running at the same time, as Sheets runs the cells of one recalculation (up to 30 at
// once): each in its own worker thread with a fresh global scope, sharing the project's services. A
// worker's service call is a synchronous round trip to this thread, which owns the fakes, so caches,
// properties, locks and fetches are the very ones the sequential harness uses.

import { MessageChannel, Worker, type MessagePort } from "node:worker_threads";
import { FakeLock } from "./lock.ts";
import type { AppsScriptProject } from "./sandbox.ts";

export interface ConcurrentCall {
  name: string;
  args: unknown[];
}

export type ConcurrentOutcome = { value: unknown } | { error: string };

interface ServiceCall {
  handle: number;
  method: string;
  args: unknown[];
}

const WORKER_SOURCE = `
const { workerData, parentPort, receiveMessageOnPort } = require("node:worker_threads");
const vm = require("node:vm");
const { scripts, roots, constants, name, args, flag, port } = workerData;
const signal = new Int32Array(flag);
function call(handle, method, params) {
  Atomics.store(signal, 0, 0);
  port.postMessage({ handle, method, args: params });
  Atomics.wait(signal, 0, 0);
  const { message } = receiveMessageOnPort(port);
  if ("error" in message) throw new Error(message.error);
  return "handle" in message ? service(message.handle, {}) : message.value;
}
function service(handle, fixed) {
  return new Proxy({}, { get: (_t, key) => (typeof key !== "string" ? undefined : key in fixed ? fixed[key] : (...a) => call(handle, key, a)) });
}
const globals = { console };
for (const [serviceName, handle] of Object.entries(roots)) globals[serviceName] = service(handle, constants[serviceName] || {});
const context = vm.createContext(globals);
for (const script of scripts) vm.runInContext(script.source, context, { filename: script.name });
let outcome;
try {
  outcome = { value: context[name](...args) };
} catch (e) {
  outcome = { error: e && e.message ? e.message : String(e) };
}
parentPort.postMessage(outcome);
`;

/** True for objects whose methods a worker must call here (service objects), not copies of data. */
function isServiceObject(value: unknown): value is object {
  if (value === null || typeof value !== "object" || Array.isArray(value) || value instanceof Date) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  const own = Object.values(value).some((v) => typeof v === "function");
  return own || (prototype !== Object.prototype && prototype !== null);
}

/** Plain data properties of a service (Utilities.DigestAlgorithm, …): sent along, read without a round trip. */
function constantsOf(service: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(service).filter(([, v]) => v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype));
}

/** Runs the calls at once as custom functions of the project; outcomes in the calls' order. */
export async function runConcurrently(project: AppsScriptProject, calls: readonly ConcurrentCall[]): Promise<ConcurrentOutcome[]> {
  const { execution, services, scriptSources } = project;
  execution.begin("custom-function", execution.owner, 0);
  try {
    return await Promise.all(calls.map((c) => runOne(services as unknown as Record<string, object>, scriptSources, c)));
  } finally {
    execution.end();
  }
}

function runOne(services: Record<string, object>, scripts: { name: string; source: string }[], call: ConcurrentCall): Promise<ConcurrentOutcome> {
  const handles = new Map<number, object>();
  const roots: Record<string, number> = {};
  const constants: Record<string, Record<string, unknown>> = {};
  for (const [name, service] of Object.entries(services)) {
    roots[name] = handles.size;
    handles.set(handles.size, service);
    constants[name] = constantsOf(service);
  }
  const flag = new SharedArrayBuffer(4);
  const signal = new Int32Array(flag);
  const { port1, port2 } = new MessageChannel();
  const reply = (port: MessagePort, message: Record<string, unknown>) => {
    port.postMessage(message);
    Atomics.store(signal, 0, 1);
    Atomics.notify(signal, 0);
  };
  port1.on("message", (message: ServiceCall) => {
    void (async () => {
      try {
        const target = handles.get(message.handle) as Record<string, unknown> | undefined;
        const asyncVariant = target?.[`${message.method}Async`];
        const method = typeof asyncVariant === "function" ? asyncVariant : target?.[message.method];
        if (typeof method !== "function") throw new TypeError(`${message.method} is not a function`);
        const value: unknown = await (method as (...a: unknown[]) => unknown).apply(target, message.args);
        if (isServiceObject(value)) {
          handles.set(handles.size, value);
          reply(port1, { handle: handles.size - 1 });
        } else reply(port1, { value });
      } catch (e) {
        reply(port1, { error: e instanceof Error ? e.message : String(e) });
      }
    })();
  });
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { scripts, roots, constants, name: call.name, args: call.args, flag, port: port2 },
    transferList: [port2],
  });
  return new Promise<ConcurrentOutcome>((resolve, reject) => {
    worker.once("message", (outcome: ConcurrentOutcome) => resolve(outcome));
    worker.once("error", reject);
  }).finally(() => {
    // Apps Script releases a lock its execution still holds when the execution ends.
    for (const held of handles.values()) if (held instanceof FakeLock) held.releaseLock();
    port1.close();
    void worker.terminate();
  });
}
