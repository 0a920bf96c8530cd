// Browser end-to-end test of the findings: a real `fleetdeck serve` (harness.mjs; diagnostics
// are on by default) whose monitor watches a kubesim loaded with the shop fixture
// (tests/kubesim/tests/fixtures/shop.yaml), where pod shop/db-1 is crash-looping.
//
//   npm run build && (cd .. && cargo build --workspace --bins) && node --test e2e/findings.test.mjs
//
// KUBESIM_BIN   the simulator (default: `kubesim` next to FLEETDECK_BIN)
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubeApi, signIn, startConsole, startSimulatedCluster, users, withPage } from './harness.mjs';

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'tests', 'kubesim', 'tests', 'fixtures', 'shop.yaml');
const cluster = 'shop';
const podPage = (name) => `/clusters/${cluster}/resources/core/v1/pods/shop/${name}`;
/** What the crashed instance of db printed: the evidence shows it as the previous instance's log. */
const CRASH_LOG = ['FATAL:  could not open data directory "/var/lib/postgresql/data"', 'LOG:  database system is shut down'];
/** The monitor analyzes the cluster once its caches are in, a few seconds after registration; the pages ask again every 10 s. */
const FINDING_APPEARS_MS = 45_000;

startConsole();

before(async () => {
  const kube = await startSimulatedCluster(cluster, ['--fixtures', fixtures]);
  await kubeApi(kube, 'PATCH', '/api/v1/namespaces/shop/pods/db-1', {
    metadata: { annotations: { 'kubesim.fleetdeck.dev/previous-logs': CRASH_LOG.join('\n') } },
  });
});

/** The crash-loop row of db-1 in the table `table`, once the monitor wrote it. */
async function crashLoopRow(page, table) {
  const row = table.getByTestId('finding-row').and(page.locator('[data-class="pod_crash_loop"]')).filter({ hasText: 'Container db is crash-looping' });
  await row.waitFor({ timeout: FINDING_APPEARS_MS });
  return row;
}

/** The evidence panel shows db-1's crash loop: explanation, container state, log lines, remediations. */
async function assertCrashLoopEvidence(page) {
  const evidence = page.getByTestId('finding-evidence');
  await evidence.getByTestId('finding-explanation').waitFor();
  assert.match(await evidence.getByTestId('finding-explanation').innerText(), /Container db of pod shop\/db-1 is in CrashLoopBackOff after 7 restarts/);
  const container = evidence.getByTestId('finding-container').and(page.locator('[data-name="db"]'));
  assert.equal(await container.locator('[data-col="restarts"]').innerText(), '7');
  assert.match(await container.locator('[data-col="state"]').innerText(), /waiting · CrashLoopBackOff/);
  assert.match(await container.innerText(), /postgres:17/);
  const log = evidence.getByTestId('finding-log');
  assert.match(await log.locator('h3').innerText(), /db \(previous instance\)/);
  assert.equal(await log.locator('pre').innerText(), CRASH_LOG.join('\n'));
  assert.deepEqual(await evidence.getByTestId('finding-remediations').locator('.chip').allInnerTexts(), ['Roll back', 'Restart']);
}

test('the Findings page lists the crash-looping pod; its row opens the evidence; filters live in the URL', { timeout: 120_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto('/');
    await signIn(page, users.viewer.token);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Findings' }).click();
    await page.waitForURL('**/findings');

    const table = page.getByRole('table', { name: 'Findings' });
    const row = await crashLoopRow(page, table);
    assert.equal(await row.locator('[data-col="severity"]').innerText(), 'critical');
    assert.equal(await row.locator('[data-col="cluster"]').innerText(), cluster);
    assert.equal(await row.locator('[data-col="object"]').getByRole('link').getAttribute('href'), podPage('db-1'));
    // The counts are of the rows loaded: as many critical ones as critical badges in the table.
    const criticalRows = await table.getByTestId('finding-row').filter({ has: page.locator('[data-col="severity"]', { hasText: 'critical' }) }).count();
    assert.equal(await page.getByTestId('severity-counts').locator('[data-severity="critical"]').innerText(), `critical ${criticalRows}`);

    await row.getByRole('button', { name: 'Container db is crash-looping' }).click();
    const id = await row.getAttribute('data-id');
    await page.waitForURL((url) => url.searchParams.get('finding') === id);
    await assertCrashLoopEvidence(page);
    // The selection is in the URL: a reload opens the same evidence.
    await page.reload();
    await assertCrashLoopEvidence(page);

    const filters = page.getByRole('form', { name: 'Findings filters' });
    await filters.getByLabel('Severity').selectOption('info');
    await filters.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL((url) => url.searchParams.get('severity') === 'info' && !url.searchParams.has('finding'));
    await page.getByText('No findings match.').waitFor();
    await filters.getByLabel('Severity').selectOption('critical');
    await filters.getByLabel('Name', { exact: true }).fill('db-1');
    await filters.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL((url) => url.searchParams.get('severity') === 'critical' && url.searchParams.get('name') === 'db-1');
    await crashLoopRow(page, table);
    assert.deepEqual(await table.locator('[data-col="object"]').allInnerTexts(), ['Pod shop/db-1']);

    await table.getByRole('link', { name: 'Pod shop/db-1' }).click();
    await page.waitForURL(`**${podPage('db-1')}`);
    assert.equal(await page.getByTestId('object-name').innerText(), 'db-1');
  }),
);

test("a pod's page lists its open findings with the same evidence, and links to them on the Findings page", { timeout: 120_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto(podPage('db-1'));
    await signIn(page, users.viewer.token);
    const section = page.getByTestId('object-findings');
    const row = await crashLoopRow(page, section.getByRole('table', { name: 'Findings of this object' }));
    await row.getByRole('button', { name: 'Container db is crash-looping' }).click();
    await assertCrashLoopEvidence(page);

    await section.getByRole('link', { name: 'On the Findings page' }).click();
    await page.waitForURL((url) => url.pathname === '/findings' && url.search === '?cluster=shop&namespace=shop&kind=Pod&name=db-1');
    const filters = page.getByRole('form', { name: 'Findings filters' });
    assert.equal(await filters.getByLabel('Name', { exact: true }).inputValue(), 'db-1');
    await crashLoopRow(page, page.getByRole('table', { name: 'Findings' }));

    // A healthy pod of the same cluster, analyzed by now, has none.
    await page.goto(podPage('web-1'));
    await page.getByTestId('object-findings').getByText('No open findings.').waitFor();
  }),
);
