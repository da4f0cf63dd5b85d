// Preload for `node-red-dev validate`, the Flow Library scorecard, so it runs without the
// Flow Library. Use from the project root: `npm run validate`, which is
//   node -r ./scripts/scorecard.js node_modules/node-red-dev/bin/run validate
//
// The scorecard fetches three things over HTTPS with its own axios:
// - https://catalogue.nodered.org/catalogue.json (P08 similar names, N01 duplicate node types):
//   not reachable from a build machine, so it is answered with an empty catalogue; those two
//   checks can only be done for real against the live Flow Library.
// - https://registry.npmjs.org/node-red (P06 Node-RED versions, P07 Node.js engines): answered
//   from `npm view node-red`, which goes through npm's own configuration (registry, proxy, CA).
// - https://registry.npmjs.org/<package> (only for `validate --npm <name>`): answered with 404.
// D02 and D03 (dependency tree, up-to-date dependencies) ask the npm registry directly, as npm does.
'use strict';
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const devDir = path.dirname(
  require.resolve('node-red-dev/package.json', { paths: [process.cwd(), __dirname] }),
);
const axios = require(require.resolve('axios', { paths: [devDir] }));
const realGet = axios.get.bind(axios);

const CATALOGUE = 'https://catalogue.nodered.org/';
const REGISTRY = 'https://registry.npmjs.org/';

let nodeRed;
function nodeRedMetadata() {
  if (!nodeRed) {
    const out = execFileSync(
      'npm',
      ['view', 'node-red', 'dist-tags', 'versions', 'engines', '--json'],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    const view = JSON.parse(out);
    const latest = view['dist-tags'].latest;
    const versions = {};
    for (const v of view.versions || []) versions[v] = {};
    // The scorecard reads the Node.js engines of the latest Node-RED from its manifest.
    versions[latest] = { engines: view.engines || {} };
    nodeRed = { 'dist-tags': view['dist-tags'], versions };
  }
  return nodeRed;
}

axios.get = async (url, ...rest) => {
  if (typeof url === 'string') {
    if (url.startsWith(CATALOGUE)) return { status: 200, data: { modules: [] } };
    if (url === `${REGISTRY}node-red`) return { status: 200, data: nodeRedMetadata() };
    if (url.startsWith(REGISTRY)) {
      const err = new Error(`${url.slice(REGISTRY.length)} is not published`);
      err.response = { status: 404 };
      throw err;
    }
  }
  return realGet(url, ...rest);
};
