// Browser end-to-end test of the risk guard in the console under FLEETDECK_RISK_GUARD=block: the
// "Apply YAML" dialog lists the findings of the text as it is typed, keeps Apply off while there
// are blocking ones, and applies once they are fixed. A real `fleetdeck serve` (harness.mjs) and a
// kubesim loaded with the operations fixture.
//
//   npm run build && (cd .. && cargo build --workspace --bins) && node --test e2e/riskguard.test.mjs
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baseURL, kubeApi as kubeRequest, signIn, startConsole, startSimulatedCluster, users, withPage } from './harness.mjs';

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'tests', 'fixtures', 'operations.yaml');
const cluster = 'guarded';

let kube;

startConsole({ env: { FLEETDECK_WRITE_ACTIONS_ENABLED: 'true', FLEETDECK_RISK_GUARD: 'block' } });

before(async () => {
  kube = await startSimulatedCluster(cluster, ['--fixtures', fixtures]);
});

const pod = (securityContext) => `apiVersion: v1
kind: Pod
metadata:
  name: guarded-debug
  namespace: orders
spec:
  containers:
    - name: sh
      image: busybox:1.36
      securityContext: ${securityContext}
`;

test('Apply YAML shows the findings and stays off while one blocks', { timeout: 90_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto(`/clusters/${cluster}`);
    await signIn(page, users.admin.token);
    await page.getByRole('button', { name: 'Apply YAML' }).click();
    const dialog = page.getByRole('dialog', { name: `Apply YAML to ${cluster}` });
    const editor = dialog.getByRole('textbox', { name: 'Manifests' });
    await editor.click();
    await page.keyboard.insertText(pod('{privileged: true}'));

    const findings = dialog.getByTestId('risk-guard-findings');
    await findings.locator('tr[data-check="privileged_container"][data-blocking="true"]').waitFor();
    assert.match(await findings.innerText(), /critical[\s\S]*blocking[\s\S]*privileged_container[\s\S]*Pod orders\/guarded-debug \(container sh\)/);
    const apply = dialog.getByRole('button', { name: 'Apply', exact: true });
    await apply.and(page.locator('[data-blocked]')).waitFor();
    assert.equal(await apply.isDisabled(), true);
    assert.match(await dialog.getByTestId('apply-blocked').innerText(), /1 blocking finding/);

    // Fixed: what is left warns, and Apply applies.
    await editor.click();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.insertText(pod('{runAsNonRoot: true, runAsUser: 1000, allowPrivilegeEscalation: false}'));
    await dialog.locator('[data-testid="risk-guard"][data-blocking="0"]').waitFor();
    await apply.and(page.locator(':enabled')).waitFor();
    assert.ok(await findings.locator('tr[data-check="missing_resource_requests"]').count());
    await apply.click();
    await dialog.getByTestId('apply-result').waitFor();
    assert.equal((await kubeRequest(kube, 'GET', '/api/v1/namespaces/orders/pods/guarded-debug')).metadata.name, 'guarded-debug');
  }),
);

test("an object's YAML tab analyses the edit and keeps Apply off while it blocks", { timeout: 90_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto(`/clusters/${cluster}/resources/apps/v1/deployments/orders/api?tab=yaml`);
    await signIn(page, users.admin.token);
    const panel = page.getByRole('region', { name: 'YAML' });
    const editor = panel.getByRole('textbox', { name: 'YAML' });
    await editor.waitFor();
    const apply = panel.getByRole('button', { name: 'Apply', exact: true });
    // The live object is not analysed: nothing is edited yet.
    assert.equal(await panel.getByTestId('risk-guard').count(), 0);

    const live = await (await fetch(`${baseURL}/api/clusters/${cluster}/resources/apps/v1/deployments/orders/api/yaml`, { headers: { Authorization: `Bearer ${users.admin.token}` } })).text();
    // The first `spec:` at four spaces is the pod template's.
    const edited = live.replace(/^( {4}spec:\n)/m, '$1      hostPID: true\n');
    assert.notEqual(edited, live);
    await editor.click();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.insertText(edited);
    await panel.getByTestId('risk-guard-findings').locator('tr[data-check="host_namespace"][data-blocking="true"]').waitFor();
    await apply.and(page.locator('[data-blocked]')).waitFor();
    assert.equal(await apply.isDisabled(), true);
    assert.equal((await kubeRequest(kube, 'GET', '/apis/apps/v1/namespaces/orders/deployments/api')).spec.template.spec.hostPID, undefined);
  }),
);
