import heed from 'heed';
import { fromTCF } from 'heed/consent';
import { startCmp } from './cmp.js';

// The CMP first, so `__tcfapi` exists when heed asks for it.
const cmp = startCmp(document.getElementById('cmp'));

// api_host: this example's collector serves the page too; on a real site 'us', 'eu' or 'in'.
heed.init('cmp-tcf-example', { api_host: location.origin, opt_out_tracking_by_default: true, batch_flush_interval_ms: 1000 });
// heed sends only when the TC string allows purposes 1 (store/access on a device) and
// 8 (measure content performance); the CMP's answer, not heed's own flag, decides.
fromTCF(heed, { purposes: [1, 8] });

heed.track_pageview();
heed.onConsentChange((status) => (document.getElementById('consent-status').textContent = status));
document.getElementById('consent-status').textContent = heed.consent.status();
document.getElementById('read').onclick = () => heed.track('Article Read', { article: 'tcf-explained' });
document.getElementById('settings').onclick = (event) => {
  event.preventDefault();
  cmp.reopen();
};
