import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

/** A syntax error in one editor script hides that node from the palette without a word. */
describe('editor scripts', () => {
  const files = [
    ...fs
      .readdirSync(path.join(ROOT, 'nodes'))
      .filter((f) => f.endsWith('.html'))
      .map((f) => path.join(ROOT, 'nodes', f)),
  ];
  for (const file of files) {
    it(`${path.basename(file)} parses`, () => {
      const html = fs.readFileSync(file, 'utf8');
      const scripts = [...html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)];
      assert.ok(scripts.length > 0);
      for (const m of scripts) assert.doesNotThrow(() => new Function(m[1]));
    });
  }
  it('resources/camhub-editor.js parses', () => {
    const js = fs.readFileSync(path.join(ROOT, 'resources', 'camhub-editor.js'), 'utf8');
    assert.doesNotThrow(() => new Function(js));
  });
});
