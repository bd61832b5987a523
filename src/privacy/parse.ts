import { PrivacyRequestError } from './errors';
import { TASK_STATUSES, isTerminal, type ComplianceType, type DisclosureType, type PrivacyTaskState, type TaskKind, type TaskStatus } from './types';

/**
 * Tolerant readers for the GDPR API's answers. Mixpanel's spec and docs disagree on both shapes
 * (shared/reference/mixpanel-wire.md §1.6), so each reader accepts every documented form, reads
 * enums case-insensitively, and throws `bad_response` for anything else: a caller never gets a
 * silent `undefined` where a task id or a status should be.
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
const idText = (v: unknown) => (typeof v === 'string' && v ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined);

function bad(what: string, body: unknown, detail: string): PrivacyRequestError {
  let text: string;
  try {
    text = JSON.stringify(body) ?? String(body);
  } catch {
    text = String(body);
  }
  const serverMessage = isObj(body) && typeof body.error === 'string' ? body.error : undefined;
  return new PrivacyRequestError(`${what}: unexpected answer (${detail}): ${text.slice(0, 200)}`, 'bad_response', {
    ...(serverMessage === undefined ? {} : { serverMessage }),
  });
}

/** `{"status":"error"}` inside a 2xx is a refusal, whatever the HTTP status said. */
function checkStatus(what: string, body: Obj): void {
  if (typeof body.status === 'string' && body.status.toLowerCase() === 'error') throw bad(what, body, 'status "error"');
}

/**
 * The job id of a create answer: the spec's `{"results":{"task_id":…}}`, else the docs' job-record
 * list `{"results":[{"tracking_id":…}]}`.
 */
export function parseCreated(what: string, body: unknown): string {
  if (!isObj(body)) throw bad(what, body, 'not a JSON object');
  checkStatus(what, body);
  const { results } = body;
  const record = Array.isArray(results) ? results[0] : results;
  const id = isObj(record) ? (idText(record.task_id) ?? idText(record.tracking_id)) : undefined;
  if (id === undefined) throw bad(what, body, 'no results.task_id or results[0].tracking_id');
  return id;
}

/** `'pending'`, `'Not Found'`, `'not-found'` → the spec's enum; anything else is `undefined`. */
export function parseStatus(value: unknown): TaskStatus | undefined {
  if (typeof value !== 'string') return undefined;
  const upper = value.trim().toUpperCase().replace(/[\s-]+/g, '_');
  return (TASK_STATUSES as readonly string[]).indexOf(upper) >= 0 ? (upper as TaskStatus) : undefined;
}

export function parseComplianceType(value: unknown): ComplianceType | undefined {
  const upper = typeof value === 'string' ? value.trim().toUpperCase() : '';
  return upper === 'GDPR' || upper === 'CCPA' ? upper : undefined;
}

const DISCLOSURES: readonly DisclosureType[] = ['Data', 'Categories', 'Sources'];

/** `'data'`, `'DATA'` (the docs echo it uppercase) → `'Data'`; anything else is `undefined`. */
export function parseDisclosureType(value: unknown): DisclosureType | undefined {
  const lower = typeof value === 'string' ? value.trim().toLowerCase() : '';
  return DISCLOSURES.find((d) => d.toLowerCase() === lower);
}

/**
 * A status answer: `results` as the spec's object (deletions: the full job record; retrievals:
 * `{status, results, distinct_ids}`), the docs' `result` spelling of the link, or a one-record
 * list as in the docs' create examples.
 */
export function parseState(what: string, kind: TaskKind, id: string, body: unknown, base: string): PrivacyTaskState {
  if (!isObj(body)) throw bad(what, body, 'not a JSON object');
  checkStatus(what, body);
  const record = Array.isArray(body.results) ? body.results[0] : body.results;
  if (!isObj(record)) throw bad(what, body, 'no results object');
  const status = parseStatus(record.status);
  if (!status) throw bad(what, body, `unknown job status ${JSON.stringify(record.status)}`);

  const state: { -readonly [K in keyof PrivacyTaskState]: PrivacyTaskState[K] } = { kind, id, status, terminal: isTerminal(status) };
  if (kind === 'export') {
    const link = [record.results, record.result, record.destination_url].find((v) => typeof v === 'string' && v.trim());
    if (typeof link === 'string') state.url = absolute(link.trim(), base);
  }
  const ids = record.distinct_ids;
  if (Array.isArray(ids)) state.distinctIds = ids.map(idText).filter((v): v is string => v !== undefined);
  const compliance = parseComplianceType(record.compliance_type);
  if (compliance) state.complianceType = compliance;
  if (typeof record.requesting_user === 'string') state.requestingUser = record.requesting_user;
  // The spec example shows project_id as a string although the schema says number.
  const project = typeof record.project_id === 'string' && /^\d+$/.test(record.project_id) ? Number(record.project_id) : record.project_id;
  if (typeof project === 'number' && Number.isFinite(project)) state.projectId = project;
  if (typeof record.date_requested === 'string') state.dateRequested = record.date_requested;
  return state;
}

/**
 * The spec's example link is `linktoexportfile.com/9871287366712`, without a scheme: such links
 * get `https://`; a path is resolved against the API's origin.
 */
function absolute(link: string, base: string): string {
  if (/^[a-z][a-z\d+.-]*:\/\//i.test(link)) return link;
  if (link.startsWith('//')) return `https:${link}`;
  if (link.startsWith('/')) return new URL(link, base).href;
  return `https://${link}`;
}
