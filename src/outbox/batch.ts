import type { Callback } from '../types';
import type { Endpoint } from '../transport';

/** A persisted batch: its endpoint and payloads. One key per batch, never one per event. */
export interface StoredBatch {
  e: Endpoint;
  p: object[];
}

/** A batch in memory: its persisted key, payloads, their callbacks, and the send in flight. */
export interface Batch extends StoredBatch {
  id: string;
  cbs: Array<Callback | undefined>;
  sending?: Promise<void>;
}

export const ENDPOINTS: Endpoint[] = ['track', 'engage', 'groups'];

/** True for what a store may hold under one of our keys: anything else is removed, never sent. */
export const isStoredBatch = (v: unknown): v is StoredBatch =>
  !!v && ENDPOINTS.indexOf((v as StoredBatch).e) >= 0 && Array.isArray((v as StoredBatch).p) && (v as StoredBatch).p.length > 0;

/** Call back the app. Its callback throwing is its own bug: it must not stop the others or the outbox. */
export function settle(cbs: Array<Callback | undefined>, result: 0 | 1, warn: (m: string) => void): void {
  for (const cb of cbs) {
    try {
      if (cb) cb(result);
    } catch (e) {
      warn('a callback threw: ' + String(e));
    }
  }
}
