// Registered path patterns and their methods, so a known path with the wrong method gets 405, not 404.

export class RouteTable {
  private readonly entries: { pattern: RegExp; method: string }[] = [];

  add(method: string, path: string): void {
    const pattern = new RegExp(`^${path.replace(/:[A-Za-z_]+/g, "[^/]+")}/?$`);
    this.entries.push({ pattern, method });
  }

  methodsFor(path: string): string[] {
    return [...new Set(this.entries.filter((e) => e.pattern.test(path)).map((e) => e.method))];
  }
}
