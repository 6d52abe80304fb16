// How many bytes a request body may have, by route: small wherever the caller is not yet known (CONTRACT
// §7: 413 above the limit). Ingest streams its body to disk after checking the key, under its own limit.

/** Login, session and every route without its own limit: enough for an email and a password. */
export const SMALL_BODY_LIMIT = 4 * 1024;
/** Authenticated JSON routes (query API, export, MCP messages) once the credential has been checked. */
export const AUTHENTICATED_BODY_LIMIT = 1024 * 1024;/** OAuth client registration and the consent form: client metadata, redirect URIs and state run longer than a password. */
export const OAUTH_BODY_LIMIT = 16 * 1024;
