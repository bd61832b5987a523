// Where the bytes of the core go: bundles `import heed from 'heed'; init; track` from src/ with
// esbuild (as size-limit does) and prints minified bytes per source file, then the brotli total.
//   node scripts/size-map.mjs [entry ts file]
import { brotliCompressSync } from 'node:zlib';
import { writeFileSync, rmSync } from 'node:fs';
import * as esbuild from 'esbuild';

const entry = process.argv[2] || 'src/entry/browser.ts';
const app = `import heed from './${entry}';\nheed.init('token');\nheed.track('x');\n`;
writeFileSync('.size-app.mjs', app);
try {
  const result = await esbuild.build({ entryPoints: ['.size-app.mjs'], bundle: true, minify: true, format: 'esm', platform: 'browser', write: false, metafile: true });
  const [out] = Object.values(result.metafile.outputs);
  const rows = Object.entries(out.inputs).map(([file, v]) => [v.bytesInOutput, file]).sort((a, b) => b[0] - a[0]);
  for (const [bytes, file] of rows) if (bytes) console.log(String(bytes).padStart(6), file);
  const code = result.outputFiles[0].contents;
  console.log(`${code.length} B minified, ${brotliCompressSync(code).length} B brotli`);
} finally {
  rmSync('.size-app.mjs');
}
