// Turns a bundled ESM declaration file (rollup-plugin-dts output) into the CommonJS declarations of
// a module whose `module.exports` is its default export with the named value exports on it
// (src/entry/*-cjs.ts): `export = heed`, plus a namespace carrying every exported type.
import ts from 'typescript';

export function cjsTypes(code) {
  const file = ts.createSourceFile('x.d.ts', code, ts.ScriptTarget.Latest, true);
  const params = new Map(); // type name -> [declaration params, use args]
  const values = [];
  const types = [];
  let main;
  const kept = [];
  for (const st of file.statements) {
    if (ts.isExportDeclaration(st) && st.exportClause && ts.isNamedExports(st.exportClause)) {
      for (const el of st.exportClause.elements) {
        const local = (el.propertyName || el.name).text;
        if (el.name.text === 'default') main = local;
        else (st.isTypeOnly || el.isTypeOnly ? types : values).push(local);
      }
      continue;
    }
    if ((ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st) || ts.isClassDeclaration(st)) && st.name) {
      const tp = st.typeParameters || [];
      params.set(st.name.text, [tp.length ? `<${tp.map((p) => p.getText(file)).join(', ')}>` : '', tp.length ? `<${tp.map((p) => p.name.text).join(', ')}>` : '']);
    }
    kept.push(st.getFullText(file));
  }
  if (!main) throw new Error('cjs-types: no default export to make module.exports of');
  // Classes are values (on module.exports) and types (in the namespace).
  for (const v of values) if (params.has(v) && !types.includes(v)) types.push(v);
  const outer = types.map((t) => `type __${t}${(params.get(t) || [''])[0]} = ${t}${(params.get(t) || ['', ''])[1]};`);
  const inner = types.map((t) => `  export type ${t}${(params.get(t) || [''])[0]} = __${t}${(params.get(t) || ['', ''])[1]};`);
  return [
    ...kept,
    '',
    ...outer,
    `declare const __module: typeof ${main} & { default: typeof ${main}; ${values.map((v) => `${v}: typeof ${v};`).join(' ')} };`,
    'declare namespace __module {',
    ...inner,
    '}',
    'export = __module;',
    '',
  ].join('\n');
}
