// Shared by the query API tests: one POST /v1/query/<family> with the caller's headers, its status,
// headers, raw text and, for JSON answers, the parsed body (typed loosely on purpose, as in server.ts).

import type { TestServer } from "./server.ts";

export async function postQuery(
  server: TestServer,
  family: string,
  headers: Record<string, string>,
  body: unknown,
): Promise<{ status: number; headers: Headers; text: string; body: any }> {
  const res = await fetch(`${server.url}/v1/query/${family}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const json = res.headers.get("content-type")?.startsWith("application/json") ?? false;
  return { status: res.status, headers: res.headers, text, body: json ? JSON.parse(text) : text };
}
