/** The live inspector: events, profiles and GDPR tasks as they arrive (server-sent events). */
export const INSPECTOR_HTML = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>heed collector · inspector</title>
<style>
  :root { font: 14px/1.4 system-ui, sans-serif; color: #1b1f24; background: #f6f7f9; }
  body { margin: 0; }
  header { display: flex; gap: 12px; align-items: center; padding: 10px 16px; background: #1b1f24; color: #fff; position: sticky; top: 0; }
  header h1 { font-size: 16px; margin: 0 12px 0 0; }
  header input { padding: 4px 8px; border-radius: 4px; border: 0; min-width: 180px; }
  #live { margin-left: auto; font-size: 12px; opacity: .8; }
  main { display: grid; grid-template-columns: 2fr 1fr; gap: 16px; padding: 16px; }
  section { background: #fff; border-radius: 6px; padding: 8px 12px; box-shadow: 0 1px 2px #0002; overflow: auto; }
  h2 { font-size: 14px; margin: 4px 0 8px; }
  table { width: 100%; border-collapse: collapse; }
  td, th { text-align: left; padding: 4px 6px; border-bottom: 1px solid #eee; vertical-align: top; }
  th { font-weight: 600; font-size: 12px; color: #555; }
  pre { margin: 4px 0 0; font-size: 12px; white-space: pre-wrap; word-break: break-all; background: #f6f7f9; padding: 6px; }
  .muted { color: #777; }
  .status { font-family: monospace; }
</style>
<header>
  <h1>heed inspector</h1>
  <input id="distinct" placeholder="distinct_id" aria-label="filter by distinct_id">
  <input id="event" placeholder="event name" aria-label="filter by event name">
  <span id="live">connecting…</span>
</header>
<main>
  <section>
    <h2>Events <span id="event-count" class="muted"></span></h2>
    <table id="events"><thead><tr><th>time</th><th>event</th><th>distinct_id</th><th>payload</th></tr></thead><tbody></tbody></table>
  </section>
  <div>
    <section>
      <h2>Profiles <span id="profile-count" class="muted"></span></h2>
      <table id="profiles"><thead><tr><th>distinct_id</th><th>properties</th></tr></thead><tbody></tbody></table>
    </section>
    <section style="margin-top:16px">
      <h2>GDPR tasks</h2>
      <table id="tasks"><thead><tr><th>task</th><th>status</th></tr></thead><tbody></tbody></table>
    </section>
  </div>
</main>
<script>
  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
  const filters = () => new URLSearchParams({ distinct_id: $('distinct').value.trim(), event: $('event').value.trim() });
  function row(cells) { return '<tr>' + cells.map((c) => '<td>' + c + '</td>').join('') + '</tr>'; }
  function payload(obj) { return '<details><summary>raw</summary><pre>' + esc(JSON.stringify(obj, null, 2)) + '</pre></details>'; }
  let pending = false;
  let again = false;
  async function refresh() {
    if (pending) { again = true; return; } // a change during a fetch gets its own refresh after it
    pending = true;
    again = false;
    try {
      const data = await (await fetch('/api/inspector?' + filters())).json();
      $('events').tBodies[0].innerHTML = data.events.map((e) => row([
        esc(new Date(e.received_at).toLocaleTimeString()), esc(e.event), esc(e.distinct_id),
        payload({ event: e.event, properties: e.properties }),
      ])).join('');
      $('event-count').textContent = '(' + data.events.length + ')';
      $('profiles').tBodies[0].innerHTML = data.profiles.map((p) => row([esc(p.distinct_id), payload(p.properties)])).join('');
      $('profile-count').textContent = '(' + data.profiles.length + ')';
      $('tasks').tBodies[0].innerHTML = data.tasks.map((t) => row([
        esc((t.kind || t.type || '') + ' ' + (t.id || t.tracking_id || '')), '<span class="status">' + esc(t.status) + '</span>',
      ])).join('');
    } finally {
      pending = false;
      if (again) refresh();
    }
  }
  $('distinct').addEventListener('input', refresh);
  $('event').addEventListener('input', refresh);
  const stream = new EventSource('/api/stream');
  stream.addEventListener('change', refresh);
  stream.onopen = () => { $('live').textContent = 'live'; };
  stream.onerror = () => { $('live').textContent = 'reconnecting…'; };
  refresh();
</script>
</html>
`;
