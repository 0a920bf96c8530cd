// Browser end-to-end test of the remediation queue and the two-person rule: an operator proposes
// a restart for the shop fixture's crash-looping pod shop/db-1 from its finding, cannot approve
// it themselves, another person (the admin) approves, the operator executes it through the
// write gate, and the change and its GitOps patch are shown; a viewer only reads.
//
//   npm run build && (cd .. && cargo build --workspace --bins) && node --test e2e/remediation.test.mjs
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubeApi, signIn, startConsole, startSimulatedCluster, users, withPage } from './harness.mjs';

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'tests', 'kubesim', 'tests', 'fixtures', 'shop.yaml');
/** The monitor analyzes the cluster a few seconds after registration; the pages ask again every 10 s. */
const FINDING_APPEARS_MS = 45_000;
const FINDING = 'Container db is crash-looping';
let remediationUrl;

startConsole({ env: { FLEETDECK_WRITE_ACTIONS_ENABLED: 'true' } });

before(async () => {
  const kube = await startSimulatedCluster('shop', ['--fixtures', fixtures]);
  // The fixture's db-1 is a bare pod; a restart acts on its controller, so give it one.
  const db = await kubeApi(kube, 'POST', '/apis/apps/v1/namespaces/shop/statefulsets', {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', namespace: 'shop' },
    spec: { serviceName: 'db', replicas: 1, selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'postgres:17' }] } } },
  });
  await kubeApi(kube, 'PATCH', '/api/v1/namespaces/shop/pods/db-1', {
    metadata: { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: db.metadata.uid, controller: true }] },
  });
});

/** The remediation panel's state badge reads `state`. */
const stateIs = (page, state) => page.getByTestId('remediation-state').getByText(state, { exact: true }).waitFor();

test('a restart is proposed from a finding, approved by a second person, executed; its diff and patch are shown', { timeout: 150_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto('/findings?cluster=shop&name=db-1&class=pod_crash_loop');
    await signIn(page, users.operator.token);
    const row = page.getByTestId('finding-row').filter({ hasText: FINDING });
    await row.waitFor({ timeout: FINDING_APPEARS_MS });
    await row.getByRole('button', { name: FINDING }).click();
    await page.getByTestId('finding-evidence').getByRole('button', { name: 'Propose remediation' }).click();
    await page.waitForURL((url) => url.pathname === '/remediation' && url.searchParams.has('remediation'));

    // The queue's default view is what waits for a decision: the restart is there.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Remediation' }).click();
    const restart = page.getByTestId('remediation-row').filter({ has: page.getByRole('button', { name: 'Restart' }) });
    await restart.waitFor();
    assert.equal(await restart.locator('[data-col="state"]').innerText(), 'proposed');
    await restart.getByRole('button', { name: 'Restart' }).click();
    await page.waitForURL((url) => url.searchParams.has('remediation'));
    remediationUrl = page.url();
    const panel = page.getByTestId('remediation-panel');
    await stateIs(page, 'proposed');
    // The exact change: the rollout-restart annotation added to the pod template.
    assert.match(await panel.locator('.diff, pre, table').first().innerText(), /kubectl\.kubernetes\.io\/restartedAt/);

    // The proposer cannot approve their own proposal.
    await panel.getByRole('button', { name: 'Approve' }).click();
    await panel.getByText(/approver_is_proposer|another operator|must not be the one who proposed/i).first().waitFor();
    await stateIs(page, 'proposed');
  }),
);

test('another person approves; the proposer executes it; the queue shows the outcome and the GitOps patch', { timeout: 120_000 }, (t) =>
  withPage(t, async (page) => {
    assert.ok(remediationUrl, 'the first test proposed a restart');
    await page.goto(remediationUrl);
    await signIn(page, users.admin.token);
    const panel = page.getByTestId('remediation-panel');
    await panel.getByLabel('Note').fill('looks right');
    await panel.getByRole('button', { name: 'Approve' }).click();
    await stateIs(page, 'approved');
    assert.match(await panel.getByTestId('remediation-decision').innerText(), /by token:e2e-admin — looks right/);

    await panel.getByRole('button', { name: 'Show as a patch' }).click();
    const artifact = panel.getByTestId('gitops-artifact');
    await artifact.waitFor();
    assert.match(await artifact.locator('pre').first().innerText(), /kind: StatefulSet[\s\S]*restartedAt/);
  }),
);

test('the operator executes the approved restart; a viewer reads it and cannot act', { timeout: 120_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto(remediationUrl);
    await signIn(page, users.operator.token);
    const panel = page.getByTestId('remediation-panel');
    await stateIs(page, 'approved');
    page.once('dialog', (dialog) => void dialog.accept());
    await panel.getByRole('button', { name: 'Execute' }).click();
    await stateIs(page, 'executed');
    assert.match(await panel.getByTestId('remediation-result').innerText(), /restartedAt/);
    assert.equal(await panel.getByRole('button', { name: 'Execute' }).count(), 0);
  }),
);

test('a viewer sees the queue but no decision buttons', { timeout: 60_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto(remediationUrl);
    await signIn(page, users.viewer.token);
    await stateIs(page, 'executed');
    for (const name of ['Approve', 'Reject', 'Execute']) assert.equal(await page.getByRole('button', { name }).count(), 0, name);
  }),
);
