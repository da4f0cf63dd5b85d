// Copies what tsc does not: the editor templates next to the compiled nodes, and the locales
// and icons where Node-RED looks for them (`locales` and `icons` folders beside each node file).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
// CAMHUB_DIST lets parallel builds (several work trees, benchmarks) use their own output.
const out = path.join(path.resolve(process.env.CAMHUB_DIST || path.join(root, 'dist')), 'nodes');
fs.mkdirSync(out, { recursive: true });
for (const f of fs.readdirSync(path.join(root, 'nodes'))) {
  if (f.endsWith('.html')) fs.copyFileSync(path.join(root, 'nodes', f), path.join(out, f));
}
fs.rmSync(path.join(out, 'locales'), { recursive: true, force: true });
fs.cpSync(path.join(root, 'locales'), path.join(out, 'locales'), { recursive: true });
fs.rmSync(path.join(out, 'icons'), { recursive: true, force: true });
fs.cpSync(path.join(root, 'icons'), path.join(out, 'icons'), { recursive: true });
