import { CHART_SCRIPT } from './inspector-charts.js';
import { VIEWS_SCRIPT } from './inspector-views.js';

/**
 * The live inspector: three views over one server-sent change stream. "Events" (stored rows,
 * de-duplicated, with the event-rate chart, profiles and GDPR tasks), "Requests" (what arrived on
 * the wire, before de-duplication) and "Timeline" (one person on one time axis). Self-contained:
 * no framework, no CDN, so it works offline.
 */
export const INSPECTOR_HTML = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>heed collector · inspector</title>
<style>
  :root { font: 14px/1.4 system-ui, sans-serif; color: #1b1f24; background: #f6f7f9; }
  body { margin: 0; }
  header { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: center; padding: 8px 16px; background: #1b1f24; color: #fff; position: sticky; top: 0; z-index: 1; }
  header h1 { font-size: 16px; margin: 0 8px 0 0; }
  nav { display: flex; gap: 2px; }
  nav a { color: #cfd6de; text-decoration: none; padding: 4px 10px; border-radius: 4px; }
  nav a[aria-current="page"] { background: #fff; color: #1b1f24; }
  header input { padding: 4px 8px; border-radius: 4px; border: 0; min-width: 150px; }
  body[data-view="events"] .for-requests, body[data-view="requests"] .for-events, body[data-view="timeline"] .for-lists { display: none; }
  #live { margin-left: auto; font-size: 12px; opacity: .8; }
  main > div { padding: 16px; }
  main > div[hidden] { display: none; }
  .columns { display: grid; grid-template-columns: 2fr 1fr; gap: 16px; }
  section { background: #fff; border-radius: 6px; padding: 8px 12px; box-shadow: 0 1px 2px #0002; overflow: auto; margin-bottom: 16px; }
  h2 { font-size: 14px; margin: 4px 0 8px; }
  table { width: 100%; border-collapse: collapse; }
  td, th { text-align: left; padding: 4px 6px; border-bottom: 1px solid #eee; vertical-align: top; }
  th { font-weight: 600; font-size: 12px; color: #555; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  time { font-variant-numeric: tabular-nums; white-space: nowrap; }
  pre { margin: 4px 0 0; font-size: 12px; white-space: pre-wrap; word-break: break-all; background: #f6f7f9; padding: 6px; }
  .muted { color: #777; }
  .purpose { font-size: 11px; padding: 0 5px; border-radius: 8px; background: #e8eefc; color: #2a4a9b; }
  .record { font-size: 11px; } .record .granted { color: #1b6e2a; } .record .denied { color: #b3261e; } .record .pending { color: #8a6d00; }
  .status { font-family: monospace; }
  .bad { color: #b3261e; font-weight: 600; }
  .good { color: #1e7b34; }
  tr.failed td.status { color: #b3261e; }
  tr.preflight { color: #888; }
  .dup { background: #fff4d6; border-radius: 3px; padding: 0 4px; }
  a.who { color: inherit; }
  svg text { font: 10px system-ui, sans-serif; fill: #555; }
  #rate-legend, #refusals { list-style: none; padding: 0; margin: 6px 0 0; display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; }
  #refusals { display: block; font-size: 13px; }
  #rate-legend span { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; }
  #timeline-list { list-style: none; padding: 0; margin: 0; }
  #timeline-list li { display: grid; grid-template-columns: 190px 64px 1fr; gap: 8px; padding: 4px 6px; border-left: 4px solid #ccc; margin: 2px 0; background: #fff; }
  #timeline-list li.kind-consent { border-color: #b3261e; background: #fdf3f2; }
  #timeline-list li.kind-event { border-color: #2f6fdf; }
  #timeline-list li.kind-profile { border-color: #1e7b34; }
  #timeline-list li.kind-gdpr { border-color: #7b3fb3; }
  #timeline-list li.gap { display: block; border: 0; background: none; color: #777; font-style: italic; padding: 8px 6px 8px 276px; }
  #timeline-list .device-time { font-size: 12px; }
</style>
<body data-view="events">
<header>
  <h1>heed inspector</h1>
  <nav>
    <a href="#events" id="tab-events">Events</a>
    <a href="#requests" id="tab-requests">Requests</a>
    <a href="#timeline" id="tab-timeline">Timeline</a>
  </nav>
  <input id="distinct" class="for-lists" placeholder="distinct_id contains" aria-label="filter by distinct_id (substring)">
  <input id="event" class="for-lists for-events" placeholder="event name contains" aria-label="filter by event name (substring)">
  <input id="device" class="for-lists for-requests" placeholder="device id contains" aria-label="filter by device id (substring)">
  <span id="live">connecting…</span>
</header>
<main>
  <div id="view-events">
    <section>
      <h2>Events received per minute, last hour <span id="rate-total" class="muted"></span></h2>
      <svg id="rate-chart" width="100%" height="150" role="img" aria-label="events per minute by event name"></svg>
      <ul id="rate-legend"></ul>
    </section>
    <div class="columns">
      <section>
        <h2>Events (stored, de-duplicated) <span id="event-count" class="muted"></span></h2>
        <table id="events"><thead><tr><th>received</th><th>event</th><th>distinct_id</th><th>payload</th></tr></thead><tbody></tbody></table>
      </section>
      <div>
        <section>
          <h2>Profiles <span id="profile-count" class="muted"></span></h2>
          <table id="profiles"><thead><tr><th>distinct_id</th><th>updated</th><th>properties</th></tr></thead><tbody></tbody></table>
        </section>
        <section>
          <h2>GDPR tasks</h2>
          <table id="tasks"><thead><tr><th>task</th><th>for</th><th>status</th></tr></thead><tbody></tbody></table>
        </section>
      </div>
    </div>
  </div>
  <div id="view-requests" hidden>
    <section>
      <h2>Requests received (every copy, before de-duplication) <span id="request-summary" class="muted"></span></h2>
      <table id="requests"><thead><tr><th>received</th><th>request</th><th>items</th><th>bytes</th><th>encoding</th><th>status</th><th>people and devices</th><th>copies</th></tr></thead><tbody></tbody></table>
    </section>
  </div>
  <div id="view-timeline" hidden>
    <section>
      <h2>Person timeline</h2>
      <form id="person-form"><input id="person" placeholder="distinct_id" aria-label="distinct_id of the person"> <button>Show</button>
        <span id="person-summary" class="muted"></span></form>
      <ul id="refusals"></ul>
      <svg id="timeline-axis" width="100%" height="64" role="img" aria-label="the person's entries on a time axis"></svg>
    </section>
    <ol id="timeline-list"></ol>
  </div>
</main>
<script>
${CHART_SCRIPT}
${VIEWS_SCRIPT}
</script>
</body>
</html>
`;
