/**
 * The browser half of data-subject requests: standalone functions, not tracker methods, so an app
 * that never calls them ships none of their bytes. They talk only to the app's own backend (the
 * privacy handler of `heed/privacy`), which holds the GDPR token; nothing here knows about
 * Mixpanel's API or any token.
 */
import { HeedError } from '../errors';
import type { Heed } from '../types';
import { TASK_STATUSES, type ComplianceType, type DataRequestStatus, type DisclosureType, type OptOutStatus } from './types';

/** What the helpers use of a tracker: the identity to send, and the opt-out after a deletion. */
export type DataSubject = Pick<Heed, 'get_distinct_id' | 'get_property' | 'opt_out_tracking'>;

export interface DataRequestOptions {
  /**
   * Where the app mounted the privacy handler of `heed/privacy` (its `basePath`), same origin or CORS-enabled.
   * @default '/privacy'
   * @example requestDataDeletion(heed, { endpoint: 'https://api.example.com/privacy' })
   */
  endpoint?: string;
  /** Sent as `compliance_type`; the handler's own default applies when absent. */
  complianceType?: ComplianceType;
}

export interface DataExportOptions extends DataRequestOptions {
  /** CCPA only: `Data` (everything), `Categories` or `Sources`. */
  disclosureType?: DisclosureType;
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** One call to the handler: its JSON answer when 2xx, else a HeedError with the status. */
async function call(options: Pick<DataRequestOptions, 'endpoint'> | undefined, path: string, body?: Record<string, unknown>): Promise<Record<string, unknown>> {
  const url = (options?.endpoint || '/privacy').replace(/\/+$/, '') + path;
  let response: Response;
  let data: Record<string, unknown> | undefined;
  try {
    // The app's session cookie is what proves who is asking: always send credentials.
    response = await fetch(url, body
      ? { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
      : { credentials: 'include' });
    data = await response.json().catch(() => undefined);
  } catch (cause) {
    throw new HeedError(`data request: no answer from ${url}`, undefined, { cause });
  }
  if (!response.ok || !data || typeof data !== 'object') {
    const said = data && str(data.error);
    throw new HeedError(`data request: ${response.status} from ${url}${said ? ': ' + said : ''}`, response.status);
  }
  return data;
}

async function ask(options: DataRequestOptions | undefined, path: string, body?: Record<string, unknown>): Promise<DataRequestStatus> {
  const data = await call(options, path, body);
  if (typeof data.id !== 'string' || TASK_STATUSES.indexOf(data.status as DataRequestStatus['status']) < 0) {
    throw new HeedError(`data request: not a task from ${options?.endpoint || '/privacy'}${path}`, 502);
  }
  return data as unknown as DataRequestStatus;
}

/** The current identity, for the handler to compare with the signed-in person's. */
function identity(heed: DataSubject, options: DataExportOptions | undefined): Record<string, unknown> {
  return {
    distinct_id: heed.get_distinct_id(),
    user_id: str(heed.get_property('$user_id')),
    device_id: str(heed.get_property('$device_id')),
    compliance_type: options?.complianceType,
    disclosure_type: options?.disclosureType,
  };
}

/**
 * Ask the app's backend to delete everything collected about the signed-in person. Once the
 * backend confirms the job, tracking is opted out here and local state cleared (only the opt-out
 * flag stays), so nothing new is collected after the request.
 * @returns the job's status (PENDING when just created).
 * @throws HeedError with the HTTP `status` when the backend refuses (401 when not signed in or
 * the browser's identity is someone else's) or cannot be reached.
 */
export async function requestDataDeletion(heed: DataSubject, options?: DataRequestOptions): Promise<DataRequestStatus> {
  const task = await ask(options, '/deletion', identity(heed, options));
  // PENDING, STAGING, STARTED or SUCCESS (the first four statuses): the job exists and is not failed.
  if (TASK_STATUSES.indexOf(task.status) < 4) {
    // `delete_user: false`: the deletion job removes the profile; a `$delete` would only race it.
    heed.opt_out_tracking({ delete_user: false });
  }
  return task;
}

/** Ask the app's backend for an export of the signed-in person's data; poll it with `getDataRequestStatus`. */
export function requestDataExport(heed: DataSubject, options?: DataExportOptions): Promise<DataRequestStatus> {
  return ask(options, '/export', identity(heed, options));
}

/** A job's status by the `id` the request returned; an export's `url` appears at SUCCESS. */
export function getDataRequestStatus(id: string, options?: Pick<DataRequestOptions, 'endpoint'>): Promise<DataRequestStatus> {
  return ask(options, '/tasks/' + encodeURIComponent(id));
}

/**
 * Tell the app's backend that the signed-in person said no, so its servers stop tracking them too
 * (the privacy handler's `POST <basePath>/opt-out` suppresses them). Call it after
 * `opt_out_tracking()`: it sends only the refusal (no ids, no properties; the session says who),
 * and only when the app calls it.
 * @throws HeedError with the HTTP `status` (401 when nobody is signed in, 501 when the server
 * turned opt-outs off) or when the backend cannot be reached.
 */
export async function requestOptOut(options?: Pick<DataRequestOptions, 'endpoint'>): Promise<OptOutStatus> {
  const data = await call(options, '/opt-out', {});
  if (data.suppressed !== true) throw new HeedError(`data request: the opt-out was not confirmed by ${options?.endpoint || '/privacy'}`, 502);
  return { suppressed: true };
}
