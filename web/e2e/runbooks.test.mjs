// Browser end-to-end test of runbooks and fixes: an operator writes a runbook for crash loops,
// finds it suggested on a crash-looping pod's finding (the shop fixture's shop/db-1), records the
// fix that followed it, and the runbook then shows how its fixes went; a viewer only reads.
//
//   npm run build && (cd .. && cargo build --workspace --bins) && node --test e2e/runbooks.test.mjs
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signIn, startConsole, startSimulatedCluster, users, withPage } from './harness.mjs';

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'tests', 'kubesim', 'tests', 'fixtures', 'shop.yaml');
/** The monitor analyzes the cluster a few seconds after registration; the pages ask again every 10 s. */
const FINDING_APPEARS_MS = 45_000;
const TITLE = 'Postgres crash loops';
const BODY = [
  'Check the data directory first.',
  '',
  '- [ ] Read the previous instance log',
  '- [ ] Restart the pod',
  '',
  '<script>window.pwned = true</script>',
  '[docs](javascript:alert(1))',
].join('\n');

startConsole();

before(async () => {
  await startSimulatedCluster('shop', ['--fixtures', fixtures]);
});

test('an operator writes a runbook, follows it from a finding, records the fix; the runbook shows it worked', { timeout: 120_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto('/');
    await signIn(page, users.operator.token);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Runbooks' }).click();
    await page.waitForURL('**/runbooks');
    await page.getByText('No runbooks match.').waitFor();

    await page.getByRole('button', { name: 'New runbook' }).click();
    const editor = page.getByRole('form', { name: 'New runbook' });
    // The form says what the server would refuse before sending it.
    await editor.getByLabel('Title').fill(TITLE);
    await editor.getByLabel('Tags').fill('db, Postgres');
    await editor.getByRole('button', { name: 'Save' }).click();
    assert.equal(await editor.getByRole('alert').innerText(), 'Tag "Postgres" is not 1 to 63 lowercase letters, digits and -.');
    await editor.getByLabel('Tags').fill('db, postgres');
    await editor.getByLabel('Pod crash loop').check();
    await editor.getByLabel('Body').fill(BODY);
    await editor.getByRole('button', { name: 'Preview' }).click();
    assert.equal(await page.getByTestId('runbook-preview').getByRole('checkbox').count(), 2);
    await editor.getByRole('button', { name: 'Save' }).click();

    await page.waitForURL((url) => !['', 'new'].includes(url.searchParams.get('runbook') ?? ''));
    const panel = page.getByTestId('runbook-panel');
    await panel.getByRole('heading', { name: TITLE }).waitFor();
    const body = panel.getByTestId('runbook-body');
    // Task lists render as checkboxes; raw HTML is text, never run; a javascript: link goes nowhere.
    assert.equal(await body.getByRole('listitem').count(), 2);
    assert.equal(await body.getByRole('checkbox').count(), 2);
    assert.match(await body.innerText(), /<script>window\.pwned = true<\/script>/);
    assert.equal(await page.evaluate(() => globalThis.pwned), undefined);
    assert.doesNotMatch((await body.getByRole('link', { name: 'docs' }).getAttribute('href')) ?? '', /javascript:/i);
    assert.equal(await panel.getByTestId('runbook-fixes-summary').innerText(), 'not used yet');

    // The crash-looping pod's finding suggests it; the fix recorded there follows it.
    await page.goto('/findings?cluster=shop&name=db-1&class=pod_crash_loop');
    const row = page.getByTestId('finding-row').filter({ hasText: 'Container db is crash-looping' });
    await row.waitFor({ timeout: FINDING_APPEARS_MS });
    await row.getByRole('button', { name: 'Container db is crash-looping' }).click();
    const runbooks = page.getByTestId('finding-runbooks');
    const suggestion = runbooks.getByTestId('suggested-runbook');
    await suggestion.waitFor();
    assert.match(await suggestion.innerText(), /Postgres crash loops \(not used yet\)/);

    const form = runbooks.getByRole('form', { name: 'Record a fix' });
    await form.getByLabel('What was done').fill('restart');
    await form.getByLabel('Following').selectOption({ label: TITLE });
    await form.getByLabel('Note').fill('data dir was full');
    await form.getByRole('button', { name: 'Record fix' }).click();
    await runbooks.getByTestId('finding-fixes').getByText(/token:e2e-operator: restart/).waitFor();
    await suggestion.getByText('(1 of 1 fix worked)').waitFor();

    await suggestion.getByRole('link', { name: TITLE }).click();
    await page.waitForURL((url) => url.pathname === '/runbooks' && url.searchParams.has('runbook'));
    await page.getByTestId('runbook-fixes-summary').getByText('1 of 1 fix worked').waitFor();
    const fix = page.getByTestId('fix-row');
    assert.match(await fix.innerText(), /shop: Pod shop\/db-1\s+restart\s+worked\s+token:e2e-operator$/);

    // Filtered by another class, it is not listed.
    const filters = page.getByRole('form', { name: 'Runbook filters' });
    await filters.getByLabel('Class').selectOption('pod_image_pull');
    await filters.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL((url) => url.searchParams.get('class') === 'pod_image_pull');
    await page.getByText('No runbooks match.').waitFor();
  }),
);

test('a viewer reads runbooks but cannot write one or record a fix', { timeout: 120_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto('/runbooks');
    await signIn(page, users.viewer.token);
    const row = page.getByTestId('runbook-row').filter({ hasText: TITLE });
    await row.waitFor();
    assert.equal(await page.getByRole('button', { name: 'New runbook' }).count(), 0);
    await row.getByRole('button', { name: TITLE }).click();
    await page.getByTestId('runbook-panel').getByTestId('runbook-body').waitFor();
    assert.equal(await page.getByTestId('runbook-panel').getByRole('button', { name: 'Edit' }).count(), 0);

    await page.goto('/findings?cluster=shop&name=db-1&class=pod_crash_loop');
    const finding = page.getByTestId('finding-row').filter({ hasText: 'Container db is crash-looping' });
    await finding.waitFor({ timeout: FINDING_APPEARS_MS });
    await finding.getByRole('button', { name: 'Container db is crash-looping' }).click();
    await page.getByTestId('finding-runbooks').getByTestId('suggested-runbook').waitFor();
    assert.equal(await page.getByRole('form', { name: 'Record a fix' }).count(), 0);
  }),
);
