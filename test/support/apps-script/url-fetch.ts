// A fake UrlFetchApp that makes real, synchronous HTTP requests as Apps Script's does: a worker thread runs
// fetch while the calling thread blocks on Atomics.wait, then reads the answer with receiveMessageOnPort.
// The server must live in another thread or process (the calling thread is blocked while it waits).
// Time counts as in Apps Script: a fetch that outlives its execution's limit ends the execution with
// "Exceeded maximum execution time" (UrlFetchApp has no timeout parameter to cut it short), one that
// outlives UrlFetch's own deadline fails with a timeout, and a URL over 2 KB is refused before sending.

import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import { EXCEEDED, type Execution } from "./execution.ts";

export interface FetchRecord {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
  status: number;
  responseHeaders: Record<string, string>;
  at: number;
}

interface WireResponse {
  id: number;
  status?: number;
  headers?: Record<string, string>;
  text?: string;
  error?: string;
}

const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { port, flag } = workerData;
const signal = new Int32Array(flag);
port.on("message", async (request) => {
  let answer = { id: request.id };
  try {
    const res = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.payload,
      redirect: request.followRedirects ? "follow" : "manual",
    });
    const headers = {};
    res.headers.forEach((value, name) => { headers[name] = value; });
    answer = { id: request.id, status: res.status, headers, text: await res.text() };
  } catch (e) {
    answer = { id: request.id, error: (e.cause && e.cause.code) || e.message };
  }
  port.postMessage(answer);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
});
`;

/** Apps Script reports header names as the server sent them; Node lowercases them, so restore the usual casing. */
function displayName(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, dash: string, ch: string) => dash + ch.toUpperCase());
}

export interface UrlFetchParams {
  method?: string;
  headers?: Record<string, string>;
  contentType?: string;
  payload?: string;
  muteHttpExceptions?: boolean;
  followRedirects?: boolean;
}

/** Apps Script's URL length limit (the documented 2 KB of UrlFetch URLs). */
export const MAX_URL_LENGTH = 2082;
/** How long UrlFetch itself waits for an answer before failing (not a setting in Apps Script). */
export const URL_FETCH_DEADLINE_MS = 60_000;

export class FakeUrlFetchApp {
  readonly requests: FetchRecord[] = [];
  /** Extra time a test gives the network per request (e.g. a slow vendor host), on the harness clock. */
  latencyMs: (url: string) => number = () => 0;
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly signal: Int32Array;
  private readonly blocker = new Int32Array(new SharedArrayBuffer(4));
  private sent = 0;

  constructor(private readonly execution: Execution) {
    const flag = new SharedArrayBuffer(4);
    this.signal = new Int32Array(flag);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { port: port2, flag }, transferList: [port2] });
    this.worker.unref();
  }

  fetch(url: string, params: UrlFetchParams = {}) {
    this.execution.checkTime();
    if (typeof url !== "string" || !/^https?:\/\//i.test(url)) throw new Error(`Invalid argument: ${String(url)}`);
    if (url.length > MAX_URL_LENGTH) throw new Error(`Limit Exceeded: URLFetch URL Length.`);
    const method = (params.method ?? "get").toUpperCase();
    const headers: Record<string, string> = { "User-Agent": "Mozilla/5.0 (compatible; Google-Apps-Script)", ...params.headers };
    if (params.contentType) headers["Content-Type"] = params.contentType;
    const id = ++this.sent;
    const request = { id, method, url, headers, payload: params.payload, followRedirects: params.followRedirects ?? true };
    const { clock } = this.execution;
    const executionLeft = this.execution.remainingMs();
    const deadline = Math.min(URL_FETCH_DEADLINE_MS, executionLeft);
    const sentAt = clock.now();
    Atomics.store(this.signal, 0, 0);
    this.port.postMessage(request);
    const waited = Atomics.wait(this.signal, 0, 0, deadline);
    // Answers to earlier requests that timed out may still be queued: skip to this request's answer.
    let received = receiveMessageOnPort(this.port);
    while (received && (received.message as WireResponse).id !== id) received = receiveMessageOnPort(this.port);
    if (waited === "timed-out" || !received) throw new Error(deadline < URL_FETCH_DEADLINE_MS ? EXCEEDED : `Timeout: ${url}`);
    const extra = this.latencyMs(url);
    if (clock.now() - sentAt + extra >= deadline) {
      clock.pass(deadline - (clock.now() - sentAt), this.blocker);
      throw new Error(deadline < URL_FETCH_DEADLINE_MS ? EXCEEDED : `Timeout: ${url}`);
    }
    clock.pass(extra, this.blocker);
    const answer = received.message as WireResponse;
    if (answer.error !== undefined) throw new Error(`Address unavailable: ${url} (${answer.error})`);
    const status = answer.status ?? 0;
    const responseHeaders = Object.fromEntries(Object.entries(answer.headers ?? {}).map(([name, value]) => [displayName(name), value]));
    const text = answer.text ?? "";
    this.requests.push({ method, url, headers, payload: params.payload, status, responseHeaders, at: clock.now() });
    if (status >= 400 && !params.muteHttpExceptions) {
      throw new Error(`Request failed for ${url} returned code ${status}. Truncated server response: ${text.slice(0, 200)}`);
    }
    return {
      getResponseCode: () => status,
      getContentText: () => text,
      getHeaders: () => ({ ...responseHeaders }),
      getAllHeaders: () => ({ ...responseHeaders }),
    };
  }

  async close(): Promise<void> {
    this.port.close();
    await this.worker.terminate();
  }
}
