/**
 * Every store keeps its keys in a flat key space shared with others (one localStorage, one cookie
 * jar, one JSON file, one IndexedDB object store), so a namespace is just a name prefix.
 * This is the one place that turns the flat names back into a namespace's keys.
 */
export function unprefixed(names: Iterable<string>, prefix: string): string[] {
  const keys = new Set<string>();
  for (const name of names) if (name.startsWith(prefix)) keys.add(name.slice(prefix.length));
  return [...keys];
}
