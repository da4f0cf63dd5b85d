/**
 * The Flow Library scorecard (`node-red-dev validate`, run offline through scripts/scorecard.js)
 * passes with no warning other than those that cannot apply before the package is published.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

/** Scorecard warnings that cannot be fixed before publishing, and why. */
const BEFORE_PUBLISHING: Record<string, string> = {
  P03:
    'needs a repository URL or a bugs URL/email in package.json; the project has no public ' +
    'repository or issue tracker yet, and an invented one would send users nowhere',
  P04:
    'asks new packages for a scoped name (@owner/name); a scope is an npm user or organisation ' +
    'the publisher owns, chosen when publishing, and the name is also the prefix of the ' +
    'editor i18n namespaces and resource URLs',
};

/** Every check the scorecard runs on a local package. */
const CHECKS = ['P01', 'P03', 'P04', 'P05', 'P06', 'P07', 'P08', 'N01', 'N02', 'D01', 'D02', 'D03'];

interface Check {
  test: boolean;
  nodes?: string[];
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('Flow Library scorecard (node-red-dev validate)', function () {
  this.timeout(120_000);
  let dir: string;

  before(() => {
    const html = path.join(ROOT, 'dist', 'nodes', 'camhub-snapshot.html');
    if (!fs.existsSync(html)) throw new Error(`${html} is missing: run npm run build first`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camhub-scorecard-'));
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('warns only about what cannot apply before publishing', async () => {
    const out = path.join(dir, 'scorecard.json');
    const bin = path.join(ROOT, 'node_modules', 'node-red-dev', 'bin', 'run');
    const preload = path.join(ROOT, 'scripts', 'scorecard.js');
    const res = await run(['-r', preload, bin, 'validate', '-o', out]);
    const log = `${res.stdout}\n${res.stderr}`;
    assert.equal(res.code, 0, log);
    assert.match(res.stdout, /Complete/, log);

    // oclif prints warnings as " ›   Warning: <text>", continued on lines starting with " › ".
    const warnings = res.stderr
      .split(/›\s+Warning:/)
      .slice(1)
      .map((w) => w.replace(/\s*›\s*/g, ' ').trim());
    const unexpected = warnings.filter((w) => !(w.slice(0, 3) in BEFORE_PUBLISHING));
    assert.deepEqual(unexpected, [], log);

    const card = JSON.parse(fs.readFileSync(out, 'utf8')) as Record<string, Check>;
    for (const id of CHECKS) {
      assert.ok(card[id], `the scorecard ran ${id}:\n${log}`);
      if (!(id in BEFORE_PUBLISHING)) assert.equal(card[id].test, true, `${id} passes:\n${log}`);
    }
    // N02: an example for every node that is not a config node.
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      'node-red': { nodes: Record<string, string> };
    };
    const functional = Object.entries(pkg['node-red'].nodes)
      .filter(([, js]) => {
        const html = fs.readFileSync(path.join(ROOT, js.replace(/\.js$/, '.html')), 'utf8');
        return !/category:\s*['"]config['"]/.test(html);
      })
      .map(([type]) => type);
    assert.deepEqual([...(card.N02.nodes ?? [])].sort(), functional.sort());
  });
});
