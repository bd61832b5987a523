// Keep the first copy aside, so the second script tag installs its own (iife.ts keeps a live one).
window.heedA = window.heed;
window.heed = undefined;
