// Browser end-to-end test of Helm releases in the console: a real `fleetdeck serve` (harness.mjs)
// reading a kubesim loaded with the release Secrets real Helm wrote (tests/fixtures/helm).
//
//   npm run build && (cd .. && cargo build --workspace --bins) && npm run e2e
//
// KUBESIM_BIN   the simulator (default: `kubesim` next to FLEETDECK_BIN)
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signIn, startConsole, startSimulatedCluster, users, withPage } from './harness.mjs';

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'tests', 'fixtures', 'helm', 'releases.yaml');
const cluster = 'sim';
const releasesPath = `/clusters/${cluster}/helm`;

startConsole();

before(async () => {
  await startSimulatedCluster(cluster, ['--fixtures', fixtures]);
});

test('releases from the sidebar, a release, its history and a diff of two revisions', { timeout: 90_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto(`/clusters/${cluster}/resources`);
    await page.waitForURL('**/login');
    await signIn(page, users.admin.token);
    await page.getByRole('list', { name: 'Helm' }).getByRole('link', { name: 'Releases' }).click();
    await page.waitForURL(`**${releasesPath}`);
    const table = page.getByTestId('helm-releases');
    await table.waitFor();
    const names = await table.locator('tbody tr td:first-child').allTextContents();
    assert.deepEqual(names, ['edge', 'greeter']);

    await table.getByRole('link', { name: 'greeter' }).click();
    await page.waitForURL(`**${releasesPath}/shop/greeter`);
    const summary = page.getByTestId('summary');
    await summary.getByText('Upgrade complete').waitFor();
    assert.match(await summary.textContent(), /greeter-0\.1\.0/);
    await page.getByTestId('release-resources').getByText('greeter-sa').waitFor();

    await page.getByRole('tab', { name: 'History' }).click();
    await page.getByTestId('release-history').getByRole('link', { name: 'diff with 1' }).click();
    await page.waitForURL(/tab=diff/);
    await page.getByTestId('diff-summary').getByText('Revision 1 → 2').waitFor();
    await page.getByTestId('values-diff').getByText('replicaCount', { exact: true }).waitFor();
    const deployment = page.getByTestId('object-change').filter({ hasText: 'Deployment/greeter' });
    await deployment.locator('.diff-added', { hasText: 'replicas: 3' }).waitFor();
    await deployment.locator('.diff-removed', { hasText: 'replicas: 1' }).waitFor();
    await page.getByTestId('object-change').filter({ hasText: 'Service/greeter' }).getByText('removed').waitFor();
  }),
);

test('a viewer sees the history but not the values', { timeout: 60_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto(`${releasesPath}/shop/greeter`);
    await page.waitForURL('**/login');
    await signIn(page, users.viewer.token);
    await page.getByTestId('forbidden').waitFor();
    await page.getByRole('tab', { name: 'History' }).click();
    await page.getByTestId('release-history').getByText('superseded').waitFor();
  }),
);
