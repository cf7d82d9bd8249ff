// SPDX-License-Identifier: Apache-2.0
// drive.js - drives Debian's chromium (headless, through playwright-core) on cockpit's Podman
// page served by berth. Prints "ok STEP" or "fail STEP: why" per step and keeps a screenshot
// of each step in $ARTIFACTS. Run by session.sh; reads COCKPIT_URL, ARTIFACTS, BERTH_CTR,
// BERTH_PULL (a reference in a local registry).
'use strict';
const { chromium } = require('playwright-core');

const A = process.env.ARTIFACTS;
const CTR = process.env.BERTH_CTR;
const PULL = process.env.BERTH_PULL;
const T = 30000; // per wait: the page polls and reloads its lists on events (CI is a loaded 2-core machine)
let failed = 0;

// One overall bound: a hung browser must not hang the test run.
setTimeout(() => { console.log('fail timeout: the session took over 280 s'); process.exit(2); }, 280000);

async function step(page, name, fn) {
  try {
    await fn();
    console.log('ok ' + name);
  } catch (e) {
    failed++;
    console.log('fail ' + name + ': ' + String(e.message || e).split('\n')[0]);
  }
  await page.screenshot({ path: `${A}/${name}.png` }).catch(() => {});
}

async function rowAction(page, row, action) {
  await row.locator('.pf-c-dropdown__toggle, button[aria-label="Kebab toggle"]').last().click();
  await page.getByRole('menuitem', { name: action, exact: true }).click();
}

(async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('console', m => { if (m.type() === 'error' && !/Content Security Policy/.test(m.text())) console.log('console: ' + m.text().split('\n')[0]); });
  page.on('pageerror', e => console.log('pageerror: ' + e.message));
  page.setDefaultTimeout(T);
  // xterm.js paints on a canvas by default, which leaves no text to read back: serve the
  // page with xterm's DOM renderer (the same terminal, drawn as text) so logs and console
  // output can be checked.
  await page.route('**/podman/index.js', async route => {
    const res = await route.fetch();
    const body = (await res.text()).replace('rendererType:"canvas"', 'rendererType:"dom"');
    await route.fulfill({ response: res, body });
  });
  await page.goto(process.env.COCKPIT_URL + '/cockpit/@localhost/podman/index.html');

  const row = page.locator('#containers-containers tbody').filter({ hasText: CTR }).first();
  const state = () => row.locator('td[data-label="State"]');

  await step(page, 'containers', async () => {
    await row.waitFor();
    await state().filter({ hasText: 'Running' }).waitFor();
  });
  // the CPU and Memory columns come from the containers/stats stream ("n/a" without it)
  await step(page, 'stats', async () => {
    await row.locator('td[data-label="CPU"]').filter({ hasText: /^\d+\.\d\d%$/ }).waitFor();
    await row.locator('td[data-label="Memory"]').filter({ hasText: /\d.* \/ .*\d/ }).waitFor();
  });
  await step(page, 'images', async () => {
    await page.getByRole('button', { name: 'Show images' }).click();
    await page.locator('#containers-images').getByText('localhost/busybox').first().waitFor();
  });
  await step(page, 'stop', async () => {
    await rowAction(page, row, 'Stop');
    await state().filter({ hasText: 'Exited' }).waitFor();
  });
  await step(page, 'start', async () => {
    await rowAction(page, row, 'Start');
    await state().filter({ hasText: 'Running' }).waitFor();
  });
  await step(page, 'logs', async () => {
    await row.locator('td.pf-c-table__toggle button').first().click();
    await page.getByRole('tab', { name: 'Logs' }).click();
    await page.locator('.xterm-rows').getByText('tick').first().waitFor();
  });
  await step(page, 'console', async () => {
    await page.getByRole('tab', { name: 'Console' }).click();
    const term = page.locator('.xterm-rows').last();
    await term.waitFor();
    // what is typed before the exec session is connected is lost: type again until hi comes
    const hi = term.getByText(/^hi\s*$/).first();
    for (const end = Date.now() + T; ;) {
      await page.locator('.xterm-helper-textarea').last().focus();
      await page.keyboard.type('echo hi\n');
      try { await hi.waitFor({ timeout: 3000 }); break; }
      catch (e) {
        if (Date.now() < end) continue;
        console.log('html: ' + (await page.locator('.pf-c-tab-content:visible').first().innerHTML()).slice(0, 3000));
        throw e;
      }
    }
  });
  if (PULL) {
    await step(page, 'pull', async () => {
      await page.locator('#image-actions-dropdown').click();
      await page.getByRole('menuitem', { name: 'Download new image' }).click();
      // the dialog searches on key presses: type, as a person does
      await page.locator('#search-image-dialog-name').pressSequentially(PULL, { delay: 20 });
      await page.locator('#image-list-item-0').click();
      await page.getByRole('button', { name: 'Download', exact: true }).click();
      await page.locator('#containers-images').getByText(PULL + ':latest').first().waitFor();
    });
  }
  await browser.close();
  process.exit(failed ? 1 : 0);
})().catch(e => { console.log('fail browser: ' + e.message); process.exit(1); });
