// Browser end-to-end test of tenancy: an admin makes a tenant, a project in a registered cluster
// under the platform's quota ceilings (what the form leaves out takes the ceiling; a figure above
// it is refused with the server's reason), sees it synced, adds an app from an allowed registry
// and has a kubeconfig for its namespace; a viewer reads.
//
//   npm run build && (cd .. && cargo build --workspace --bins) && node --test e2e/tenancy.test.mjs
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { signIn, startConsole, startSimulatedCluster, users, withPage } from './harness.mjs';

startConsole();

before(async () => {
  await startSimulatedCluster('prod', ['--generate', '1,3,1']);
});

test('an admin makes a tenant, a project within the ceilings and an app', { timeout: 120_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto('/');
    await signIn(page, users.admin.token);
    // The platform's ceilings, set through the API as an admin would script it.
    const put = await page.request.put('/api/platform/policy', {
      headers: { Authorization: `Bearer ${users.admin.token}` },
      data: { imageAllowlist: ['ghcr.io/acme'], quotaMax: { requestsCpu: '4', limitsMemory: '8Gi', pods: 50 } },
    });
    assert.equal(put.status(), 200, await put.text());

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tenants' }).click();
    await page.waitForURL('**/tenants');
    await page.getByText('Apps pull from ghcr.io/acme.').waitFor();
    const tenantForm = page.getByRole('form', { name: 'New tenant' });
    await tenantForm.getByLabel('Name', { exact: true }).fill('Acme');
    await tenantForm.getByRole('button', { name: 'Create tenant' }).click();
    assert.match(await tenantForm.getByRole('alert').innerText(), /lowercase letters/);
    await tenantForm.getByLabel('Name', { exact: true }).fill('acme');
    await tenantForm.getByLabel('Display name').fill('Acme Inc.');
    await tenantForm.getByRole('button', { name: 'Create tenant' }).click();
    const tenant = page.getByTestId('tenant-row').filter({ hasText: 'Acme Inc.' });
    await tenant.getByRole('button', { name: 'acme' }).click();

    const projectForm = page.getByRole('form', { name: 'New project' });
    await projectForm.getByLabel('Name', { exact: true }).fill('web');
    await projectForm.getByLabel('Cluster').selectOption('prod');
    await projectForm.getByLabel('CPU requests').fill('5');
    await projectForm.getByRole('button', { name: 'Create project' }).click();
    // The server's refusal names the field and the ceiling.
    await projectForm.getByText('requestsCpu 5 is above the platform\'s ceiling 4').waitFor();
    await projectForm.getByLabel('CPU requests').fill('2');
    await projectForm.getByRole('button', { name: 'Create project' }).click();
    const project = page.getByTestId('project-row').filter({ hasText: 'acme-web' });
    await project.waitFor();
    assert.match(await project.innerText(), /requests 2 CPU · limits 8Gi · 50 pods/);
    // The simulated cluster takes the namespace: the row turns synced without a reload.
    await project.locator('[data-testid="project-sync"][data-status="synced"]').waitFor({ timeout: 20_000 });
    await project.getByRole('button', { name: 'web' }).click();

    const appForm = page.getByRole('form', { name: 'New app' });
    await appForm.getByLabel('Name', { exact: true }).fill('api');
    await appForm.getByLabel('Image').fill('nginx:1.27');
    await appForm.getByLabel('Port').fill('8080');
    await appForm.getByRole('button', { name: 'Create app' }).click();
    await appForm.getByText('image "nginx:1.27" is from no registry the platform allows').waitFor();
    await appForm.getByLabel('Image').fill('ghcr.io/acme/api:1.4');
    await appForm.getByLabel('Host').fill('api.acme.example');
    await appForm.getByRole('button', { name: 'Create app' }).click();
    const app = page.getByTestId('app-row').filter({ hasText: 'ghcr.io/acme/api:1.4' });
    await app.waitFor();
    assert.match(await app.innerText(), /api\s+ghcr\.io\/acme\/api:1\.4\s+1\s+8080\s+api\.acme\.example/);

    // A kubeconfig for the namespace, shown once; a token session gives no password.
    await page.getByRole('region', { name: 'Apps' }).getByRole('button', { name: 'Kubeconfig' }).click();
    const kubeconfigForm = page.getByRole('form', { name: 'Kubeconfig' });
    assert.equal(await kubeconfigForm.getByLabel('Your password').count(), 0);
    await kubeconfigForm.getByLabel('Valid for').selectOption({ label: '10 minutes' });
    await kubeconfigForm.getByRole('button', { name: 'Issue kubeconfig' }).click();
    const issued = page.getByRole('region', { name: 'Issued kubeconfig' });
    const yaml = await issued.getByLabel('Kubeconfig YAML').inputValue();
    assert.match(yaml, /namespace: acme-web/);
    assert.match(yaml, /token: \S+/);
    assert.equal(await issued.getByRole('link', { name: 'Download' }).getAttribute('download'), 'acme-web.kubeconfig');
  }),
);

test('a viewer reads tenants, projects and apps, with no forms', { timeout: 60_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto('/');
    await signIn(page, users.viewer.token);
    // Signed in once the console shows: going on sooner would land on the sign-in form.
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await page.goto('/tenants');
    await page.getByTestId('tenant-row').filter({ hasText: 'Acme Inc.' }).getByRole('button', { name: 'acme' }).click();
    await page.getByTestId('project-row').filter({ hasText: 'acme-web' }).getByRole('button', { name: 'web' }).click();
    await page.getByTestId('app-row').filter({ hasText: 'ghcr.io/acme/api:1.4' }).waitFor();
    assert.equal(await page.getByRole('form').count(), 0);
    assert.equal(await page.getByRole('button', { name: /Delete/ }).count(), 0);
  }),
);
