// Browser sign-in through an OpenID Provider (tests/oidc/op.mjs: the `oidc-provider` package):
// the login page's provider button, the provider's own login form, back signed in; the sign-in
// history; logout through the provider's end-session page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { dataDir, startConsole, startProcess, waitUntil, withPage } from './harness.mjs';

const opScript = resolve(import.meta.dirname, '../../tests/oidc/op.mjs');

startConsole({
  env: async (port) => {
    const fleetdeck = `http://127.0.0.1:${port}`;
    const config = {
      clients: [
        {
          client_id: 'fleetdeck',
          client_secret: 'e2e-client-secret',
          redirect_uris: [`${fleetdeck}/api/auth/callback`],
          post_logout_redirect_uris: [`${fleetdeck}/`],
          grant_types: ['authorization_code', 'refresh_token'],
        },
      ],
      users: { alice: { groups: ['sre'], name: 'Alice A.' } },
    };
    const op = startProcess('op', process.execPath, [opScript, JSON.stringify(config)]);
    await waitUntil(op, 'the test OpenID Provider', async () => op.log.includes('"issuer"'), 20_000);
    const { issuer } = JSON.parse(op.log.split('\n').find((l) => l.includes('"issuer"')));
    const file = join(dataDir, 'oidc.yaml');
    writeFileSync(
      file,
      `providers:
  - {id: test, name: Test OP, issuer: '${issuer}', clientId: fleetdeck, clientSecretEnv: E2E_OIDC_SECRET,
     scopes: [openid, email, profile, groups, offline_access], roles: {sre: operator}}
`,
    );
    return { FLEETDECK_PUBLIC_URL: fleetdeck, FLEETDECK_OIDC_CONFIG: file, E2E_OIDC_SECRET: 'e2e-client-secret' };
  },
});

test('sign in through the OpenID Provider, see the history, sign out there', { timeout: 90_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto('/login');
    const button = page.getByRole('link', { name: 'Sign in with Test OP' });
    await button.waitFor({ timeout: 30_000 });
    await button.click();

    await page.getByLabel('Username').fill('alice');
    await page.getByRole('button', { name: 'Sign in' }).click();

    const menu = page.getByTestId('user-menu');
    await menu.waitFor();
    assert.match(await menu.innerText(), /Alice A\./);
    assert.match(await menu.innerText(), /operator/);

    await menu.getByRole('button').first().click();
    await page.getByRole('menuitem', { name: 'Sign-in history' }).click();
    await page.waitForURL('**/logins/alice');
    const row = page.getByRole('table', { name: 'Sign-ins' }).getByRole('row').nth(1);
    assert.match(await row.innerText(), /oidc \(test\)/);
    assert.match(await row.innerText(), /success/);

    await menu.getByRole('button').first().click();
    await page.getByRole('menuitem', { name: 'Log out' }).click();
    await page.waitForURL((url) => url.pathname === '/session/end');
  }),
);
