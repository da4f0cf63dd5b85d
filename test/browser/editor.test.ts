/**
 * The editor in a real browser: Debian's Chromium driven by playwright-core against `npm start`.
 * A user's path through it: import an example, open its Reolink account, press Discover, pick
 * a camera in the snapshot node, deploy, trigger, and see the node's green status. Every step
 * leaves a screenshot in .artifacts/screenshots/.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { startDemo, type Demo } from './demo';
import { ensureRuntime, type RuntimeSpec } from '../helpers/runtimes';

const ROOT = path.join(__dirname, '..', '..');
const SHOTS = path.join(ROOT, '.artifacts', 'screenshots');
const CHROMIUM = process.env.CAMHUB_CHROMIUM || '/usr/bin/chromium';
/** How long one step may wait for the editor: generous, it is not a speed test. */
const WAIT = 30_000;

type FlowNode = { id: string; type: string; z?: string; label?: string; name?: string };
type Wired = FlowNode & { wires?: string[][] };

interface ExampleChoice {
  /** The name Import > Examples shows: the file name without .json. */
  title: string;
  tabLabel: string;
  account: FlowNode;
  snapshotId: string;
  injectId: string;
}

/** The first shipped example with a Reolink account and an inject wired to a snapshot node. */
function chooseExample(): ExampleChoice {
  const dir = path.join(ROOT, 'examples');
  for (const file of fs.readdirSync(dir).sort()) {
    if (!file.endsWith('.json')) continue;
    const nodes = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Wired[];
    const tab = nodes.find((n) => n.type === 'tab');
    const account = nodes.find((n) => n.type === 'camhub-reolink');
    const snapshot = nodes.find((n) => n.type === 'camhub-snapshot');
    const inject =
      snapshot &&
      nodes.find((n) => n.type === 'inject' && (n.wires ?? []).flat().includes(snapshot.id));
    if (tab && account && snapshot && inject) {
      return {
        title: file.replace(/\.json$/, ''),
        tabLabel: tab.label ?? '',
        account,
        snapshotId: snapshot.id,
        injectId: inject.id,
      };
    }
  }
  throw new Error('no example has an inject wired to a camhub-snapshot node and a Reolink account');
}

/** A node on the canvas, by its id (Node-RED gives each node's SVG group the node's id). */
function canvasNode(page: Page, id: string): Locator {
  return page.locator(`#red-ui-workspace-chart g.red-ui-flow-node-group[id="${id}"]`);
}

/** Waits until Node-RED's notifications (they close by themselves) have gone. */
async function notificationsGone(page: Page): Promise<void> {
  await page.waitForFunction(() => document.querySelectorAll('.red-ui-notification').length === 0);
}

/** Waits until an edit tray has slid in and stands still. */
async function trayOpen(page: Page, doneButton: string): Promise<void> {
  await page.locator(doneButton).click({ trial: true });
}

/**
 * Buttons without an accessible name (text, aria-label or title) and inline colours that are
 * not the theme's variables (5.x has a dark theme), in the open edit tray.
 */
async function dialogProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    // The dialog's own form; the tray's header and footer are Node-RED's.
    const trays = document.querySelectorAll('.red-ui-tray-body form');
    const tray = trays[trays.length - 1] ?? document.body;
    for (const b of Array.from(tray.querySelectorAll('button, a.red-ui-button'))) {
      const el = b as HTMLElement;
      if (el.offsetParent === null) continue; // hidden
      const name =
        el.getAttribute('aria-label') || el.textContent?.trim() || el.getAttribute('title');
      if (!name) problems.push(`button without a name: ${el.outerHTML.slice(0, 160)}`);
    }
    // Node-RED's own widgets inside the form (the node's palette colour) are not ours to judge.
    // (No named helper functions in here: tsx would wrap them in a __name the page lacks.)
    for (const el of Array.from(tray.querySelectorAll('[style]'))) {
      let nodeRedWidget = false;
      for (let e: Element | null = el; e && e !== tray; e = e.parentElement) {
        if (/(^|\s)red-ui-/.test(e.getAttribute('class') ?? '')) nodeRedWidget = true;
      }
      if (nodeRedWidget) continue;
      const style = el.getAttribute('style') ?? '';
      const bare = style.replace(/var\([^)]*\)/g, '');
      if (/#[0-9a-f]{3,8}\b|rgba?\(|hsla?\(/i.test(bare)) {
        problems.push(`colour outside the theme: ${el.outerHTML.slice(0, 160)}`);
      }
    }
    return problems;
  });
}

/** The dev dependency's Node-RED, and the newest 5.x on Node.js 22 (dark theme on). */
const RUNTIMES: Array<{ title: string; spec?: RuntimeSpec; dark: boolean }> = [
  { title: 'the dev dependency', dark: false },
  { title: '5.x', spec: { nodeRed: '5', nodeMajor: '22' }, dark: true },
];

for (const target of RUNTIMES)
  describe(`the editor in Chromium, Node-RED ${target.title}`, function () {
    this.timeout(600_000);
    const shots = path.join(SHOTS, target.spec ? `node-red-${target.spec.nodeRed}` : 'node-red');
    let demo: Demo | undefined;
    let browser: Browser | undefined;
    let page: Page;
    let shot = 0;
    const browserErrors: string[] = [];

    async function step(name: string, fn: () => Promise<void>): Promise<void> {
      shot += 1;
      const file = `${String(shot).padStart(2, '0')}-${name}.png`;
      try {
        await fn();
      } catch (err) {
        await page.screenshot({ path: path.join(shots, `FAILED-${file}`) }).catch(() => undefined);
        const msg = err instanceof Error ? err.message : String(err);
        throw new Error(
          `step "${name}" failed: ${msg}\nbrowser errors: ${browserErrors.join('\n')}`,
        );
      }
      await page.screenshot({ path: path.join(shots, file) });
    }

    before(async function () {
      if (!fs.existsSync(CHROMIUM)) {
        throw new Error(
          `Chromium is not installed at ${CHROMIUM}. The browser test drives Debian's chromium ` +
            'package: install it with `sudo apt-get install chromium` (.ci/run does this), or set ' +
            'CAMHUB_CHROMIUM to a Chromium binary.',
        );
      }
      fs.rmSync(shots, { recursive: true, force: true });
      fs.mkdirSync(shots, { recursive: true });
      const runtime = target.spec ? await ensureRuntime(target.spec) : undefined;
      // A fresh install: one empty flow, so the imported example is the only thing there.
      demo = await startDemo({
        flows: [{ id: 'f0f0f0f0f0f0f0f0', type: 'tab', label: 'Flow 1' }],
        runtime,
      });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      page = await context.newPage();
      page.setDefaultTimeout(WAIT);
      page.on('pageerror', (err) => browserErrors.push(err.message));
    });

    after(async () => {
      await browser?.close();
      await demo?.stop();
    });

    it('imports an example, discovers cameras, picks one, deploys and shows a green status', async () => {
      const example = chooseExample();
      const reolinkSim = demo!.sims.reolink;
      let picked = '';
      assert.ok(reolinkSim, `npm start printed no Reolink simulator: ${demo!.output()}`);

      // This user has already answered Node-RED's "enable update notifications?" question.
      const answered = await fetch(`${demo!.base}/settings/user`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ telemetryEnabled: false }),
      });
      assert.equal(answered.status, 204);

      await step('editor-loaded', async () => {
        await page.goto(`${demo!.base}/`);
        await page.locator('#red-ui-header-button-deploy').waitFor();
        if (target.dark) {
          // What View > Appearance > Dark does.
          await page.evaluate(() => document.documentElement.classList.add('nr-theme-dark'));
        }
        const palette = page.locator('.red-ui-palette-node[data-palette-type="camhub-snapshot"]');
        await palette.scrollIntoViewIfNeeded();
        // The palette shows the package's own icon, not Node-RED's fallback.
        const icon = await palette.locator('.red-ui-palette-icon').getAttribute('style');
        assert.match(icon ?? '', /node-red-contrib-camhub\/camhub-snapshot\.svg/);
      });

      await step('import-examples-dialog', async () => {
        await page.locator('#red-ui-header-button-sidemenu').click();
        await page.locator('#menu-item-import').click();
        await page.locator('#red-ui-clipboard-dialog').waitFor();
        await page.locator('a[href="#red-ui-clipboard-dialog-import-tab-examples"]').click();
        const examples = page.locator('#red-ui-clipboard-dialog-import-tab-examples');
        await examples
          .locator('.red-ui-treeList-label', { hasText: 'node-red-contrib-camhub' })
          .click();
        await examples.locator('.red-ui-treeList-label', { hasText: example.title }).click();
        await page.locator('#red-ui-clipboard-dialog-import-opt-new').click();
      });

      await step('example-imported', async () => {
        await page.locator('#red-ui-clipboard-dialog-ok').click();
        // The example brings its own flow tab; open it.
        const tab = page.locator('#red-ui-workspace-tabs .red-ui-tab', {
          hasText: example.tabLabel,
        });
        await tab.click();
        await tab.and(page.locator('.active')).waitFor();
        await canvasNode(page, example.snapshotId).waitFor();
        await notificationsGone(page);
      });

      await step('reolink-account-dialog', async () => {
        await page.locator('#red-ui-header-button-sidemenu').click();
        await page.locator('#menu-item-config-nodes').click();
        const entry = page.locator('.red-ui-palette-node-config', {
          hasText: example.account.name ?? 'Reolink',
        });
        await entry.first().dblclick();
        await page.locator('#node-config-input-baseUrl').fill(reolinkSim);
        await trayOpen(page, '#node-config-dialog-ok');
      });

      await step('reolink-discover', async () => {
        await page.locator('#node-config-camhub-discover').click();
        const list = page.locator('#node-config-camhub-cameras');
        await list.locator('td', { hasText: 'Front Yard' }).waitFor();
        assert.ok((await list.locator('tr').count()) >= 2, 'Discover lists the simulated cameras');
        assert.deepEqual(await dialogProblems(page), []);
      });

      await step('snapshot-camera-picked', async () => {
        await page.locator('#node-config-dialog-ok').click();
        await page.locator('#node-config-input-baseUrl').waitFor({ state: 'detached' });
        await canvasNode(page, example.snapshotId).locator('.red-ui-flow-node').dblclick();
        const camera = page.locator('#node-input-camera');
        // Front Yard, or Driveway if the example has Front Yard already, so the pick changes it.
        for (const name of ['Front Yard', 'Driveway']) {
          const option = camera.locator('option', { hasText: name });
          await option.waitFor({ state: 'attached' });
          const value = await option.getAttribute('value');
          assert.ok(value, `the ${name} option has a camera id`);
          if (value === (await camera.inputValue())) continue;
          await camera.selectOption(value);
          picked = name;
          break;
        }
        assert.ok(picked, 'a camera was picked');
        // Once the cameras are listed, the picker's hint line is gone.
        await page.locator('#node-input-camera-hint').waitFor({ state: 'hidden' });
        const shown = await camera.locator('option:checked').textContent();
        assert.ok(shown?.startsWith(picked), `the camera select shows ${picked}, not ${shown}`);
        // Reolink honours a quality: the row offers the picked camera's streams.
        await page.locator('#node-input-quality').waitFor();
        assert.ok((await page.locator('#node-input-quality option').count()) >= 1);
        assert.deepEqual(await dialogProblems(page), []);
        await trayOpen(page, '#node-dialog-ok');
      });

      await step('deployed', async () => {
        await page.locator('#node-dialog-ok').click();
        await page.locator('#node-input-camera').waitFor({ state: 'detached' });
        const [deployed] = await Promise.all([
          page.waitForResponse((r) => r.request().method() === 'POST' && /\/flows$/.test(r.url())),
          page.locator('#red-ui-header-button-deploy').click(),
        ]);
        assert.equal(deployed.status(), 200, `deploy answered ${deployed.status()}`);
        await page.locator('#red-ui-header-button-deploy.disabled').waitFor();
        await page.locator('#red-ui-header-shade').waitFor({ state: 'hidden' });
      });

      await step('snapshot-green-status', async () => {
        await notificationsGone(page);
        await canvasNode(page, example.injectId).locator('.red-ui-flow-node-button').click();
        const node = canvasNode(page, example.snapshotId);
        await node.locator('.red-ui-flow-node-status-dot-green').waitFor();
        const label = await node.locator('.red-ui-flow-node-status-label').textContent();
        assert.ok(label && label.trim(), 'the green status has a text');
        // The picture reached the debug node wired after the snapshot node.
        // Node-RED 5 shows the debug sidebar beside the others, with no tab to pick.
        const debugTab = page.locator('a.red-ui-tab-link-button[href="#debug"]');
        if (await debugTab.count()) await debugTab.click();
        await page.locator('.red-ui-debug-msg', { hasText: picked }).first().waitFor();
        await node.scrollIntoViewIfNeeded();
        await notificationsGone(page);
      });

      await step('reolink-webhook-after-deploy', async () => {
        await page.evaluate((id) => {
          const red = (window as unknown as { RED: any }).RED; // eslint-disable-line @typescript-eslint/no-explicit-any
          red.editor.editConfig('', 'camhub-reolink', id);
        }, example.account.id);
        await trayOpen(page, '#node-config-dialog-ok');
        const url = page.locator('#node-config-camhub-webhook .camhub-copy-text');
        // Whole, with the stored authcode hidden until asked for.
        assert.match((await url.textContent()) ?? '', /\/camhub\/reolink\/\S+\?authcode=\u2022+$/);
        await page.locator('#node-config-camhub-webhook button[aria-label="show"]').click();
        await page.waitForFunction(
          () =>
            !/\u2022/.test(
              document.querySelector('#node-config-camhub-webhook .camhub-copy-text')
                ?.textContent ?? '\u2022',
            ),
        );
        assert.match((await url.textContent()) ?? '', /\?authcode=[\w-]{16,}$/);
        // Whole: wrapped inside the dialog, nothing cut off or running out of it.
        const fits = await url.evaluate((el) => {
          const form = el.closest('form')!.getBoundingClientRect();
          return (
            el.scrollWidth <= el.clientWidth + 1 && el.getBoundingClientRect().right <= form.right
          );
        });
        assert.ok(fits, 'the webhook URL wraps within the dialog');
        assert.equal(
          await page.locator('#node-config-camhub-webhook button[aria-label="copy"]').count(),
          1,
        );
        assert.deepEqual(await dialogProblems(page), []);
      });

      await step('reolink-dialog-closed', async () => {
        await page.locator('#node-config-dialog-cancel').click();
        await page.locator('#node-config-camhub-webhook').waitFor({ state: 'detached' });
      });

      assert.deepEqual(browserErrors, [], 'no script errors in the editor');
    });

    it("offers only the account's arm scopes and keeps every cloud's accounts after adding one", async () => {
      // A Blink account with an arm and a snapshot node, as a user would draw them.
      const tab = { id: 'b1b1b1b1b1b1b100', type: 'tab', label: 'Blink' };
      const blink: Wired = { id: 'b1b1b1b1b1b1b101', type: 'camhub-blink', name: 'Home' };
      const arm: Wired = { id: 'b1b1b1b1b1b1b102', type: 'camhub-arm', z: tab.id, wires: [] };
      const nodes: Array<Wired & Record<string, unknown>> = [
        tab,
        blink,
        { ...arm, name: '', account: blink.id, camera: '', armScope: 'system', x: 200, y: 80 },
        {
          id: 'b1b1b1b1b1b1b103',
          type: 'camhub-snapshot',
          z: tab.id,
          name: '',
          account: blink.id,
          camera: '',
          quality: 'main',
          x: 200,
          y: 160,
          wires: [],
        },
      ];
      const scopes = () =>
        page
          .locator('#node-input-armScope option')
          .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
      const accounts = () =>
        page
          .locator('#node-input-account option')
          .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));

      await step('arm-scope-blink', async () => {
        await page.evaluate((flow) => {
          const red = (window as unknown as { RED: any }).RED; // eslint-disable-line @typescript-eslint/no-explicit-any
          red.view.importNodes(flow);
        }, nodes);
        await page.evaluate((id) => {
          const red = (window as unknown as { RED: any }).RED; // eslint-disable-line @typescript-eslint/no-explicit-any
          red.editor.edit(red.nodes.node(id));
        }, arm.id);
        await trayOpen(page, '#node-dialog-ok');
        assert.deepEqual(await scopes(), ['', 'system', 'camera']);
      });

      await step('arm-account-choices', async () => {
        const before = await accounts();
        assert.ok(before.includes(blink.id), `the Blink account is listed: ${before}`);
        await page.locator('#node-input-account').selectOption('_ADD_camhub:camhub-netatmo');
        await trayOpen(page, '#node-config-dialog-ok');
      });

      await step('netatmo-redirect-uri', async () => {
        const uri = page.locator('#node-config-camhub-redirect .camhub-copy-text');
        assert.match(
          (await uri.textContent()) ?? '',
          /^http:\/\/\S+\/camhub\/netatmo\/oauth\/callback$/,
        );
        assert.equal(
          await page.locator('#node-config-camhub-redirect button[aria-label="copy"]').count(),
          1,
        );
        assert.deepEqual(await dialogProblems(page), []);
      });

      await step('arm-account-added', async () => {
        const before = await accounts();
        await page.locator('#node-config-dialog-ok').click();
        await page.locator('#node-config-dialog-ok').waitFor({ state: 'detached' });
        await page.waitForFunction(
          (n) => document.querySelectorAll('#node-input-account option').length > n,
          before.length,
        );
        const after = await accounts();
        for (const id of before) assert.ok(after.includes(id), `${id} is still listed: ${after}`);
        assert.deepEqual(await scopes(), ['', 'camera', 'home']);
        assert.deepEqual(await dialogProblems(page), []);
      });

      await step('arm-dialog-closed', async () => {
        await page.locator('#node-dialog-cancel').click();
        await page.locator('#node-input-armScope').waitFor({ state: 'detached' });
      });

      await step('blink-snapshot-no-quality', async () => {
        const snapshot = nodes.find((n) => n.type === 'camhub-snapshot');
        assert.ok(snapshot, 'the Blink example has a snapshot node');
        await page.evaluate((id) => {
          const red = (window as unknown as { RED: any }).RED; // eslint-disable-line @typescript-eslint/no-explicit-any
          red.editor.edit(red.nodes.node(id));
        }, snapshot.id);
        await trayOpen(page, '#node-dialog-ok');
        // Blink has one picture: no quality to choose.
        await page.locator('#node-input-quality').waitFor({ state: 'hidden' });
        await page.locator('#node-dialog-cancel').click();
        await page.locator('#node-input-quality').waitFor({ state: 'detached' });
      });
      assert.deepEqual(browserErrors, [], 'no script errors in the editor');
    });

    it('speaks German all the way when the editor is German', async () => {
      await step('german-palette', async () => {
        await page.evaluate(() => localStorage.setItem('editor-language', 'de'));
        // The flows drawn above are not deployed: leave them (Node-RED asks before unloading).
        page.once('dialog', (d) => void d.accept());
        await page.reload();
        await page.locator('#red-ui-header-button-deploy').waitFor();
        const label = page.locator(
          '.red-ui-palette-node[data-palette-type="camhub-snapshot"] .red-ui-palette-label',
        );
        await label.scrollIntoViewIfNeeded();
        // Split where German splits the word, with a hyphen, never inside a syllable.
        assert.equal((await label.innerHTML()).replace(/\s+/g, ''), 'Schnapp\u2010<br>schuss');
        // No camhub label is cut inside a word: every line ends at a space or after a hyphen.
        const cut = await page
          .locator('.red-ui-palette-node[data-palette-type^="camhub-"] .red-ui-palette-label')
          .evaluateAll((labels) =>
            labels.flatMap((l) => {
              const lines = l.innerHTML.split(/<br\/?>/).map((x) => x.trim());
              const text =
                l.closest('.red-ui-palette-node')?.getAttribute('data-palette-label') ?? '';
              return lines
                .slice(0, -1)
                .filter(
                  (line, i) =>
                    !/[\u2010-]$/.test(line) && !text.includes(`${line} ${lines[i + 1]}`),
                )
                .map((line) => `${l.innerHTML} (after "${line}")`);
            }),
          );
        assert.deepEqual(cut, []);
      });

      await step('german-discover-error', async () => {
        await page.evaluate((id) => {
          const red = (window as unknown as { RED: any }).RED; // eslint-disable-line @typescript-eslint/no-explicit-any
          red.editor.editConfig('', 'camhub-reolink', id);
        }, chooseExample().account.id);
        await trayOpen(page, '#node-config-dialog-ok');
        // A server that is not there: the reply the dialog shows is German.
        await page.locator('#node-config-input-baseUrl').fill('http://127.0.0.1:9');
        await page.locator('#node-config-camhub-discover').click();
        const out = page.locator('#node-config-camhub-cameras');
        await page.waitForFunction(() =>
          /erneut|prüfen/.test(
            document.querySelector('#node-config-camhub-cameras')?.textContent ?? '',
          ),
        );
        assert.doesNotMatch((await out.textContent()) ?? '', /\b(the|check|again)\b/i);
        await page.locator('#node-config-dialog-cancel').click();
        await page.locator('#node-config-input-baseUrl').waitFor({ state: 'detached' });
        await page.evaluate(() => localStorage.removeItem('editor-language'));
      });
      assert.deepEqual(browserErrors, [], 'no script errors in the editor');
    });
  });
