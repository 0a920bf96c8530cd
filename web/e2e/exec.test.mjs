// Browser end-to-end test of the pod terminal: a real `fleetdeck serve` (harness.mjs) with write
// actions on, and kubesim's scripted shell behind it.
//
//   npm run build && (cd .. && cargo build --workspace --bins) && npm run e2e
//
// KUBESIM_BIN   the simulator (default: `kubesim` next to FLEETDECK_BIN)
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baseURL, dataDir, freePort, serverBin, signIn, startConsole, startProcess, users, waitUntil, withPage } from './harness.mjs';

const kubesimBin = process.env.KUBESIM_BIN || join(dirname(serverBin), 'kubesim');
const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'tests', 'kubesim', 'tests', 'fixtures', 'shop.yaml');
const terminalPage = '/clusters/sim/resources/core/v1/pods/shop/web-1?tab=terminal';

startConsole({ env: { FLEETDECK_WRITE_ACTIONS_ENABLED: 'true' } });

before(async () => {
  const kubeconfigPath = join(dataDir, 'kubeconfig');
  const sim = startProcess('kubesim', kubesimBin, ['--fixtures', fixtures, '--port', String(await freePort()), '--write-kubeconfig', kubeconfigPath]);
  await waitUntil(sim, 'kubesim kubeconfig', () => statSync(kubeconfigPath, { throwIfNoEntry: false })?.size > 0, 30_000);
  const registered = await fetch(`${baseURL}/api/clusters`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${users.admin.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'sim', environment: 'dev', kubeconfig: readFileSync(kubeconfigPath, 'utf8'), authzMode: 'shared' }),
  });
  assert.equal(registered.status, 201, await registered.text());
});

/** The terminal's text, row by row as xterm.js renders it. */
const screen = (page) => page.getByTestId('terminal').locator('.xterm-rows').innerText();

test('open a terminal in a pod, run a command, exit and reconnect', { timeout: 90_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto(terminalPage);
    await signIn(page, users.admin.token);
    const state = page.getByTestId('terminal-state');
    await page.locator('[data-testid="terminal-state"][data-state="open"]').waitFor();
    assert.equal(await state.innerText(), 'Connected to web');
    await page.getByTestId('terminal').locator('.xterm-rows').filter({ hasText: '#' }).waitFor();

    await page.keyboard.type('echo hello from e2e');
    await page.keyboard.press('Enter');
    // The shell echoes the command, then prints its output on a line of its own.
    await page.getByTestId('terminal').locator('.xterm-rows > div').filter({ hasText: /^hello from e2e\s*$/ }).waitFor();
    assert.match(await screen(page), /# echo hello from e2e/);

    await page.keyboard.type('exit 3');
    await page.keyboard.press('Enter');
    await page.getByTestId('terminal-ended').filter({ hasText: 'The process exited with code 3.' }).waitFor();
    await page.getByRole('button', { name: 'Reconnect' }).click();
    await page.locator('[data-testid="terminal-state"][data-state="open"]').waitFor();
    await page.getByTestId('terminal-ended').waitFor({ state: 'detached' });
  }),
);

test('a viewer sees the terminal greyed, with the reason', { timeout: 90_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto(terminalPage);
    await signIn(page, users.viewer.token);
    const denied = page.getByTestId('terminal-denied');
    await denied.waitFor();
    assert.match(await denied.innerText(), /operator/);
    assert.equal(await page.getByTestId('terminal').getAttribute('aria-disabled'), 'true');
    assert.equal(await page.getByRole('button', { name: 'Reconnect' }).isDisabled(), true);
  }),
);
