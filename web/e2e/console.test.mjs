// Browser end-to-end tests of the console against a real `fleetdeck serve` (harness.mjs):
// sign-in, API keys, the Flux catalog and the fleet.
//
//   npm run build && (cd .. && cargo build --workspace --bins) && npm run e2e
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { baseURL, signIn, sleep, startConsole, users, withPage } from './harness.mjs';

const actor = users.admin.name;
const token = users.admin.token;

startConsole();

test('a wrong token shows the invalid-credentials error', { timeout: 60_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto('/login');
    await signIn(page, 'not-a-valid-token');
    const error = page.getByTestId('error-panel');
    await error.waitFor();
    assert.equal(await error.getAttribute('data-code'), 'invalid_credentials');
    assert.match(await error.innerText(), /invalid_credentials/);
    assert.match(page.url(), /\/login$/);
  }),
);

test('sign in with a token and find the login in the audit log', { timeout: 60_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto('/');
    await page.waitForURL('**/login');
    await signIn(page, token);

    const menu = page.getByTestId('user-menu');
    await menu.waitFor();
    assert.match(await menu.innerText(), /admin/);
    await page.waitForURL((url) => url.pathname === '/');

    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.waitForURL('**/audit');
    const loginRow = page
      .getByTestId('audit-row')
      .filter({ has: page.locator('td[data-col="verb"]', { hasText: /^login$/ }) })
      .filter({ has: page.locator('td[data-col="outcome"]', { hasText: /^success$/ }) })
      .filter({ has: page.locator('td[data-col="actor"]', { hasText: actor }) });
    await loginRow.first().waitFor();
    // An admin sees whether the audit hash chain holds.
    const chain = page.getByTestId('audit-chain');
    await chain.waitFor();
    assert.match(await chain.innerText(), /^chain verified: \d+ rows?$/);

    // The filters go to the URL and the list: only denied rows (none yet), then Clear.
    const filters = page.getByRole('form', { name: 'Audit filters' });
    await filters.getByLabel('Outcome').selectOption('denied');
    await filters.getByLabel('Verb').fill('login');
    await filters.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL((url) => url.searchParams.get('outcome') === 'denied' && url.searchParams.get('verb') === 'login');
    await page.getByText('No events match.').waitFor();
    await filters.getByRole('button', { name: 'Clear' }).click();
    await page.waitForURL((url) => url.search === '');
    await loginRow.first().waitFor();
    assert.equal(await filters.getByLabel('Verb').inputValue(), '');
  }),
);

test('create an API key, see its secret once, revoke it', { timeout: 60_000 }, (t) =>
  withPage(t, async (page) => {
    // A signed-out visit to a page comes back to it after signing in.
    await page.goto('/api-keys');
    await page.waitForURL('**/login');
    await signIn(page, token);
    await page.waitForURL('**/api-keys');

    const name = `e2e-key-${randomBytes(3).toString('hex')}`;
    const form = page.getByRole('form', { name: 'Create API key' });
    await form.getByLabel('Name').fill(name);
    await form.getByLabel('Role').selectOption('operator');
    await form.getByLabel('Expires').selectOption({ label: '30 days' });
    await form.getByRole('button', { name: 'Create key' }).click();

    const secretPanel = page.getByTestId('api-key-secret');
    await secretPanel.waitFor();
    assert.match(await secretPanel.innerText(), /will not be shown again/);
    const secret = await secretPanel.getByLabel('API key secret').inputValue();
    assert.ok(secret.length >= 16, `secret looks too short: ${secret.length} chars`);

    const row = page.getByTestId('api-key-row').filter({ hasText: name });
    await row.waitFor();
    assert.match(await row.innerText(), /operator/);

    // The secret authenticates as an API key.
    const whoami = await fetch(`${baseURL}/api/auth/whoami`, { headers: { Authorization: `Bearer ${secret}` } });
    assert.equal(whoami.status, 200, 'the new key should authenticate');
    assert.equal((await whoami.json()).method, 'api_key');

    await secretPanel.getByRole('button', { name: 'Done' }).click();
    await secretPanel.waitFor({ state: 'detached' });

    // Shown once: a reload lists the key without its secret.
    await page.reload();
    await row.waitFor();
    assert.equal(await page.getByTestId('api-key-secret').count(), 0);
    assert.ok(!(await page.content()).includes(secret), 'the secret must not be shown again');

    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.waitFor({ state: 'detached' });

    const revoked = await fetch(`${baseURL}/api/auth/whoami`, { headers: { Authorization: `Bearer ${secret}` } });
    assert.equal(revoked.status, 401, 'a revoked key must stop working');
  }),
);

/** Fills a catalog dialog's key/value row `index` (1-based) of the editor named `name`. */
async function fillRow(scope, name, index, key, value) {
  await scope.getByLabel(`${name} key ${index}`, { exact: true }).fill(key);
  await scope.getByLabel(`${name} value ${index}`, { exact: true }).fill(value);
}

/** Opens "New <noun>" on a catalog page, runs `fill` on the dialog, creates, waits for the row. */
async function createCatalogEntry(page, route, noun, id, fill) {
  await page.goto(route);
  await page.getByRole('button', { name: `New ${noun}` }).click();
  const dialog = page.getByRole('dialog', { name: `New ${noun}` });
  await dialog.getByLabel('Id', { exact: false }).first().fill(id);
  await fill(dialog);
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.locator(`[data-testid="catalog-row"][data-id="${id}"]`).waitFor();
}

test('flux: catalog, cluster assignments, preview and the in-use delete', { timeout: 120_000 }, (t) =>
  withPage(t, async (page) => {
    const suffix = randomBytes(3).toString('hex');
    const cluster = `e2e-${suffix}`;
    const dns = `${cluster}.k8s.example.com`;
    const base = `base-${suffix}`;
    const app = `app-${suffix}`;
    const ns = `team-${suffix}`;
    const rb = `admins-${suffix}`;

    await page.goto('/flux/clusters');
    await page.waitForURL('**/login');
    await signIn(page, token);
    await page.waitForURL('**/flux/clusters');

    // A cluster with a dns (admin).
    await page.getByRole('button', { name: 'New cluster' }).click();
    const clusterDialog = page.getByRole('dialog', { name: 'New cluster' });
    await clusterDialog.getByLabel('Name', { exact: true }).fill(cluster);
    await clusterDialog.getByLabel('DNS', { exact: true }).fill(dns);
    const environment = clusterDialog.getByLabel('Environment');
    await environment.locator('option[value="dev"]').waitFor({ state: 'attached' });
    await environment.selectOption('dev');
    await clusterDialog.getByRole('button', { name: 'Add label' }).click();
    await fillRow(clusterDialog, 'Label', 1, 'region', 'eu-west-1');
    await clusterDialog.getByRole('button', { name: 'Create cluster' }).click();
    await clusterDialog.waitFor({ state: 'detached' });
    const clusterRow = page.locator(`[data-testid="cluster-row"][data-name="${cluster}"]`);
    await clusterRow.waitFor();
    assert.match(await clusterRow.innerText(), new RegExp(dns.replace(/\./g, '\\.')));
    assert.match(await clusterRow.innerText(), /region=eu-west-1/);

    // Two components, the second depending on the first.
    await createCatalogEntry(page, '/flux/components', 'component', base, async (dialog) => {
      await dialog.getByLabel('Component path').fill('base');
      await dialog.getByLabel('OCI URL').fill('oci://registry.example.com/charts/base');
      await dialog.getByLabel('OCI tag').fill('1.0.0');
    });
    await createCatalogEntry(page, '/flux/components', 'component', app, async (dialog) => {
      await dialog.getByLabel('Component path').fill('app');
      await dialog.getByLabel('OCI URL').fill('oci://registry.example.com/charts/app');
      await dialog.getByLabel('OCI tag').fill('2.0.0');
      await dialog.getByRole('group', { name: 'Depends on' }).getByRole('checkbox', { name: base }).check();
    });
    assert.match(await page.locator(`[data-testid="catalog-row"][data-id="${app}"]`).innerText(), new RegExp(base));

    // A namespace with a label, a role binding with a Group subject.
    await createCatalogEntry(page, '/flux/namespaces', 'namespace', ns, async (dialog) => {
      await dialog.getByRole('button', { name: 'Add label' }).click();
      await fillRow(dialog, 'Label', 1, 'team', 'a');
    });
    await createCatalogEntry(page, '/flux/rolebindings', 'role binding', rb, async (dialog) => {
      await dialog.getByLabel('Role (ClusterRole)').fill('cluster-admin');
      await dialog.getByLabel('Subject kind 1').selectOption('Group');
      await dialog.getByLabel('Subject name 1').fill('platform-team');
      assert.equal(await dialog.getByLabel('Subject apiGroup 1').inputValue(), 'rbac.authorization.k8s.io');
    });

    // Assign everything in the cluster's editor, with an oci_tag override and a patch.
    await page.goto('/flux/clusters');
    await clusterRow.getByRole('link', { name: cluster }).click();
    await page.waitForURL(`**/flux/clusters/${cluster}`);
    const baseRow = page.locator(`[data-testid="assignment-row"][data-component="${base}"]`);
    const appRow = page.locator(`[data-testid="assignment-row"][data-component="${app}"]`);
    await baseRow.getByRole('radio', { name: 'Enabled' }).check();
    await appRow.getByRole('radio', { name: 'Enabled' }).check();
    await appRow.getByLabel('oci_tag override').fill('9.9.9');
    assert.equal(await appRow.getByLabel('component_path override').getAttribute('placeholder'), 'app');
    await appRow.getByRole('button', { name: 'Add patch' }).click();
    await fillRow(appRow, 'Patch', 1, 'replicaCount', '3');
    await appRow.getByRole('button', { name: 'Add patch' }).click();
    await fillRow(appRow, 'Patch', 2, 'image', 'nginx:1.27');
    await page.getByRole('group', { name: 'Namespaces' }).getByRole('checkbox', { name: ns }).check();
    await page.getByRole('group', { name: 'Role bindings' }).getByRole('checkbox', { name: rb }).check();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByTestId('saved').waitFor();

    // A reload shows what was saved.
    await page.reload();
    await appRow.getByLabel('oci_tag override').waitFor();
    assert.equal(await appRow.getByLabel('oci_tag override').inputValue(), '9.9.9');
    const patchRows = await appRow
      .locator('.kv-row')
      .evaluateAll((rows) => rows.map((row) => [...row.querySelectorAll('input')].map((input) => input.value)));
    assert.deepEqual(patchRows.sort(), [
      ['image', 'nginx:1.27'],
      ['replicaCount', '3'],
    ]);
    assert.ok(await appRow.getByRole('radio', { name: 'Enabled' }).isChecked());

    // The preview shows the exact inputs Flux gets: the override and the patch.
    await page.getByRole('link', { name: 'Preview', exact: true }).click();
    await page.waitForURL(`**/flux/clusters/${cluster}/preview`);
    const json = page.getByTestId('inputs-json');
    await json.waitFor();
    const components = JSON.parse(await json.innerText());
    const appInput = components.inputs.find((input) => input.id === app);
    assert.ok(appInput, `no input for ${app}: ${JSON.stringify(components)}`);
    assert.equal(appInput.source.oci_tag, '9.9.9');
    assert.deepEqual(appInput.patches, { replicaCount: 3, image: 'nginx:1.27' });
    assert.deepEqual(appInput.depends_on, [base]);
    assert.equal(appInput.enabled, true);
    assert.equal(components.inputs.find((input) => input.id === base)?.source.oci_tag, '1.0.0');

    // The size shown is the raw response's.
    const raw = await (
      await page.request.get(`/api/v2/flux/clusters/${dns}/platform-components`)
    ).text();
    assert.equal(Number(await page.getByTestId('inputs-size').getAttribute('data-bytes')), Buffer.byteLength(raw, 'utf8'));

    await page.getByRole('tab', { name: /Namespaces/ }).click();
    await page.waitForURL('**/preview?tab=namespaces');
    // The URL moves before the tab's inputs arrive: wait for them, not the old tab's.
    await json.filter({ hasText: ns }).waitFor();
    const namespaces = JSON.parse(await json.innerText());
    assert.deepEqual(
      namespaces.inputs.map((input) => [input.id, input.labels]),
      [[ns, { team: 'a' }]],
    );

    // Deleting an in-use component answers 409 with the clusters that use it.
    await page.goto('/flux/components');
    const baseCatalogRow = page.locator(`[data-testid="catalog-row"][data-id="${base}"]`);
    page.once('dialog', (dialog) => void dialog.accept());
    await baseCatalogRow.getByRole('button', { name: 'Delete' }).click();
    const inUse = page.getByTestId('in-use');
    await inUse.waitFor();
    assert.deepEqual(await inUse.getByTestId('in-use-clusters').locator('li').allInnerTexts(), [cluster]);
    // base is also in app's depends_on, which the server reports and the forced delete also cleans.
    assert.match(await inUse.innerText(), new RegExp(`depend on it:\\s+${app}`));
    assert.ok(await inUse.getByRole('button', { name: /^Remove from 1 cluster and 1 component's depends_on and delete$/ }).isVisible());
    await inUse.getByRole('button', { name: 'Keep it' }).click();
    await inUse.waitFor({ state: 'detached' });
    await baseCatalogRow.waitFor();

    // The forced delete of an in-use namespace removes it from the cluster too.
    await page.goto('/flux/namespaces');
    const nsRow = page.locator(`[data-testid="catalog-row"][data-id="${ns}"]`);
    page.once('dialog', (dialog) => void dialog.accept());
    await nsRow.getByRole('button', { name: 'Delete' }).click();
    await page.getByTestId('in-use').getByRole('button', { name: 'Remove from 1 cluster and delete' }).click();
    await nsRow.waitFor({ state: 'detached' });
    const after = await (await page.request.get(`/api/flux/clusters/${cluster}`)).json();
    assert.deepEqual(after.namespaces, []);
  }),
);

/** The fleet is cached 10 s per identity: refresh until `card` is there (and `ready` holds). */
async function refreshUntil(page, card, ready = async () => true) {
  const deadline = Date.now() + 25_000;
  for (;;) {
    if ((await card.count()) > 0 && (await ready())) return;
    if (Date.now() > deadline) throw new Error('the fleet never showed the expected card');
    await sleep(1_000);
    const refresh = page.getByRole('button', { name: 'Refresh', exact: true });
    await refresh.waitFor();
    if (await refresh.isEnabled()) await refresh.click();
  }
}

test('fleet: register an unreachable cluster anyway, see it and a metadata-only one', { timeout: 120_000 }, (t) =>
  withPage(t, async (page) => {
    const suffix = randomBytes(3).toString('hex');
    const dead = `dead-${suffix}`;
    const meta = `meta-${suffix}`;
    const clusterToken = `tok-${randomBytes(16).toString('hex')}`;

    // A metadata-only cluster, through the API.
    const created = await fetch(`${baseURL}/api/clusters`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: meta, environment: 'dev' }),
    });
    assert.equal(created.status, 201, await created.text());

    await page.goto('/');
    await page.waitForURL('**/login');
    await signIn(page, token);
    await page.waitForURL((url) => url.pathname === '/');
    await page.getByRole('heading', { name: 'Fleet', exact: true }).waitFor();

    // Register through the dialog with a server nobody listens on.
    await page.getByRole('button', { name: 'Register cluster' }).click();
    const dialog = page.getByRole('dialog', { name: 'Register cluster' });
    await dialog.getByLabel('Name', { exact: true }).fill(dead);
    await dialog.getByLabel('Display name', { exact: true }).fill(`Dead ${suffix}`);
    const environment = dialog.getByLabel('Environment');
    await environment.locator('option[value="dev"]').waitFor({ state: 'attached' });
    await environment.selectOption('dev');
    await dialog.getByRole('tab', { name: 'Server and token' }).click();
    await dialog.getByLabel('Server', { exact: true }).fill('https://127.0.0.1:1');
    await dialog.getByLabel('Token', { exact: true }).fill(clusterToken);
    await dialog.getByRole('button', { name: 'Register', exact: true }).click();

    const failed = dialog.getByTestId('connection-failed');
    await failed.waitFor();
    assert.equal(await dialog.getByTestId('error-panel').getAttribute('data-code'), 'connection_failed');
    assert.equal(await failed.getAttribute('data-reason'), 'unreachable');
    assert.match(await failed.innerText(), /unreachable/);
    await failed.getByRole('button', { name: 'Store anyway' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('saved').waitFor();

    // The fleet shows it unreachable with its error, and the metadata-only cluster as unknown.
    const deadCard = page.locator(`[data-testid="fleet-card"][data-name="${dead}"]`);
    const metaCard = page.locator(`[data-testid="fleet-card"][data-name="${meta}"]`);
    await refreshUntil(page, deadCard, async () => (await metaCard.count()) > 0);
    assert.equal(await deadCard.getAttribute('data-status'), 'unreachable');
    assert.match(await deadCard.innerText(), new RegExp(`Dead ${suffix}`));
    const deadError = deadCard.getByTestId('fleet-error');
    await deadError.waitFor();
    assert.ok((await deadError.innerText()).trim().length > 0, 'the unreachable card shows its error');
    assert.equal(await metaCard.getAttribute('data-status'), 'unknown');
    assert.match(await page.getByTestId('fleet-rollup').innerText(), /unreachable/);

    // The token typed into the dialog is nowhere in the page.
    assert.ok(!(await page.content()).includes(clusterToken), 'the cluster token must not be in the page');

    // The status filter hides the unknown cluster.
    await page.getByLabel('Status').selectOption('unreachable');
    await metaCard.waitFor({ state: 'detached' });
    await deadCard.waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await metaCard.waitFor();

    // Its settings page shows the connection and the dashboard's error.
    await deadCard.getByRole('link', { name: `Dead ${suffix}` }).click();
    await page.waitForURL(`**/clusters/${dead}`);
    const connection = page.getByTestId('connection');
    await connection.getByText('registered').waitFor();
    assert.match(await connection.innerText(), /https:\/\/127\.0\.0\.1:1/);
    const dashboardError = page.getByTestId('dashboard').getByTestId('error-panel');
    await dashboardError.waitFor();
    assert.equal(await dashboardError.getAttribute('data-code'), 'apiserver_unreachable');
    assert.ok(!(await page.content()).includes(clusterToken), 'the cluster token must not be in the settings page');

    // The metadata-only cluster has no connection yet.
    await page.goto(`/clusters/${meta}`);
    const none = page.getByTestId('no-connection');
    await none.waitFor();
    assert.ok(await none.getByRole('button', { name: 'Add a connection' }).isVisible());
  }),
);
