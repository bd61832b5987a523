/**
 * The inspector's one kind of text filter: a case-insensitive substring, the same for event names,
 * distinct_ids and device ids. An empty parameter matches everything. `instr`, not LIKE, so a `%`
 * or `_` typed into a filter is just a character.
 */
export const contains = (column: string, param: string) => `(@${param} = '' OR instr(lower(${column}), lower(@${param})) > 0)`;

/** The same test over a JSON list column: any element contains the text. */
export const anyContains = (column: string, param: string) =>
  `(@${param} = '' OR EXISTS (SELECT 1 FROM json_each(${column}) WHERE instr(lower(value), lower(@${param})) > 0))`;

/** A query parameter as filter text ('' when absent). */
export const text = (query: URLSearchParams, name: string) => (query.get(name) ?? '').trim();
