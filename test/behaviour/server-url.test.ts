import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { getNode, helper, load, nextCaught, unload } from '../helpers/nodered';

const ACCOUNT_TYPES = ['camhub-reolink', 'camhub-arlo', 'camhub-blink', 'camhub-netatmo'];
const BAD_URLS: [string, RegExp][] = [
  ['https://owner:pw@cloud.example.com', /"user@" part/],
  ['https://cloud.example.com/api?x=1', /"\?" query/],
  ['https://cloud.example.com/#/api', /"#" fragment/],
];

describe('a server URL with user@, ? or #', function () {
  afterEach(async () => {
    await unload();
  });

  for (const type of ACCOUNT_TYPES) {
    it(`is refused at deploy for ${type}, with what to do`, async () => {
      for (const [url, why] of BAD_URLS) {
        await load([
          { id: 'acc', type, baseUrl: url, timeout: 2 },
          { id: 'n1', type: 'camhub-snapshot', account: 'acc', camera: 'x', wires: [[]] },
          { id: 'catch', type: 'catch', scope: null, wires: [['c1']] },
          { id: 'c1', type: 'helper' },
        ]);
        const caught = nextCaught('c1');
        getNode('n1').receive({ payload: 1 });
        const err = await caught;
        assert.equal(err.code, 'NOT_CONFIGURED', err.message);
        assert.match(err.message, why);
        assert.match(err.message, /account node/);
        assert.doesNotMatch(err.message, /pw/);
        const res = await helper.request().get('/camhub/accounts/acc/cameras').expect(404);
        assert.match(res.body.message, why);
        await unload();
      }
    });
  }

  it('is refused by Discover before anything is sent', async () => {
    await load([]);
    for (const type of ACCOUNT_TYPES) {
      const res = await helper
        .request()
        .post('/camhub/discover')
        .send({ type, baseUrl: 'https://cloud.example.com/#frag', credentials: {} })
        .expect(400);
      assert.equal(res.body.code, 'NOT_CONFIGURED');
      assert.match(res.body.message, /"#" fragment/);
    }
    const arlo = await helper
      .request()
      .post('/camhub/discover')
      .send({
        type: 'camhub-arlo',
        baseUrl: 'https://myapi.arlo.com',
        config: { authUrl: 'https://me@ocapi-app.arlo.com' },
        credentials: {},
      })
      .expect(400);
    assert.match(arlo.body.message, /auth server URL has a "user@" part/);
  });

  it('is refused by the dialog of every account type', () => {
    for (const type of ACCOUNT_TYPES) {
      const html = fs.readFileSync(
        path.join(__dirname, '..', '..', 'nodes', `${type}.html`),
        'utf8',
      );
      const defs: Record<
        string,
        { defaults: Record<string, { validate?: (v: string) => unknown }> }
      > = {};
      const RED = {
        nodes: { registerType: (t: string, def: (typeof defs)[string]) => (defs[t] = def) },
        _: (key: string) => key,
        validators: {
          number: () => () => true,
          regex: () => () => true,
          typedInput: () => () => true,
        },
      };
      for (const m of html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)) {
        new Function('RED', '$', m[1])(RED, () => ({}));
      }
      const validate = defs[type].defaults.baseUrl.validate!;
      const good = { 'camhub-reolink': 'http://host:61009' }[type] ?? 'https://cloud.example.com';
      assert.equal(validate.call({}, good), true, `${type} accepts ${good}`);
      assert.equal(validate.call({}, `${good}/v1`), true);
      for (const [url] of BAD_URLS) {
        assert.notEqual(validate.call({}, url), true, `${type} refuses ${url}`);
      }
    }
  });
});
