/**
 * The inspector's two pictures, drawn as plain SVG by the page (inlined by inspector-page.ts):
 * `drawRate` (events per minute by event name, stacked bars) and `drawAxis` (a person's entries
 * on one time axis, refusals shaded). Plain browser JavaScript without template literals.
 */
export const CHART_SCRIPT = String.raw`
const SVG = 'http://www.w3.org/2000/svg';
const PALETTE = ['#2f6fdf', '#e0832b', '#1e9e6a', '#b3261e', '#7b3fb3', '#0f8fa8', '#c2478f', '#7a7a7a'];
const KIND_COLOR = { consent: '#b3261e', event: '#2f6fdf', profile: '#1e7b34', gdpr: '#7b3fb3' };

function svgNode(name, attrs, text) {
  const node = document.createElementNS(SVG, name);
  for (const key in attrs) node.setAttribute(key, attrs[key]);
  if (text !== undefined) node.textContent = text;
  return node;
}
/** A colour per event name, kept for the page's life so a name keeps it as counts change. */
const colours = new Map();
function colourOf(name) {
  if (name === 'other') return PALETTE[7];
  if (!colours.has(name)) colours.set(name, PALETTE[colours.size % 7]);
  return colours.get(name);
}
/** Draw in CSS pixels (the SVG's own width), so labels keep their size on any screen. */
function canvas(svg, height) {
  const width = Math.max(320, Math.round(svg.getBoundingClientRect().width) || 720);
  svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
  svg.replaceChildren();
  return width;
}
const clock = (ms, when) => when(ms).slice(11, 16);

/** Stacked bars, one per minute: rate = { from, minutes, series: [{ event, counts, total }] }. */
function drawRate(svg, legend, rate, when) {
  const H = 150, left = 34, right = 8, top = 8, bottom = 22;
  const W = canvas(svg, H);
  const width = (W - left - right) / rate.minutes;
  const totals = new Array(rate.minutes).fill(0);
  for (const s of rate.series) s.counts.forEach((n, i) => (totals[i] += n));
  const max = Math.max(1, ...totals);
  const y = (n) => top + (H - top - bottom) * (1 - n / max);
  svg.appendChild(svgNode('line', { x1: left, x2: W - right, y1: y(0), y2: y(0), stroke: '#bbb' }));
  svg.appendChild(svgNode('text', { x: left - 4, y: y(max) + 8, 'text-anchor': 'end' }, String(max)));
  svg.appendChild(svgNode('text', { x: left - 4, y: y(0), 'text-anchor': 'end' }, '0'));
  for (let i = 0; i < rate.minutes; i += 10) {
    const x = left + i * width;
    const label = i === 0 ? when(rate.from).slice(0, 16) : clock(rate.from + i * 60000, when);
    svg.appendChild(svgNode('text', { x, y: H - 6 }, label));
  }
  const base = new Array(rate.minutes).fill(0);
  rate.series.forEach((s) => {
    const fill = colourOf(s.event);
    s.counts.forEach((n, i) => {
      if (!n) return;
      const bar = svgNode('rect', { class: 'bar', x: left + i * width + 1, width: Math.max(1, width - 2), y: y(base[i] + n), height: y(base[i]) - y(base[i] + n), fill, 'data-event': s.event });
      bar.appendChild(svgNode('title', {}, s.event + ': ' + n + ' at ' + clock(rate.from + i * 60000, when)));
      svg.appendChild(bar);
      base[i] += n;
    });
  });
  if (!rate.series.length) svg.appendChild(svgNode('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle' }, 'no events in the last hour'));
  legend.innerHTML = rate.series.map((s) =>
    '<li><span style="background:' + colourOf(s.event) + '"></span>' + esc(s.event) + ' <span class="muted">' + s.total + '</span></li>').join('');
}

/** One person on a time axis from their first entry to now; stretches while refused are shaded. */
function drawAxis(svg, timeline, when) {
  const H = 64, left = 8, right = 8, mid = 34;
  const W = canvas(svg, H);
  const first = timeline.entries.length ? timeline.entries[0].at : timeline.now - 60000;
  const start = Math.min(first, timeline.now - 1000);
  const span = Math.max(1, timeline.now - start);
  const x = (ms) => left + (W - left - right) * ((ms - start) / span);
  for (const r of timeline.refusals) {
    const x1 = x(r.at), x2 = x(r.until === null ? timeline.now : r.until);
    svg.appendChild(svgNode('rect', { class: 'refused', x: x1, width: Math.max(1, x2 - x1), y: 6, height: H - 26, fill: r.arrivals ? '#f7c9c5' : '#fbe9e7' }));
  }
  svg.appendChild(svgNode('line', { x1: left, x2: W - right, y1: mid, y2: mid, stroke: '#999' }));
  for (const e of timeline.entries) {
    const tall = e.kind === 'consent' ? 14 : e.kind === 'gdpr' ? 11 : 7;
    const mark = svgNode('line', { class: 'mark kind-' + e.kind, x1: x(e.at), x2: x(e.at), y1: mid - tall, y2: mid + tall, stroke: KIND_COLOR[e.kind], 'stroke-width': e.kind === 'consent' ? 3 : 1.5 });
    mark.appendChild(svgNode('title', {}, when(e.at) + ' ' + e.title));
    svg.appendChild(mark);
    if (e.consent) svg.appendChild(svgNode('text', { x: x(e.at) + 3, y: 12 }, e.consent));
  }
  svg.appendChild(svgNode('text', { x: left, y: H - 4 }, when(start)));
  svg.appendChild(svgNode('text', { x: W - right, y: H - 4, 'text-anchor': 'end' }, 'now ' + when(timeline.now).slice(11, 19)));
}
`;
