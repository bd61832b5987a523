/**
 * Types shared by the privacy client (Node), the request handler (Node) and the browser helper.
 * Only `TASK_STATUSES` is a value here, so the browser helper can import this file without
 * pulling anything token-related into a browser bundle.
 */

/** `compliance_type` of Mixpanel's GDPR API v3: sent uppercase, read case-insensitively. */
export type ComplianceType = 'GDPR' | 'CCPA';

/** `disclosure_type` of an export; Mixpanel only reads it for CCPA requests. */
export type DisclosureType = 'Data' | 'Categories' | 'Sources';

/** heed's names for the two jobs: Mixpanel calls an export a "retrieval". */
export type TaskKind = 'deletion' | 'export';

/** Every job status of the spec's enum, in the order a job moves through them. */
export const TASK_STATUSES = ['PENDING', 'STAGING', 'STARTED', 'SUCCESS', 'FAILURE', 'REVOKED', 'NOT_FOUND', 'UNKNOWN'] as const;

export type TaskStatus = (typeof TASK_STATUSES)[number];

/** The statuses polling stops at. NOT_FOUND and UNKNOWN are included: neither will change by waiting. */
export type TerminalStatus = 'SUCCESS' | 'FAILURE' | 'REVOKED' | 'NOT_FOUND' | 'UNKNOWN';

/** The handle of one created job (one per chunk of distinct_ids). */
export interface PrivacyTask {
  readonly kind: TaskKind;
  /** Mixpanel's `task_id` / `tracking_id`: an opaque string (numeric strings and UUIDs both occur). */
  readonly id: string;
  /** The distinct_ids this job covers. */
  readonly distinctIds: readonly string[];
  readonly complianceType: ComplianceType;
  /** Exports only, when given. */
  readonly disclosureType?: DisclosureType;
}

/** What a status request found. Fields the server did not send are absent, never guessed. */
export interface PrivacyTaskState {
  readonly kind: TaskKind;
  readonly id: string;
  readonly status: TaskStatus;
  /** `true` for SUCCESS, FAILURE, REVOKED, NOT_FOUND and UNKNOWN. */
  readonly terminal: boolean;
  /** An export's download link once it is ready (a link without a scheme gets `https://`). */
  readonly url?: string;
  readonly distinctIds?: readonly string[];
  readonly complianceType?: ComplianceType;
  /** Deletions: the account that created the job. */
  readonly requestingUser?: string;
  readonly projectId?: number;
  /** As the server wrote it (three formats are documented; none carries a time zone). */
  readonly dateRequested?: string;
}

export const isTerminal = (status: TaskStatus): status is TerminalStatus =>
  status !== 'PENDING' && status !== 'STAGING' && status !== 'STARTED';

/**
 * A job as the app's privacy handler reports it to the browser. `id` is the handler's own
 * `deletion:<task id>` / `export:<task id>`, so one route can answer for both kinds.
 */
export interface DataRequestStatus {
  readonly id: string;
  readonly kind: TaskKind;
  readonly status: TaskStatus;
  readonly terminal: boolean;
  /** An export's download link, once ready. */
  readonly url?: string;
}

/** The answer of the privacy handler's `POST <basePath>/opt-out`: the servers no longer track the person. */
export interface OptOutStatus {
  readonly suppressed: true;
}
