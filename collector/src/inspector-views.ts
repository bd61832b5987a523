/**
 * The inspector page's script (plain browser JavaScript, inlined by inspector-page.ts): tabs,
 * filters, the live refresh and the three views. Written without template literals, since it
 * lives inside one. Uses `drawRate` and `drawAxis` from inspector-charts.ts.
 */
export const VIEWS_SCRIPT = String.raw`
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const pad = (n, width) => String(n).padStart(width || 2, '0');
/** Every time with its date: local, with the UTC instant as the tooltip. */
function when(ms) {
  const d = new Date(ms);
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' +
    pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()) + '.' + pad(d.getMilliseconds(), 3);
}
function timeCell(ms) {
  const iso = new Date(ms).toISOString();
  return '<time datetime="' + iso + '" title="' + iso + '">' + when(ms) + '</time>';
}
function duration(ms) {
  const s = ms / 1000;
  if (s < 60) return s.toFixed(1) + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' min ' + Math.round(s % 60) + ' s';
  return Math.floor(s / 3600) + ' h ' + Math.round((s % 3600) / 60) + ' min';
}
const who = (id) => id === null || id === '' ? '<span class="muted">none</span>' :
  '<a class="who" href="#timeline=' + encodeURIComponent(id) + '" title="timeline of ' + esc(id) + '">' + esc(id) + '</a>';
const row = (cells, attrs) => '<tr' + (attrs || '') + '>' + cells.map((c) => '<td>' + c + '</td>').join('') + '</tr>';
const raw = (obj, label) => '<details><summary>' + (label || 'raw') + '</summary><pre>' + esc(JSON.stringify(obj, null, 2)) + '</pre></details>';
const plural = (n, word) => n + ' ' + word + (n === 1 ? '' : 's');

/** The view and person named by the address: #events, #requests, #timeline=<distinct_id>. */
function route() {
  const hash = decodeURIComponent(location.hash.slice(1));
  const at = hash.indexOf('=');
  const view = (at < 0 ? hash : hash.slice(0, at)) || 'events';
  return { view: ['events', 'requests', 'timeline'].includes(view) ? view : 'events', person: at < 0 ? '' : hash.slice(at + 1) };
}

/**
 * The purpose an event serves ($purpose, sent by sites with more than one) and, on a consent
 * event, the record it carries: who decided, each purpose's status, the notice version.
 */
function consentCell(p) {
  let out = p.$purpose ? ' <span class="purpose" title="purpose">' + esc(p.$purpose) + '</span>' : '';
  const c = p.$consent_purposes;
  if (c && typeof c === 'object') {
    out += '<div class="record">' + Object.keys(c).map((k) => '<span class="' + esc(c[k]) + '">' + esc(k) + ': ' + esc(c[k]) + '</span>').join(' ') +
      (p.$consent_source ? ' <span class="muted">by ' + esc(p.$consent_source) + '</span>' : '') +
      (p.$consent_notice_version ? ' <span class="muted">notice ' + esc(p.$consent_notice_version) + '</span>' : '') + '</div>';
  }
  return out;
}

function showEvents(data) {
  $('events').tBodies[0].innerHTML = data.events.map((e) => row([
    timeCell(e.received_at), esc(e.event) + consentCell(e.properties || {}), who(e.distinct_id), raw({ event: e.event, properties: e.properties }),
  ])).join('');
  $('event-count').textContent = '(' + data.events.length + ')';
  $('profiles').tBodies[0].innerHTML = data.profiles.map((p) => row([who(p.distinct_id), timeCell(p.updated_at), raw(p.properties)])).join('');
  $('profile-count').textContent = '(' + data.profiles.length + ')';
  $('tasks').tBodies[0].innerHTML = data.tasks.map((t) => row([
    esc(t.kind) + ' <span class="muted">' + esc(t.id) + '</span><br>' + timeCell(t.created_at),
    t.distinct_ids.map(who).join(', ') + '<br><span class="muted">token ' + esc(t.token) + '</span>',
    '<span class="status">' + esc(t.status) + '</span> ' + timeCell(t.updated_at) +
      (t.url ? '<br><a class="export" href="' + esc(t.url) + '">export file</a>' : '') +
      (t.deleted_events !== null ? '<br>removed ' + plural(t.deleted_events, 'event') + ', ' + plural(t.deleted_profiles, 'profile') : '') +
      (t.note ? '<br><span class="bad note">' + esc(t.note) + '</span>' : ''),
  ])).join('');
  drawRate($('rate-chart'), $('rate-legend'), data.rate, when);
  $('rate-total').textContent = '(' + data.rate.series.reduce((n, s) => n + s.total, 0) + ')';
}

function showRequests(data) {
  let items = 0, bytes = 0, copies = 0;
  $('requests').tBodies[0].innerHTML = data.requests.map((r) => {
    items += r.received || 0; bytes += r.bytes; copies += r.duplicates;
    const preflight = r.method === 'OPTIONS';
    const failed = r.status === 0 || r.status >= 400;
    const people = r.distinct_ids.map(who).concat(r.device_ids.map((d) => '<span class="muted">device</span> ' + esc(d)));
    if (r.redacted) people.push('<span class="muted">' + plural(r.redacted, 'id') + ' removed by a deletion</span>');
    const stored = r.received === null || r.received === r.items ? '' : ' <span class="muted">(' + r.items + ' stored)</span>';
    return row([
      timeCell(r.at),
      esc(r.method) + ' <span class="path">' + esc(r.path) + '</span>' + (preflight ? ' <span class="muted">preflight</span>' : '') +
        raw({ query: r.query, origin: r.origin, error: r.error, duplicate_ids: r.duplicate_ids }, 'details'),
      (r.received === null ? '–' : r.received) + stored,
      String(r.bytes),
      esc(r.encoding || '–'),
      '<span class="status">' + (r.status || 'none') + '</span>' + (r.error ? ' <span class="muted">' + esc(r.error) + '</span>' : ''),
      people.join('<br>') || '<span class="muted">none</span>',
      r.duplicates ? '<span class="dup" title="$insert_ids that had arrived before">' + copiesText(r.duplicates) + '</span>' : '',
    ], ' class="' + (failed ? 'failed' : '') + (preflight ? ' preflight' : '') + '" data-id="' + r.id + '"');
  }).join('');
  $('request-summary').textContent = '(' + plural(data.requests.length, 'request') + ', ' + plural(items, 'item') + ', ' +
    bytes + ' bytes, ' + copiesText(copies) + ' sent again)';
}
const copiesText = (n) => (n === 1 ? '1 copy' : n + ' copies');

/** Quiet stretches at least this long are drawn as their own row: "nothing arrived" is something to see. */
const GAP_MS = 3000;
/** The collector's clock when the timeline was read, and ours: "since" counts on the collector's. */
let clockAt;

function showTimeline(data) {
  clockAt = { server: data.now, local: Date.now() };
  const p = data.person;
  $('person-summary').textContent = data.entries.length + ' entries · ids: ' + p.asked.concat(p.devices.map((d) => '$device:' + d)).join(', ') +
    (p.devices.length ? ' (' + plural(p.devices.length, 'device') + ' merged)' : '') + (data.truncated ? ' · only the latest shown' : '');
  $('refusals').innerHTML = data.refusals.map((r) => {
    const span = r.until === null ? 'since, ' + duration(data.now - r.at) + ' so far' : 'until the opt-in at ' + when(r.until) + ' (' + duration(r.until - r.at) + ')';
    return r.arrivals
      ? '<li class="refusal bad">Refused at ' + when(r.at) + ': ' + plural(r.arrivals, 'arrival') + ' while refused (' + span + ')</li>'
      : '<li class="refusal good">Refused at ' + when(r.at) + ': nothing arrived ' + span + '</li>';
  }).join('');
  drawAxis($('timeline-axis'), data, when);
  const out = [];
  let previous;
  for (const e of data.entries) {
    if (previous !== undefined && e.at - previous >= GAP_MS) out.push('<li class="gap">nothing arrived for ' + duration(e.at - previous) + '</li>');
    const delta = previous === undefined ? '' : '+' + duration(e.at - previous);
    const device = e.time ? '<br><span class="muted device-time">device clock ' + when(e.time).slice(11) + '</span>' : '';
    out.push('<li class="kind-' + e.kind + (e.consent ? ' ' + e.consent : '') + '"><span>' + timeCell(e.at) + device + '</span><span class="muted">' + delta + '</span>' +
      '<span><strong class="title">' + esc(e.title) + '</strong> <span class="muted">' + esc(e.distinct_id) + ' · ' + esc(e.token) + '</span>' + raw(e.detail, 'details') + '</span></li>');
    previous = e.at;
  }
  if (previous !== undefined) out.push('<li class="gap tail" data-since="' + previous + '"></li>');
  else out.push('<li class="gap">nothing from ' + esc(data.distinct_id) + ' has arrived</li>');
  $('timeline-list').innerHTML = out.join('');
  tickTail();
}
/** The last row says how long nothing has arrived, counting on between refreshes. */
function tickTail() {
  const tail = document.querySelector('#timeline-list li.tail');
  if (tail && clockAt) tail.textContent = 'nothing arrived since: ' + duration(clockAt.server + (Date.now() - clockAt.local) - Number(tail.dataset.since));
}
setInterval(tickTail, 1000);

const views = {
  events: { url: () => '/api/inspector?' + new URLSearchParams({ distinct_id: $('distinct').value.trim(), event: $('event').value.trim() }), show: showEvents },
  requests: { url: () => '/api/inspector/requests?' + new URLSearchParams({ distinct_id: $('distinct').value.trim(), device: $('device').value.trim() }), show: showRequests },
  timeline: { url: () => route().person && '/api/inspector/timeline?' + new URLSearchParams({ distinct_id: route().person }), show: showTimeline },
};

let pending = false;
let again = false;
async function refresh() {
  if (pending) { again = true; return; } // a change during a fetch gets its own refresh after it
  pending = true;
  again = false;
  try {
    const view = views[route().view];
    const url = view.url();
    if (url) view.show(await (await fetch(url)).json());
  } finally {
    pending = false;
    if (again) refresh();
  }
}

function open() {
  const { view, person } = route();
  document.body.dataset.view = view;
  for (const name of Object.keys(views)) {
    $('view-' + name).hidden = name !== view;
    if (name === view) $('tab-' + name).setAttribute('aria-current', 'page');
    else $('tab-' + name).removeAttribute('aria-current');
  }
  if (view === 'timeline') {
    $('person').value = person;
    if (!person) { $('timeline-list').innerHTML = '<li class="gap">name a distinct_id, or click one in another view</li>'; $('refusals').innerHTML = ''; }
  }
  refresh();
}

$('person-form').addEventListener('submit', (event) => {
  event.preventDefault();
  location.hash = 'timeline=' + encodeURIComponent($('person').value.trim());
});
for (const id of ['distinct', 'event', 'device']) $(id).addEventListener('input', refresh);
window.addEventListener('hashchange', open);
window.addEventListener('resize', refresh); // the charts draw at the page's width
const stream = new EventSource('/api/stream');
stream.addEventListener('change', refresh);
stream.onopen = () => { $('live').textContent = 'live · times in ' + zone(); };
stream.onerror = () => { $('live').textContent = 'reconnecting…'; };
function zone() {
  const minutes = -new Date().getTimezoneOffset();
  return 'UTC' + (minutes < 0 ? '-' : '+') + pad(Math.floor(Math.abs(minutes) / 60)) + ':' + pad(Math.abs(minutes) % 60);
}
open();
`;
