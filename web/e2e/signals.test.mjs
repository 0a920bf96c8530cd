// Browser end-to-end test of the SLO and rightsizing pages: a real `fleetdeck serve` sampling
// every second and computing SLOs and rightsizing at every pass, over a kubesim loaded with
// e2e/fixtures/signals.yaml, whose pods' usage is fixed so the figures can be checked by hand.
//
//   npm run build && (cd .. && cargo build --workspace --bins) && node --test e2e/signals.test.mjs
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signIn, startConsole, startSimulatedCluster, users, withPage } from './harness.mjs';

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'signals.yaml');
/**
 * The first pass after the caches are in, then the next computation: a few seconds alone, but
 * CI runs the browser files side by side on two cores (45 s was once not enough). The pages ask
 * every minute, a reload sooner.
 */
const COMPUTED_MS = 120_000;

startConsole({
  env: {
    FLEETDECK_SAMPLE_INTERVAL: '1s',
    FLEETDECK_SLO_INTERVAL: '1s',
    FLEETDECK_RIGHTSIZING_INTERVAL: '1s',
    // A few samples are history enough here: a recommendation shows within seconds.
    FLEETDECK_RIGHTSIZING_MIN_HISTORY: '1s',
  },
});

before(async () => {
  await startSimulatedCluster('shop', ['--fixtures', fixtures]);
});

/** Reloads until `locator` is there: the pages ask again only every minute. */
async function reloadUntil(page, locator) {
  const deadline = Date.now() + COMPUTED_MS;
  for (;;) {
    if ((await locator.count()) > 0) return;
    if (Date.now() > deadline) throw new Error('never appeared');
    await new Promise((r) => setTimeout(r, 1_000));
    await page.reload();
  }
}

test('the SLO page shows api paging at half its replicas ready, its burn rates and rules; filters live in the URL', { timeout: 240_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto('/');
    await signIn(page, users.viewer.token);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'SLOs' }).click();
    await page.waitForURL('**/slo');
    const api = page.locator('[data-testid="slo-row"][data-key="shop/shop/Deployment/api"]');
    await reloadUntil(page, api);
    // 1 of 2 ready in every window: 50 % against a 99 % target burns ×50; every rule fires.
    assert.equal(await api.locator('[data-col="target"]').innerText(), '99 %');
    assert.equal(await api.locator('[data-col="availability"]').innerText(), '50 %');
    assert.equal(await api.locator('[data-col="burn-1h"]').innerText(), '×50.0');
    assert.equal(await api.locator('[data-col="status"]').innerText(), 'page');
    assert.match(await api.locator('[data-col="budget"]').innerText(), /overspent ×50\.0/);
    const web = page.locator('[data-testid="slo-row"][data-key="shop/shop/Deployment/web"]');
    assert.equal(await web.locator('[data-col="status"]').innerText(), 'ok');
    assert.equal(await web.locator('[data-col="target"]').innerText(), '99.9 %');
    assert.equal(await page.getByTestId('slo-summary').locator('[data-status="page"]').innerText(), 'page 1');

    // The row opens the burn-rate chart and the rules.
    await api.getByRole('button').click();
    await page.waitForURL(/selected=shop%2Fshop%2FDeployment%2Fapi/);
    const detail = page.getByTestId('slo-detail');
    const bars = detail.getByTestId('burn-chart').locator('g[data-window]');
    assert.deepEqual(await bars.evaluateAll((gs) => gs.map((g) => g.dataset.window)), ['5m', '30m', '1h', '2h', '6h', '1d', '3d']);
    assert.deepEqual(await bars.evaluateAll((gs) => gs.map((g) => Number(g.dataset.rate))), [50, 50, 50, 50, 50, 50, 50]);
    assert.deepEqual(await detail.getByTestId('burn-rule').evaluateAll((rows) => rows.map((r) => r.dataset.firing)), ['true', 'true', 'true', 'true']);

    // Only what pages.
    await page.getByLabel('Status').selectOption('page');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/status=page/);
    await web.waitFor({ state: 'detached' });
    await api.waitFor();
    assert.equal(await page.getByTestId('slo-row').count(), 1);
  }),
);

test('the rightsizing page recommends the p95 CPU and the peak + 15 % memory, with the savings', { timeout: 240_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto('/');
    await signIn(page, users.viewer.token);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Rightsizing' }).click();
    await page.waitForURL('**/rightsizing');
    const app = page.locator('[data-testid="rightsizing-row"][data-key="shop/shop/Deployment/api/app"]');
    await reloadUntil(page, app);
    // 250m used: the request goes from 500m to 250m. 128 Mi peak + 15 % = 147.2 → 148 Mi.
    assert.equal(await app.locator('[data-col="cpu"]').innerText(), '500m → 250m');
    assert.equal(await app.locator('[data-col="memory"]').innerText(), '512Mi → 148Mi / 1Gi → 148Mi');
    // 2 replicas × 730 h × (0.25 core × $0.0316 + 364/1024 GiB × $0.0042) = $13.71.
    assert.equal(await app.locator('[data-col="savings"]').innerText(), '$13.71');
    // web requests nothing: the floors (20m; 30 Mi → 35 Mi → 100 Mi) cost 730 h × (0.02 × 0.0316 + 100/1024 × 0.0042).
    const web = page.locator('[data-testid="rightsizing-row"][data-key="shop/shop/Deployment/web/web"]');
    assert.equal(await web.locator('[data-col="memory"]').innerText(), '— → 100Mi / — → 100Mi');
    assert.equal(await web.locator('[data-col="savings"]').innerText(), '−$0.76');
    assert.equal(await page.getByTestId('rightsizing-savings').innerText(), '$12.95');

    await page.getByLabel('Namespace').fill('other');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/namespace=other/);
    await page.getByText('No workloads match.').waitFor();
  }),
);

test('an operator proposes a workload\'s recommendations in one click; the remediation shows the change', { timeout: 240_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto('/rightsizing');
    await signIn(page, users.operator.token);
    const app = page.locator('[data-testid="rightsizing-row"][data-key="shop/shop/Deployment/api/app"]');
    await reloadUntil(page, app);
    await app.getByRole('button', { name: 'Propose' }).click();
    await page.waitForURL(/\/remediation\?.*remediation=/);
    const panel = page.getByTestId('remediation-panel');
    await panel.getByRole('heading', { name: /Set requests and limits: Deployment shop\/api/ }).waitFor();
    assert.equal(await panel.getByTestId('remediation-state').innerText(), 'proposed');
    const diff = await panel.locator('.diff, pre, table').first().innerText();
    assert.match(diff, /cpu: 250m/);
    assert.match(diff, /memory: 148Mi/);
  }),
);
