// A service URL (Redis, ClickHouse) as it may appear in a message or a log: any password replaced, the
// rest exactly as the setting spells it.

export function redactedUrl(url: string): string {
  try {
    if (!new URL(url).password) return url;
  } catch {
    return "(not a URL)";
  }
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*):[^@]*@/i, "$1:***@");
}
