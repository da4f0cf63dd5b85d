import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ERROR_CODES } from '../../nodes/core/errors';
import { EVENT_TYPES } from '../../nodes/core/provider';
import { localized, requestLanguage } from '../../nodes/common/red';

const ROOT = path.join(__dirname, '..', '..');
const LOCALES = path.join(ROOT, 'locales');
const MODULE = 'node-red-contrib-camhub';
/** Runtime strings shared by every node live in this catalog (nodes/common/red.ts). */
const COMMON = 'camhub-event';

function flatten(o: unknown, prefix = ''): string[] {
  if (typeof o === 'string') return [prefix];
  if (!o || typeof o !== 'object') return [];
  return Object.entries(o as Record<string, unknown>).flatMap(([k, v]) =>
    flatten(v, prefix ? `${prefix}.${k}` : k),
  );
}

function catalogs(lang: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const f of fs.readdirSync(path.join(LOCALES, lang))) {
    if (!f.endsWith('.json')) continue;
    const json: unknown = JSON.parse(fs.readFileSync(path.join(LOCALES, lang, f), 'utf8'));
    out.set(f.replace(/\.json$/, ''), new Set(flatten(json)));
  }
  return out;
}

const nodeTypes = fs
  .readdirSync(path.join(ROOT, 'nodes'))
  .filter((f) => f.endsWith('.html'))
  .map((f) => f.replace(/\.html$/, ''));

/** Every "<namespace>\u0000<key>" the editor templates, editor code and runtime use. */
function usedKeys(): Set<string> {
  const used = new Set<string>();
  const add = (ns: string, key: string) => {
    const m = /^(?:\[[a-z-]+\])?(?:([^:]+):)?(.+)$/.exec(key);
    if (!m) return;
    const [, explicit, k] = m;
    if (explicit === 'node-red') return; // Node-RED's own catalog
    const namespace = explicit ? explicit.replace(`${MODULE}/`, '') : ns;
    used.add(`${namespace}\u0000${k}`);
  };
  for (const type of nodeTypes) {
    const html = fs.readFileSync(path.join(ROOT, 'nodes', `${type}.html`), 'utf8');
    for (const m of html.matchAll(/data-i18n="([^"]+)"/g))
      for (const k of m[1].split(';')) add(type, k);
    for (const m of html.matchAll(/(?:this|node)\._\('([^']+)'/g)) add(type, m[1]);
    for (const m of html.matchAll(/RED\._\('([^']+)'/g)) add(type, m[1]);
    // Keys picked in an expression, e.g. node._(ok ? 'a.b' : 'a.c').
    for (const m of html.matchAll(/'(camhub-[\w-]+\.(?!svg')[\w.]+)'/g)) add(type, m[1]);
    for (const m of html.matchAll(/CamhubEditor\._\('([^']+)'/g)) add(COMMON, m[1]);
    // CamhubEditor.editorHooks builds the palette label's key from the type.
    if (html.includes(`CamhubEditor.editorHooks('${type}'`)) add(type, `${type}.paletteLabel`);
  }
  const editor = fs.readFileSync(path.join(ROOT, 'resources', 'camhub-editor.js'), 'utf8');
  for (const m of editor.matchAll(/[^.\w]_\('([^']+)'/g)) add(COMMON, m[1]);
  const runtimeFiles = [
    ...fs
      .readdirSync(path.join(ROOT, 'nodes'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => path.join(ROOT, 'nodes', f)),
    ...fs
      .readdirSync(path.join(ROOT, 'nodes', 'common'))
      .map((f) => path.join(ROOT, 'nodes', 'common', f)),
  ];
  for (const file of runtimeFiles) {
    const src = fs.readFileSync(file, 'utf8');
    for (const m of src.matchAll(/'((?:status|errors|types|admin|advice)\.[\w.]+)'/g))
      add(COMMON, m[1]);
    // Keys built from a value: the families are complete by construction.
    if (src.includes('`errors.${')) for (const c of ERROR_CODES) add(COMMON, `errors.${c}`);
    if (src.includes('`advice.${')) for (const c of ERROR_CODES) add(COMMON, `advice.${c}`);
    if (src.includes('`types.${')) for (const t of EVENT_TYPES) add(COMMON, `types.${t}`);
    if (src.includes('`status.ptz.${')) {
      for (const a of ['move', 'stop', 'zoom', 'focus']) add(COMMON, `status.ptz.${a}`);
    }
  }
  return used;
}

describe('locales', () => {
  const langs = fs
    .readdirSync(LOCALES)
    .filter((d) => fs.statSync(path.join(LOCALES, d)).isDirectory());
  const reference = catalogs('en-US');
  const used = usedKeys();

  it('ship en-US and de', () => {
    assert.ok(langs.includes('en-US'));
    assert.ok(langs.includes('de'));
  });

  for (const lang of ['en-US', 'de']) {
    it(`${lang}: has a catalog and a help page for every node type`, () => {
      for (const type of nodeTypes) {
        assert.ok(fs.existsSync(path.join(LOCALES, lang, `${type}.json`)), `${lang}/${type}.json`);
        const help = path.join(LOCALES, lang, `${type}.html`);
        assert.ok(fs.existsSync(help), `${lang}/${type}.html`);
        assert.match(fs.readFileSync(help, 'utf8'), new RegExp(`data-help-name="${type}"`));
      }
    });

    it(`${lang}: defines every key the code uses`, () => {
      const cats = catalogs(lang);
      const missing = [...used]
        .map((u) => u.split('\u0000'))
        .filter(([ns, k]) => !cats.get(ns)?.has(k))
        .map(([ns, k]) => `${ns}: ${k}`);
      assert.deepEqual(missing, []);
    });

    it(`${lang}: has the same keys as en-US`, () => {
      const cats = catalogs(lang);
      for (const [ns, keys] of reference) {
        assert.deepEqual([...(cats.get(ns) ?? [])].sort(), [...keys].sort(), `${lang}/${ns}.json`);
      }
    });
  }

  it('has no key that nothing uses', () => {
    const unused: string[] = [];
    for (const [ns, keys] of reference) {
      for (const k of keys) if (!used.has(`${ns}\u0000${k}`)) unused.push(`${ns}: ${k}`);
    }
    assert.deepEqual(unused, []);
  });

  describe('runtime messages to the dialogs', () => {
    it('answer in the language the editor names, English otherwise', () => {
      assert.equal(requestLanguage('de'), 'de');
      assert.equal(requestLanguage('de-DE,de;q=0.9,en;q=0.8'), 'de');
      assert.equal(requestLanguage('fr-FR,de;q=0.5'), 'de');
      assert.equal(requestLanguage('en-GB,de;q=0.5'), 'en-US');
      assert.equal(requestLanguage('ja'), 'en-US');
      assert.equal(requestLanguage(undefined), 'en-US');
      assert.equal(requestLanguage('../../etc'), 'en-US');
    });

    it('say what every error code means and what to do, in German as well', () => {
      const keys = [
        ...ERROR_CODES.flatMap((c) => [`errors.${c}`, `advice.${c}`]),
        ...[...used]
          .map((u) => u.split('\u0000'))
          .filter(([ns, k]) => ns === COMMON && /^admin\./.test(k))
          .map(([, k]) => k),
      ];
      assert.ok(
        keys.some((k) => k.startsWith('admin.')),
        'the admin routes use catalog keys',
      );
      for (const key of keys) {
        const en = localized('en-US', key);
        const de = localized('de', key);
        assert.notEqual(en, key, `en-US has ${key}`);
        assert.notEqual(de, key, `de has ${key}`);
        assert.notEqual(de, en, `${key} is translated`);
      }
    });
  });
});
