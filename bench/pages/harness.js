// In-page side of bench/browser.mjs (a plain script, not bundled). It holds the two "floors"
// and the measurements that have to happen inside the page; the SDK under test sets
// `window.benchSdk = { init(config), track(event, props) }` (bench/pages/sdk/*.mjs).
(function () {
  'use strict';

  // Long tasks (> 50 ms) are observed passively from the start: no cost while nothing is long.
  var longTasks = [];
  try {
    new PerformanceObserver(function (list) {
      list.getEntries().forEach(function (e) {
        longTasks.push([e.startTime, e.duration]);
      });
    }).observe({ type: 'longtask', buffered: true });
  } catch (e) {
    // no Long Tasks API: the stats stay empty
  }

  /**
   * The bare floor: copy the properties, add token, distinct_id, time and $insert_id (a
   * per-page random prefix plus a counter) and queue the event. `send` adds the least a tracker
   * must do to deliver: every 50 events one fetch POST of `data=<JSON>` to /track.
   */
  function floor(send) {
    var token = '';
    var apiHost = '';
    var prefix = Math.random().toString(36).slice(2, 10) + '-';
    var distinct = 'floor-' + prefix.slice(0, 8);
    var seq = 0;
    var queue = [];
    var post = function (batch) {
      var body = 'data=' + encodeURIComponent(JSON.stringify(batch));
      fetch(apiHost + '/track/?verbose=1&ip=1', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: body,
      })
        .then(function (r) {
          return r.json();
        })
        .catch(function () {});
    };
    return {
      init: function (c) {
        token = c.token;
        apiHost = c.apiHost;
      },
      track: function (event, props) {
        var p = {};
        for (var k in props) p[k] = props[k];
        p.token = token;
        p.distinct_id = distinct;
        p.time = Date.now();
        p.$insert_id = prefix + (seq++).toString(36);
        queue.push({ event: event, properties: p });
        if (send && queue.length === 50) {
          var batch = queue;
          queue = [];
          post(batch);
        }
      },
    };
  }

  // The same small, realistic properties object for every SDK, built inside the loop.
  var props = function (i) {
    return { plan: 'pro', step: i, price: 9.99, path: '/checkout/payment', coupon: null, first: i === 0 };
  };

  var sdk;

  window.bench = {
    init: function (c) {
      sdk = c.sdk === 'floor' ? floor(false) : c.sdk === 'floor+send' ? floor(true) : window.benchSdk;
      if (!sdk) throw new Error('no SDK loaded for ' + c.sdk);
      sdk.init(c);
    },
    warmup: function (n) {
      for (var i = 0; i < n; i++) sdk.track('warmup', props(i));
    },
    /**
     * The timed loop: n track() calls in one task. A tracker that needs more than `capMs` stops
     * early (checked every 100 calls) so the benchmark stays bounded; `calls` says how far it got.
     */
    loop: function (n, capMs) {
      var t0 = performance.now();
      var i = 0;
      while (i < n) {
        sdk.track('bench', props(i));
        i++;
        if (i % 100 === 0 && performance.now() - t0 > capMs) break;
      }
      var t1 = performance.now();
      return { ms: t1 - t0, calls: i, t0: t0, start: performance.timeOrigin + t0, end: performance.timeOrigin + t1 };
    },
    /** How long a setTimeout(0) and then a rAF take to come back, in ms (rAF gives up at 5 s). */
    responsiveness: function () {
      return new Promise(function (resolve) {
        var t0 = performance.now();
        setTimeout(function () {
          var timeout = performance.now() - t0;
          var done = false;
          var finish = function (raf) {
            if (done) return;
            done = true;
            resolve({ timeoutMs: timeout, rafMs: raf });
          };
          requestAnimationFrame(function () {
            finish(performance.now() - t0);
          });
          setTimeout(function () {
            finish(null);
          }, 5000);
        }, 0);
      });
    },
    /** Long tasks that started at or after `since` (performance.now() ms). */
    longTasks: function (since) {
      var mine = longTasks.filter(function (t) {
        return t[0] >= since - 1;
      });
      var total = 0;
      var max = 0;
      mine.forEach(function (t) {
        total += t[1];
        if (t[1] > max) max = t[1];
      });
      return { count: mine.length, totalMs: total, maxMs: max };
    },
  };
})();
