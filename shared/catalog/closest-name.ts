// Finds the known name a misspelled one was most likely meant to be (edit distance), so an unknown
// argument's error can say "did you mean 'country'?". Free of Node APIs.

/** Levenshtein distance between two short strings (one row of the matrix at a time). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * The known name closest to `name` (case-insensitive), when it is close enough to be a plausible slip:
 * within about a third of the longer name's letters, or one name containing the other (`countries` →
 * `country` shares its stem, so a common prefix of 5+ letters counts too).
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const wanted = name.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const lower = candidate.toLowerCase();
    const distance = editDistance(wanted, lower);
    const prefix = commonPrefixLength(wanted, lower);
    const plausible = distance <= Math.max(2, Math.ceil(Math.max(wanted.length, lower.length) / 3)) || prefix >= 5;
    if (plausible && (!best || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

function commonPrefixLength(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}
