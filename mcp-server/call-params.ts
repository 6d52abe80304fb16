// The one check of a tools/call request's params done before the SDK sees them: the SDK's own answer to a
// malformed call is a dump of its schema issues, and clients show that to people. Ours is one sentence.

/** The sentence for a tools/call whose params are malformed; undefined when they are well formed. */
export function toolsCallParamsProblem(message: unknown): string | undefined {
  if (message === null || typeof message !== "object" || !("method" in message) || message.method !== "tools/call") return undefined;
  const params = "params" in message ? message.params : undefined;
  if (params === null || typeof params !== "object") return "tools/call needs params: an object with the tool's name and its arguments.";
  if (!("name" in params) || typeof params.name !== "string" || params.name === "") {
    return "tools/call needs params.name: the tool's name as a string (tools/list names them).";
  }
  const args = "arguments" in params ? params.arguments : undefined;
  if (args !== undefined && (args === null || typeof args !== "object" || Array.isArray(args))) {
    return `tools/call params.arguments must be an object of argument names and values (got ${Array.isArray(args) ? "a list" : JSON.stringify(args)}).`;
  }
  return undefined;
}
