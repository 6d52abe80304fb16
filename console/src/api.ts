// The console's one API client: the session routes, the endpoints run for the signed-in workspace, and
// credential management. State-changing calls carry the session's CSRF token.

export interface Me {
  email: string;
  workspace: string;
  name: string;
  plan: string;
  csrf_token: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function messageOf(body: unknown, status: number): string {
  if (body && typeof body === "object") {
    const b = body as Record<string, unknown>;
    for (const field of ["message", "error", "detail"]) if (typeof b[field] === "string") return b[field] as string;
  }
  return `The server answered HTTP ${status}.`;
}

export class ConsoleApi {
  private csrf = "";

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET") headers["X-CSRF-Token"] = this.csrf;
    const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin" });
    const text = await response.text();
    const parsed: unknown = text ? JSON.parse(text) : null;
    if (!response.ok) throw new ApiError(response.status, messageOf(parsed, response.status));
    return parsed as T;
  }

  async login(email: string, password: string): Promise<void> {
    await this.request("POST", "/api/v1/session", { email, password });
  }

  async logout(): Promise<void> {
    await this.request("DELETE", "/api/v1/session");
    this.csrf = "";
  }

  /** The signed-in user, or null when there is no valid session. */
  async me(): Promise<Me | null> {
    try {
      const me = await this.request<Me>("GET", "/console/api/me");
      this.csrf = me.csrf_token;
      return me;
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) return null;
      throw e;
    }
  }

  endpoint<T>(name: string, params: Record<string, string | number | undefined> = {}): Promise<T> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== "") query.set(key, String(value));
    const search = query.toString();
    return this.request<T>("GET", `/console/api/endpoints/${name}${search ? `?${search}` : ""}`);
  }

  acknowledgeAlert(id: number): Promise<unknown> {
    return this.request("POST", "/console/api/endpoints/tapemetric_acknowledge_alert", { id });
  }

  apiKey(): Promise<{ api_key: string }> {
    return this.request("GET", "/console/api/api-key");
  }

  regenerateApiKey(): Promise<{ api_key: string }> {
    return this.request("POST", "/console/api/api-key/regenerate", {});
  }

  tokens(): Promise<{ jti: string; name: string; issued_at: string; expires_at: string; revoked_at: string | null }[]> {
    return this.request("GET", "/console/api/tokens");
  }

  createToken(name: string): Promise<{ token: string; jti: string; name: string; expires_at: string }> {
    return this.request("POST", "/console/api/tokens", { name });
  }

  revokeToken(jti: string): Promise<unknown> {
    return this.request("POST", `/console/api/tokens/${encodeURIComponent(jti)}/revoke`, {});
  }
}
