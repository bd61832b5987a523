/**
 * Every event this app sends, with its properties. `createHeed<Events>()` checks each `track()`
 * call against it: a misspelt event name or a wrong property type does not compile.
 */
export type Events = {
  'Todo Added': { length: number; open: number };
  'Todo Completed': { age_ms: number };
  'Settings Viewed': {};
};
