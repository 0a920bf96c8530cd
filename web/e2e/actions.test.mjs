// Browser end-to-end tests of the actions on a cluster's objects: a real `fleetdeck serve` with
// write actions on (harness.mjs), reading and changing a real kubesim loaded with the operations
// fixture (tests/fixtures/operations.yaml), registered as a shared cluster through the API.
//
//   npm run build && (cd .. && cargo build --workspace --bins) && npm run e2e
//
// KUBESIM_BIN   the simulator (default: `kubesim` next to FLEETDECK_BIN)
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baseURL, kubeApi as kubeRequest, signIn, startConsole, startSimulatedCluster, users, withPage } from './harness.mjs';

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'tests', 'fixtures', 'operations.yaml');
const cluster = 'ops';
const deploymentsPath = `/clusters/${cluster}/resources/apps/v1/deployments`;
const apiPage = `${deploymentsPath}/orders/api`;
const deploymentApi = '/apis/apps/v1/namespaces/orders/deployments/api';
/** Well under the console's 10 s polling: a change seen this fast came on the watch stream. */
const LIVE_WITHIN_MS = 5_000;

/** kubesim's apiserver as its kubeconfig says: URL, CA and admin token. */
let kube;

startConsole({ env: { FLEETDECK_WRITE_ACTIONS_ENABLED: 'true' } });

before(async () => {
  kube = await startSimulatedCluster(cluster, ['--fixtures', fixtures]);
});

/** A request to kubesim as its admin. */
const kubeApi = (method, path, body) => kubeRequest(kube, method, path, body);

/** Replaces the editor's whole text, as typing would. */
async function replaceEditorText(page, editor, text) {
  await editor.click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.insertText(text);
}

test('scale a deployment from its row menu; the table follows, live', { timeout: 90_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto(`${deploymentsPath}?namespace=orders`);
    await signIn(page, users.admin.token);
    const grid = page.getByRole('grid', { name: 'Deployments' });
    const row = grid.getByTestId('resource-row').filter({ has: page.getByRole('link', { name: 'api', exact: true }) });
    await row.locator('[data-col="ready"]').filter({ hasText: /\/2$/ }).waitFor();

    await row.getByRole('button', { name: 'Actions for api' }).click();
    const menu = page.getByRole('dialog', { name: `Actions: Deployment orders/api on cluster ${cluster}` });
    // Greyed only while the permissions are asked; an admin may scale.
    const scale = menu.getByRole('button', { name: 'Scale', exact: true });
    await scale.and(page.locator(':enabled')).waitFor();
    const dialog = page.getByRole('dialog', { name: 'Scale' });
    // Escape closes the scale dialog only, not the menu under it.
    await scale.click();
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.ok(await menu.isVisible(), 'Escape in the scale dialog closed the row menu too');
    await scale.click();

    assert.equal(await dialog.getByTestId('action-target').innerText(), `Deployment orders/api on cluster ${cluster}`);
    assert.equal(await dialog.getByLabel('Replicas').inputValue(), '2');
    await dialog.getByLabel('Replicas').fill('5');
    const asked = Date.now();
    await dialog.getByRole('button', { name: 'Scale', exact: true }).click();
    await menu.getByTestId('action-note').filter({ hasText: 'Scaled to 5 replicas.' }).waitFor();
    await menu.getByRole('button', { name: 'Close' }).click();

    await row.locator('[data-col="ready"]').filter({ hasText: /\/5$/ }).waitFor({ timeout: LIVE_WITHIN_MS });
    assert.ok(Date.now() - asked < LIVE_WITHIN_MS + 2_000);
    assert.equal((await kubeApi('GET', deploymentApi)).spec.replicas, 5);
  }),
);

test('edit the YAML: a dry run shows the diff and changes nothing, apply changes it, a conflict is forced', { timeout: 90_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto(`${apiPage}?tab=yaml`);
    await signIn(page, users.admin.token);
    const panel = page.getByRole('region', { name: 'YAML' });
    const editor = panel.getByRole('textbox', { name: 'YAML' });
    await editor.waitFor();

    const live = await (await fetch(`${baseURL}/api/clusters/${cluster}/resources/apps/v1/deployments/orders/api/yaml`, { headers: { Authorization: `Bearer ${users.admin.token}` } })).text();
    // A new label on the Deployment itself (the first `labels:` at two spaces is metadata's).
    const edited = live.replace(/^( {2}labels:\n)/m, '$1    tier: backend\n');
    assert.notEqual(edited, live);
    await replaceEditorText(page, editor, edited);

    await panel.getByRole('button', { name: 'Dry run' }).click();
    const diff = panel.getByTestId('dry-run-diff');
    await diff.waitFor();
    const diffText = await diff.innerText();
    assert.match(diffText, /^\+ {4}tier: backend$/m);
    assert.equal((await kubeApi('GET', deploymentApi)).metadata.labels.tier, undefined, 'a dry run changed the object');

    await panel.getByRole('button', { name: 'Apply' }).click();
    await panel.getByTestId('apply-note').filter({ hasText: 'Applied.' }).waitFor();
    assert.equal((await kubeApi('GET', deploymentApi)).metadata.labels.tier, 'backend');
    // The editor shows the live object again, the change in it.
    await editor.filter({ hasText: 'tier: backend' }).waitFor();

    // Another manager takes the label over; applying ours again conflicts with it.
    await kubeApi('PATCH', `${deploymentApi}?fieldManager=kubectl`, { metadata: { labels: { tier: 'frontend' } } });
    await page.reload();
    await editor.filter({ hasText: 'tier: frontend' }).waitFor();
    const current = await (await fetch(`${baseURL}/api/clusters/${cluster}/resources/apps/v1/deployments/orders/api/yaml`, { headers: { Authorization: `Bearer ${users.admin.token}` } })).text();
    await replaceEditorText(page, editor, current.replace('tier: frontend', 'tier: backend'));
    await panel.getByRole('button', { name: 'Apply' }).click();
    const conflicts = panel.getByTestId('conflicts');
    await conflicts.waitFor();
    assert.match(await conflicts.innerText(), /\.metadata\.labels\.tier[\s\S]*kubectl/);
    await conflicts.getByRole('button', { name: 'Force' }).click();
    await panel.getByTestId('apply-note').filter({ hasText: 'taking over' }).waitFor();
    assert.equal((await kubeApi('GET', deploymentApi)).metadata.labels.tier, 'backend');
  }),
);

test('a viewer sees the actions greyed with the reason, and may not apply YAML', { timeout: 90_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto(apiPage);
    await signIn(page, users.viewer.token);
    const actions = page.getByRole('group', { name: 'Actions' });
    for (const name of ['Scale', 'Restart', 'Roll back', 'Delete']) {
      const button = actions.getByRole('button', { name, exact: true });
      await button.and(page.locator('[data-denied]')).waitFor();
      assert.equal(await button.isDisabled(), true, `${name} is not greyed`);
      assert.match(await button.getAttribute('title'), /operator role; you have viewer/);
    }

    await page.getByRole('tab', { name: 'YAML' }).click();
    const apply = page.getByRole('region', { name: 'YAML' }).getByRole('button', { name: 'Apply' });
    await apply.and(page.locator('[data-denied]')).waitFor();
    assert.equal(await apply.isDisabled(), true);
  }),
);

test('roll back a deployment to a chosen revision; trigger a CronJob', { timeout: 90_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto(apiPage);
    await signIn(page, users.admin.token);
    const actions = page.getByRole('group', { name: 'Actions' });
    await actions.getByRole('button', { name: 'Roll back' }).and(page.locator(':enabled')).waitFor();
    await actions.getByRole('button', { name: 'Roll back' }).click();
    const dialog = page.getByRole('dialog', { name: 'Roll back' });
    const revisions = dialog.getByTestId('revisions');
    await revisions.waitFor();
    // The current revision cannot be chosen; the one before it is, first.
    assert.equal(await revisions.getByRole('radio').nth(0).isDisabled(), true);
    assert.equal(await revisions.getByRole('radio').nth(1).isChecked(), true);
    assert.match(await revisions.innerText(), /api:1 · first release/);
    await dialog.getByRole('button', { name: 'Roll back' }).click();
    await actions.getByTestId('action-note').filter({ hasText: 'Rolled back to revision 1.' }).waitFor();
    assert.equal((await kubeApi('GET', deploymentApi)).spec.template.spec.containers[0].image, 'api:1');

    await page.goto(`/clusters/${cluster}/resources/batch/v1/cronjobs/orders/report`);
    await actions.getByRole('button', { name: 'Trigger' }).and(page.locator(':enabled')).waitFor();
    await actions.getByRole('button', { name: 'Trigger' }).click();
    await page.getByRole('dialog', { name: 'Trigger' }).getByRole('button', { name: 'Trigger' }).click();
    const note = actions.getByTestId('action-note').filter({ hasText: /^Started Job orders\/report-manual-/ });
    await note.waitFor();
    const job = (await note.innerText()).match(/orders\/(\S+)\.$/)[1];
    assert.equal((await kubeApi('GET', `/apis/batch/v1/namespaces/orders/jobs/${job}`)).metadata.annotations['cronjob.kubernetes.io/instantiate'], 'manual');
  }),
);

test("reveal a Secret's value", { timeout: 60_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto(`/clusters/${cluster}/resources/core/v1/secrets/orders/db-creds`);
    await signIn(page, users.admin.token);
    const data = page.getByTestId('secret-data');
    const password = data.locator('[data-key="password"]');
    await password.getByText('hidden').waitFor();
    assert.doesNotMatch(await data.innerText(), /hunter2/);
    await password.getByRole('button', { name: 'Reveal password' }).click();
    assert.equal(await password.getByTestId('secret-value').innerText(), 'hunter2');
  }),
);

test('drain a node: the preview, the flags it needs, then each pod and the summary', { timeout: 90_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto(`/clusters/${cluster}/resources/core/v1/nodes/node-9`);
    await signIn(page, users.admin.token);
    const drainButton = page.getByRole('group', { name: 'Actions' }).getByRole('button', { name: 'Drain' });
    await drainButton.and(page.locator(':enabled')).waitFor();
    await drainButton.click();

    const dialog = page.getByRole('dialog', { name: 'Drain' });
    await dialog.getByTestId('drain-counts').waitFor();
    assert.match(await dialog.getByTestId('drain-counts').innerText(), /^3 to evict, 2 skipped, 2 blocked by a disruption budget/);
    assert.match(await dialog.locator('[data-pod="orders/api-7c9b4-a"]').innerText(), /blocked by api-budget/);
    assert.match(await dialog.locator('[data-pod="orders/agent-x1"]').innerText(), /skipped: daemonset/);

    const start = dialog.getByRole('button', { name: 'Drain' });
    assert.equal(await start.isDisabled(), true, 'a drain that would be refused can be started');
    await dialog.getByLabel(/Delete emptyDir data/).check();
    await dialog.getByLabel('Timeout (s)').fill('2');
    await start.click();

    const summary = dialog.getByTestId('drain-summary');
    await summary.waitFor({ timeout: 30_000 });
    assert.equal(await summary.innerText(), 'Drain of node-9 ended: 1 evicted, 2 failed (timed out).');
    const states = await dialog.getByTestId('drain-progress').locator('tr[data-pod]').evaluateAll((rows) => rows.map((r) => `${r.dataset.pod} ${r.dataset.state}`));
    assert.deepEqual(states.sort(), ['orders/api-7c9b4-a failed', 'orders/api-7c9b4-b failed', 'orders/cache-0 evicted']);
    assert.equal((await kubeApi('GET', '/api/v1/nodes/node-9')).spec.unschedulable, true);
  }),
);

test('restart a pod no controller owns: the 409, then "Delete anyway"', { timeout: 60_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto(`/clusters/${cluster}/resources/core/v1/pods/orders/etcd-node-9`);
    await signIn(page, users.admin.token);
    const actions = page.getByRole('group', { name: 'Actions' });
    await actions.getByRole('button', { name: 'Restart' }).and(page.locator(':enabled')).waitFor();
    await actions.getByRole('button', { name: 'Restart' }).click();
    const dialog = page.getByRole('dialog', { name: 'Restart' });
    await dialog.getByRole('button', { name: 'Restart' }).click();
    const unmanaged = dialog.getByTestId('unmanaged-pod');
    await unmanaged.waitFor();
    assert.equal(await dialog.getByRole('button', { name: 'Restart' }).isDisabled(), true);
    await unmanaged.getByRole('button', { name: 'Delete anyway' }).click();
    await actions.getByTestId('action-note').filter({ hasText: 'Deleted the pod.' }).waitFor();
    await assert.rejects(kubeApi('GET', '/api/v1/namespaces/orders/pods/etcd-node-9'), /HTTP 404/);
  }),
);

test('delete a ConfigMap from its row menu, choosing the propagation policy; its row goes, live', { timeout: 60_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto(`/clusters/${cluster}/resources/core/v1/configmaps?namespace=orders`);
    await signIn(page, users.admin.token);
    const grid = page.getByRole('grid', { name: 'ConfigMaps' });
    const row = grid.getByTestId('resource-row').filter({ has: page.getByRole('link', { name: 'settings', exact: true }) });
    await row.getByRole('button', { name: 'Actions for settings' }).click();
    const menu = page.getByRole('dialog', { name: `Actions: ConfigMap orders/settings on cluster ${cluster}` });
    await menu.getByRole('button', { name: 'Delete' }).and(page.locator(':enabled')).waitFor();
    await menu.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete' });
    await dialog.getByLabel('Dependents').selectOption('Orphan');
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await menu.getByTestId('action-note').filter({ hasText: 'Deleted.' }).waitFor();
    await menu.getByRole('button', { name: 'Close' }).click();
    await row.waitFor({ state: 'detached', timeout: LIVE_WITHIN_MS });
    await assert.rejects(kubeApi('GET', '/api/v1/namespaces/orders/configmaps/settings'), /HTTP 404/);
  }),
);
