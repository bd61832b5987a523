// A small TCF v2.2 CMP: the IAB's own CmpApi answers `__tcfapi` for every script on the page, and
// the IAB's core library encodes the person's choice as a TC string, kept in the `euconsent-v2`
// cookie (the CMP's own, strictly necessary storage) so a returning visitor is not asked again.
import { CmpApi } from '@iabtechlabtcf/cmpapi';
import { GVL, TCModel, TCString } from '@iabtechlabtcf/core';
import vendorList from './vendor-list.js';

// A CMP's id comes from IAB Europe's registration; 2 stands in for yours here.
const CMP_ID = 2;
const CMP_VERSION = 1;
const COOKIE = 'euconsent-v2';
// Ask only for what the site does: store/access on a device (1) and measure content performance (8).
const ASKED = [1, 8];

const gvl = new GVL(vendorList);

function encode(purposes) {
  const model = new TCModel(gvl);
  model.cmpId = CMP_ID;
  model.cmpVersion = CMP_VERSION;
  model.isServiceSpecific = true;
  model.publisherCountryCode = 'DE';
  model.purposeConsents.set(purposes);
  return TCString.encode(model);
}

const stored = () => (document.cookie.match(/(?:^|; )euconsent-v2=([^;]*)/) || [])[1];

/** Start the CMP: `window.__tcfapi` from now on; the banner is shown when there is no stored choice. */
export function startCmp(banner) {
  const api = new CmpApi(CMP_ID, CMP_VERSION, true);
  const choose = (purposes) => {
    const tcString = encode(purposes);
    document.cookie = `${COOKIE}=${tcString}; Path=/; Max-Age=${390 * 24 * 3600}; SameSite=Lax`;
    banner.hidden = true;
    api.update(tcString, false); // after the UI: eventStatus 'useractioncomplete'
  };
  banner.querySelector('[data-accept]').onclick = () => choose(ASKED);
  banner.querySelector('[data-reject]').onclick = () => choose([]);
  banner.querySelector('[data-purposes]').replaceChildren(
    ...ASKED.map((id) => Object.assign(document.createElement('li'), { textContent: vendorList.purposes[id].name })),
  );
  const reopen = () => {
    banner.hidden = false;
    api.update(stored() || '', true); // 'cmpuishown': asking again
  };
  const previous = stored();
  if (previous) api.update(previous, false); // 'tcloaded': the choice made on an earlier visit
  else reopen();
  return { reopen };
}
