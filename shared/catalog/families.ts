// What differs per API family once a result is computed: the Taprain envelope's live request count.

import type { Family } from "./define.ts";

/** Taprain's `meta.requests_remaining` is per request, so cached bodies get it patched on a copy. */
export function finalizeBody(family: Family, body: unknown, requestsRemaining: number | null): unknown {
  if (family !== "taprain" || requestsRemaining === null) return body;
  const envelope = body as { meta?: Record<string, unknown> };
  if (!envelope.meta) return body;
  return { ...envelope, meta: { ...envelope.meta, requests_remaining: requestsRemaining } };
}
