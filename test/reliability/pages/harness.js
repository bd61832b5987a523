/*
 * The reliability tests' page side: tracks numbered events through a heed instance and records
 * what reached the page from heed's calls (throws) and each event's callback
 * outcome (with `verbose: true`: {status, error}). Written for hostile pages: it uses no
 * JSON.stringify, no Promise, no Date.now, no fetch.
 */
(function () {
  // Uncaught errors and unhandled rejections are seen by the test (Playwright's pageerror).
  var rel = (window.rel = { throws: [], outcomes: {}, tracked: 0 });
  /** Run fn, recording a throw (heed's app-facing calls must never throw). */
  rel.call = function (what, fn) {
    try {
      return fn();
    } catch (e) {
      rel.throws.push(what + ': ' + String(e && e.message ? e.message : e));
    }
  };
  /** Track events `name` number `from` to `to` - 1 through `h` (default window.heed). */
  rel.track = function (name, from, to, h) {
    var tracker = h || window.heed;
    for (var i = from; i < to; i++) {
      (function (i) {
        rel.call('track', function () {
          tracker.track(name, { i: i }, function (r) {
            rel.outcomes[name + ':' + i] = r;
          });
        });
      })(i);
    }
    rel.tracked += to - from;
  };
  /** Events `name` heed refused or dropped (callback 0), by the reason it gave: {reason: [i, ...]}. */
  rel.dropped = function (name) {
    var out = {};
    for (var key in rel.outcomes) {
      var r = rel.outcomes[key];
      if (key.indexOf(name + ':') !== 0 || r === 1 || (r && r.status === 1)) continue;
      var why = (r && r.error) || 'refused';
      (out[why] = out[why] || []).push(+key.slice(name.length + 1));
    }
    return out;
  };
})();
