// How many bytes a request body may have, by route: small wherever the caller is not yet known, large
// only for authenticated ingest (which streams to disk up to METRIGATE_INGEST_MAX_BYTES) (CONTRACT §7: 413 above the limit).

/** Login, session and every route without its own limit: enough for an email and a password. */
export const SMALL_BODY_LIMIT = 4 * 1024;
/** Authenticated JSON routes (query API, export, MCP messages) once the credential has been checked. */
export const AUTHENTICATED_BODY_LIMIT = 1024 * 1024;
