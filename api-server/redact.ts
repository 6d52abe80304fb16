// Log redaction: credentials in a URL's query never reach a log line, however their names are spelled.

/** Names that carry or look like credentials once decoded (api_key, api%5Fkey, api_key[], token, sig, …). */
const SECRET_NAME = /api.?key|token|sig|pass|secret|auth|session|cookie/;
const MAX_DECODE_ROUNDS = 3;

/** Percent-decodes until stable (a few rounds), so double-encoded names are judged as a parser would see them. */
function decoded(text: string): string {
  let current = text;
  for (let round = 0; round < MAX_DECODE_ROUNDS; round++) {
    let next: string;
    try {
      next = decodeURIComponent(current.replace(/\+/g, " "));
    } catch {
      return current;
    }
    if (next === current) return current;
    current = next;
  }
  return current;
}

function redactPair(pair: string): string {
  const eq = pair.indexOf("=");
  const rawName = eq < 0 ? pair : pair.slice(0, eq);
  const name = decoded(rawName).toLowerCase();
  if (SECRET_NAME.test(name)) return `${rawName}=[redacted]`;
  // A key pasted without its name (or under an innocent one) is still a key.
  if (decoded(pair).includes("mg_live_")) return `${rawName}=[redacted]`;
  return pair;
}

/** The URL with every credential-like query value replaced by [redacted]; the path is kept. */
export function redactUrl(url: string): string {
  const q = url.indexOf("?");
  const path = (q < 0 ? url : url.slice(0, q)).replace(/mg_live_[^/?#]*/g, "mg_live_[redacted]");
  if (q < 0) return path;
  const hash = url.indexOf("#", q);
  const query = url.slice(q + 1, hash < 0 ? undefined : hash);
  return `${path}?${query.split("&").map(redactPair).join("&")}`;
}
