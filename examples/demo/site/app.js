// The demo shop's script, bundled by the demo server with heed (`import ... from 'heed'`).
import heed, { getDataRequestStatus, requestDataDeletion, requestDataExport } from 'heed';

const $ = (id) => document.getElementById(id);
const config = await (await fetch('/config.json')).json();
$('inspector').src = config.inspector;

heed.init(config.token, {
  api_host: config.apiHost,
  opt_out_tracking_by_default: true, // nothing stored or sent before "Accept"
  batch_flush_interval_ms: 500, // so the inspector shows clicks at once
  purposes: ['analytics', 'marketing'], // asked separately by the banner
  consent_notice_version: '2026-12', // this banner's text; a new text asks again
  consent_max_age_days: 395, // about 13 months, then the banner asks again
});
const PURPOSES = heed.consent.purposes();
heed.track_pageview(); // dropped unless accepted on an earlier visit

// The backend's session says who is signed in; their analytics id is the same name.
let user = (await (await fetch('/session')).json()).user;

function render() {
  const status = heed.consent.status();
  $('consent').textContent = { granted: 'on', denied: 'off', pending: 'off (not asked yet)' }[status];
  $('accept').disabled = status === 'granted';
  $('reject').disabled = status === 'denied';
  for (const p of PURPOSES) $('c-' + p).checked = heed.consent.status(p) === 'granted';
  $('signed-in').hidden = !user;
  $('sign-in').hidden = !!user;
  $('who').textContent = user || '';
  for (const button of document.querySelectorAll('button.data')) {
    button.disabled = !user;
    button.title = user ? '' : 'Sign in to make a data request';
  }
}

/** heed holds the signed-in person's id (an opt-out starts a new anonymous one). */
function identified() {
  if (user && heed.get_distinct_id() !== user) heed.identify(user);
  return heed;
}

heed.onConsentChange((status) => {
  // A refusal replaces the identity with a new anonymous one (nothing of the person stays), so a
  // later "yes" from a signed-in shopper must name them again; their new clicks are theirs.
  if (status === 'granted' && user) identified().people.set({ $name: user });
  render();
});

$('sign-in').onsubmit = async (event) => {
  event.preventDefault();
  const res = await fetch('/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: $('user').value.trim() }) });
  if (!res.ok) return ($('request-status').textContent = (await res.json()).error);
  user = (await res.json()).user;
  identified();
  if (heed.consent.status() === 'granted') heed.people.set({ $name: user });
  render();
};
$('sign-out').onclick = async (event) => {
  event.preventDefault();
  await fetch('/session', { method: 'DELETE' });
  user = null;
  heed.reset(); // the next person on this browser starts anonymous
  render();
};

const cart = [];
for (const button of document.querySelectorAll('[data-product]')) {
  button.onclick = () => {
    cart.push(button.dataset.product);
    $('cart').textContent = `${cart.length} in cart`;
    heed.track('Added to Cart', { product: button.dataset.product, price: Number(button.dataset.price) });
  };
}
$('checkout').onclick = () => {
  heed.track('Checked Out', { items: cart.length });
  // Sent only while marketing is granted; analytics alone does not carry it.
  heed.track('Offer Shown', { offer: 'loyalty card' }, { purpose: 'marketing' });
  cart.length = 0;
  $('cart').textContent = '';
};

$('accept').onclick = () => heed.opt_in_tracking(); // every purpose
// Per purpose: a "no" to what was never granted first, so that the $opt_in of the grant carries
// it in its record; a grant withdrawn last, so that what stays granted is never interrupted.
$('save').onclick = () => {
  // Read before deciding: each decision re-renders the checkboxes.
  const yes = PURPOSES.filter((p) => $('c-' + p).checked);
  const no = PURPOSES.filter((p) => yes.indexOf(p) < 0);
  const held = (p) => heed.consent.status(p) === 'granted';
  const deny = (list) => list.length && heed.consent.deny(list, { delete_user: false });
  deny(no.filter((p) => !held(p)));
  if (yes.length) heed.consent.grant(yes);
  deny(no.filter(held));
};
// "Reject" stops tracking. For a signed-in shopper heed sends one `$delete` of their profile (the
// default), the last request before silence: the inspector's timeline shows the refusal there.
// Erasing their events too is what "Delete my data" does.
$('reject').onclick = () => heed.opt_out_tracking();
// The inspector beside the shop, on this shopper's timeline: what arrived, and when.
$('audit').onclick = (event) => {
  event.preventDefault();
  $('inspector').src = config.inspector + '#timeline=' + encodeURIComponent(user || heed.get_distinct_id());
};

/** Ask the backend (heed/privacy) for a deletion or an export, then follow the job to its end. */
async function dataRequest(kind) {
  const say = (text) => ($('request-status').textContent = text);
  $('download-link').hidden = true;
  try {
    // requestDataDeletion also opts this browser out once the job exists.
    let state = await (kind === 'deletion' ? requestDataDeletion(identified()) : requestDataExport(identified()));
    say(`${kind}: ${state.status}`);
    while (!state.terminal) {
      await new Promise((r) => setTimeout(r, 1000));
      state = await getDataRequestStatus(state.id);
      say(`${kind}: ${state.status}`);
    }
    if (kind === 'export' && state.url) {
      $('download-link').href = state.url;
      $('download-link').hidden = false;
    }
  } catch (error) {
    say(`${kind} failed: ${error.message}`);
  }
  render();
}
$('delete').onclick = () => dataRequest('deletion');
$('download').onclick = () => dataRequest('export');

if (user) identified();
render();
