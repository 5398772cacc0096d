// "did you mean ...?" for mistyped commands, flags and choices.

/** Edit distance (insert, delete, substitute, swap of neighbours) between two short strings. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The known word closest to `typed`, if it is close enough to be a typo (or `typed` is its prefix). */
export function closest(typed: string, known: readonly string[]): string | undefined {
  const lower = typed.toLowerCase();
  const limit = Math.max(1, Math.floor(lower.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const word of known) {
    // A word the input begins is always close; among several, the one with the fewest letters left.
    const dist = word.startsWith(lower) && lower.length >= 2 ? (word.length - lower.length) / 100 : editDistance(lower, word);
    if (dist <= limit && dist < bestDistance) {
      best = word;
      bestDistance = dist;
    }
  }
  return best;
}
