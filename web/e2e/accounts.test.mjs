// Browser end-to-end test of local accounts (harness.mjs): an admin sets a user's mail address and
// issues a password reset link on the users page, the user opens it, sets a new password, signs in with it; the link then fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseURL, signIn, startConsole, users, withPage } from './harness.mjs';

startConsole();

test('a password reset link sets a new password once', { timeout: 60_000 }, (t) =>
  withPage(t, async (page) => {
    const created = await fetch(`${baseURL}/api/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${users.admin.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'rita', role: 'viewer', password: 'rita first long password' }),
    });
    assert.equal(created.status, 201);

    await page.goto('/users');
    await page.waitForURL('**/login');
    await signIn(page, users.admin.token);
    await page.waitForURL('**/users');
    const row = page.getByTestId('user-row').filter({ hasText: 'rita' });
    // The admin gives rita a mail address on her row.
    await row.getByRole('button', { name: 'Edit' }).click();
    await row.getByLabel('Email').fill('Rita@Example.com');
    await row.getByRole('button', { name: 'Save' }).click();
    await row.getByText('rita@example.com').waitFor();
    await row.getByRole('button', { name: 'Reset password' }).click();
    const linkField = page.getByLabel('Reset link');
    await linkField.waitFor();
    const link = await linkField.inputValue();
    assert.match(link, new RegExp(`^${baseURL}/reset-password#token=[A-Za-z0-9_-]{43}$`));

    await page.context().clearCookies();
    await page.goto(link);
    await page.getByLabel('New password', { exact: true }).fill('rita brand new password');
    await page.getByLabel('Repeat it', { exact: true }).fill('rita brand new password');
    assert.ok(!page.url().includes('token='), 'the token leaves the address bar');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByRole('status').filter({ hasText: 'Your password is set' }).waitFor();

    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.waitForURL('**/login');
    await page.getByRole('tab', { name: 'Username & password' }).click();
    await page.getByLabel('Username', { exact: true }).fill('rita');
    await page.getByLabel('Password', { exact: true }).fill('rita brand new password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const menu = page.getByTestId('user-menu');
    await menu.waitFor();
    assert.match(await menu.innerText(), /rita/);

    // The link works once.
    await page.goto(link);
    await page.getByLabel('New password', { exact: true }).fill('rita third long password');
    await page.getByLabel('Repeat it', { exact: true }).fill('rita third long password');
    await page.getByRole('button', { name: 'Set password' }).click();
    const error = page.getByTestId('error-panel');
    await error.waitFor();
    assert.equal(await error.getAttribute('data-code'), 'reset_link_used');
  }),
);
