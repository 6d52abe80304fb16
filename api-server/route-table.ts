// Registered routes: a known path with the wrong method gets 405, not 404, and /openapi.json lists them all.

export class RouteTable {
  private readonly entries: { pattern: RegExp; method: string; path: string }[] = [];

  add(method: string, path: string): void {
    // With or without a trailing slash, whichever the route was registered with (CDP's end in one).
    const pattern = new RegExp(`^${path.replace(/\/$/, "").replace(/:[A-Za-z_]+/g, "[^/]+")}/?$`);
    this.entries.push({ pattern, method, path });
  }

  /** Every registered route, in registration order (the OpenAPI document is made from it). */
  list(): { method: string; path: string }[] {
    return this.entries.map(({ method, path }) => ({ method, path }));
  }

  methodsFor(path: string): string[] {
    return [...new Set(this.entries.filter((e) => e.pattern.test(path)).map((e) => e.method))];
  }
}
