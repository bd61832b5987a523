/**
 * The stage between building an item and queueing it: `track = gate -> build -> beforeSend ->
 * outbox`. mixpanel-browser's `before_send_events|people|groups` hooks belong here (the surface
 * issue); until then it passes every item through. `null` means "drop it".
 */
export const beforeSend = <T>(_type: 'events' | 'people' | 'groups', item: T): T | null => item;
