// `npm test`: ESLint and Prettier, tsc and the build first (any failure there stops the run,
// the tests would only test stale code), then every mocha suite in turn, each to its end even
// when an earlier one failed, and one total line over all of them. Exits non-zero on any
// failure. A skipped test counts as failed: nothing here may be skipped.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const FIRST = ['lint', 'typecheck', 'build'];
const SUITES = ['unit', 'sim', 'behaviour', 'reliability', 'packaging', 'browser'];
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const mocha = path.join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
const reporter = path.join(__dirname, 'mocha-totals.js');

for (const script of FIRST) {
  const res = spawnSync(npm, ['run', script], { cwd: ROOT, stdio: 'inherit' });
  if (res.status !== 0) {
    console.error(`\nnpm run ${script} failed: no test was run.`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'camhub-test-'));
const rows = [];
for (const suite of SUITES) {
  const totals = path.join(tmp, `${suite}.json`);
  console.log(`\n=== ${suite} (.mocharc.${suite}.json) ===`);
  const res = spawnSync(
    process.execPath,
    [mocha, '--config', `.mocharc.${suite}.json`, '--reporter', reporter],
    { cwd: ROOT, stdio: 'inherit', env: { ...process.env, CAMHUB_MOCHA_TOTALS: totals } },
  );
  let counts;
  try {
    counts = JSON.parse(fs.readFileSync(totals, 'utf8'));
  } catch {
    // Mocha died before the end of its run (a crash, a signal): the suite as a whole failed.
    counts = { passes: 0, failures: 1, pending: 0 };
  }
  let failed = counts.failures + counts.pending;
  if (res.status !== 0 && failed === 0) failed = 1;
  rows.push({ suite, passed: counts.passes, failed, pending: counts.pending });
}
fs.rmSync(tmp, { recursive: true, force: true });

console.log('\n=== all suites ===');
for (const r of rows) {
  const skipped = r.pending ? ` (${r.pending} skipped, counted as failed)` : '';
  console.log(`${r.suite.padEnd(12)} ${r.passed} passed, ${r.failed} failed${skipped}`);
}
const passed = rows.reduce((n, r) => n + r.passed, 0);
const failed = rows.reduce((n, r) => n + r.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
