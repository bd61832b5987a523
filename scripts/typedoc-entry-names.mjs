// typedoc names a module after its file (src/entry/node.ts → "node"); the reference should use the
// specifiers people import: "heed", "heed/node", "heed/privacy", "heed/consent".
import { Converter, ReflectionKind } from 'typedoc';

const NAMES = { browser: 'heed', node: 'heed/node', privacy: 'heed/privacy', consent: 'heed/consent', testing: 'heed/testing' };

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const module of context.project.getReflectionsByKind(ReflectionKind.Module)) {
      if (Object.hasOwn(NAMES, module.name)) module.name = NAMES[module.name];
    }
  });
}
