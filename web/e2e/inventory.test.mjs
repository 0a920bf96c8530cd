// Browser end-to-end tests of a cluster's inventory in the console: a real `fleetdeck serve`
// (harness.mjs) reading a real kubesim, registered as a cluster through the API.
//
//   npm run build && (cd .. && cargo build --workspace --bins) && npm run e2e
//
// KUBESIM_BIN   the simulator (default: `kubesim` next to FLEETDECK_BIN)
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { kubeApi as kubeRequest, signIn, startConsole, startSimulatedCluster, users, withPage } from './harness.mjs';

const cluster = 'sim';
const podsPath = `/clusters/${cluster}/resources/core/v1/pods`;
/** Well under the console's 10 s polling: a change seen this fast came on the watch stream. */
const LIVE_WITHIN_MS = 5_000;

/** kubesim's apiserver as its kubeconfig says: URL, CA and admin token. */
let kube;
/** The pods kubesim generated, as it serves them. */
let pods;

startConsole();

before(async () => {
  kube = await startSimulatedCluster(cluster, ['--generate', '3,200,4']);
  pods = (await kubeApi('GET', '/api/v1/pods')).items;
  assert.equal(pods.length, 200);
});

/** A request to kubesim as its admin. */
const kubeApi = (method, path, body) => kubeRequest(kube, method, path, body);

const restartsOf = (pod) => pod.status.containerStatuses?.[0]?.restartCount ?? 0;
const isRunning = (pod) => pod.status.containerStatuses?.[0]?.state?.running !== undefined;
/** A running pod of `namespace`: the same one for the same arguments. */
const runningPod = (namespace, index = 0) => pods.filter((p) => p.metadata.namespace === namespace && isRunning(p))[index];
const podPage = (pod) => `${podsPath}/${pod.metadata.namespace}/${pod.metadata.name}`;

/** The names of the table's rendered rows, top to bottom. */
const rowNames = (grid) => grid.getByTestId('resource-row').evaluateAll((rows) => rows.map((row) => row.dataset.name));
const restartsShown = (grid) =>
  grid.locator('[data-testid="resource-row"] [data-col="restarts"]').evaluateAll((cells) => cells.map((cell) => cell.textContent.trim()));

/** The row of the pod named `name` in `grid`. */
const rowOf = (grid, name) => grid.getByTestId('resource-row').filter({ has: grid.page().getByRole('link', { name, exact: true }) });

test('the pods table: count, sort, name filter and namespace, kept in the URL', { timeout: 90_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto(podsPath);
    await page.waitForURL('**/login');
    await signIn(page, users.viewer.token);
    await page.waitForURL(`**${podsPath}`);

    const grid = page.getByRole('grid', { name: 'Pods' });
    const count = page.getByTestId('row-count');
    await count.filter({ hasText: /^200$/ }).waitFor();
    const shown = await rowNames(grid);
    assert.ok(shown.length > 5, `only ${shown.length} rows rendered`);
    const names = new Set(pods.map((p) => p.metadata.name));
    assert.ok(shown.every((name) => names.has(name)), `rows that kubesim has not: ${shown}`);

    // Restarts, twice: ascending, then descending with the most restarted pod first.
    const restarts = grid.getByRole('columnheader', { name: 'Restarts' });
    const sorted = (order) => restarts.and(page.locator(`[aria-sort="${order}"]`)).waitFor();
    await restarts.getByRole('button').click();
    await sorted('ascending');
    await restarts.getByRole('button').click();
    await sorted('descending');
    const most = Math.max(...pods.map(restartsOf));
    assert.equal((await restartsShown(grid))[0], String(most));

    const namespace = 'team-1';
    const inNamespace = pods.filter((p) => p.metadata.namespace === namespace);
    // By role: the <label> wraps the <select>, so its name also holds the selected option's.
    const select = page.getByRole('combobox', { name: 'Namespace' });
    await select.locator(`option[value="${namespace}"]`).waitFor({ state: 'attached' });
    await select.selectOption(namespace);
    await count.filter({ hasText: new RegExp(`^${inNamespace.length}$`) }).waitFor();

    // The app of the namespace's first pod: some of its pods, not all.
    const q = inNamespace[0].metadata.labels.app;
    const matching = inNamespace.filter((p) => p.metadata.name.includes(q));
    await page.getByRole('searchbox', { name: 'Name' }).fill(q);
    await count.filter({ hasText: `${matching.length} of ${inNamespace.length}` }).waitFor();
    const filtered = await rowNames(grid);
    assert.deepEqual([...filtered].sort(), matching.map((p) => p.metadata.name).sort());
    const filteredRestarts = (await restartsShown(grid)).map(Number);
    assert.deepEqual(filteredRestarts, [...filteredRestarts].sort((a, b) => b - a), 'still sorted by restarts, descending');

    const view = Object.fromEntries(new URL(page.url()).searchParams);
    assert.deepEqual(view, { namespace, q, sort: 'restarts', order: 'desc' });

    // The URL is the view: a reload shows the same rows in the same order.
    await page.reload();
    await count.filter({ hasText: `${matching.length} of ${inNamespace.length}` }).waitFor();
    assert.deepEqual(await rowNames(grid), filtered);
    assert.equal(await select.inputValue(), namespace);
    assert.equal(await page.getByRole('searchbox', { name: 'Name' }).inputValue(), q);
    await sorted('descending');
  }),
);

test("a pod's page: summary, containers, events, labels and its YAML", { timeout: 90_000 }, (t) =>
  withPage(t, async (page) => {
    const pod = runningPod('team-2');
    const { name, namespace, uid } = pod.metadata;
    const container = pod.spec.containers[0];
    const reason = `E2eProbe${randomBytes(3).toString('hex')}`;
    await kubeApi('POST', `/api/v1/namespaces/${namespace}/events`, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${name}.${reason.toLowerCase()}`, namespace },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', name, namespace, uid },
      reason,
      message: 'probed by the e2e test',
      type: 'Normal',
      count: 1,
      firstTimestamp: new Date().toISOString(),
      lastTimestamp: new Date().toISOString(),
    });

    await page.goto(`${podsPath}?namespace=${namespace}&q=${name}`);
    await signIn(page, users.viewer.token);
    await page.getByRole('grid', { name: 'Pods' }).getByRole('link', { name, exact: true }).click();
    await page.waitForURL(`**${podPage(pod)}`);

    await page.getByRole('heading', { level: 1, name, exact: true }).waitFor();
    assert.equal(await page.getByRole('tab', { name: 'Overview' }).getAttribute('aria-selected'), 'true');

    const summary = page.getByRole('region', { name: 'Summary' });
    await summary.getByText(pod.spec.nodeName, { exact: true }).waitFor();
    const summaryText = await summary.innerText();
    for (const fact of [namespace, uid, pod.status.podIP, 'Running']) assert.ok(summaryText.includes(fact), `the summary lacks ${fact}:\n${summaryText}`);

    const containerRow = page.getByRole('region', { name: 'Containers' }).getByRole('row').filter({ hasText: container.name });
    await containerRow.waitFor();
    assert.match(await containerRow.innerText(), new RegExp(`${container.image.replace(/[.:/]/g, '\\$&')}[\\s\\S]*ready`));

    const events = page.getByRole('region', { name: /^Events/ });
    await events.getByRole('row').filter({ hasText: reason }).waitFor();
    assert.match(await events.innerText(), /probed by the e2e test/);

    const labels = page.getByRole('region', { name: 'Labels and annotations' });
    for (const [key, value] of Object.entries(pod.metadata.labels)) await labels.getByText(`${key}=${value}`, { exact: true }).waitFor();

    await page.getByRole('tab', { name: 'YAML' }).click();
    await page.waitForURL(`**${podPage(pod)}?tab=yaml`);
    // The YAML is in the editor, loaded on demand.
    const yaml = await page.getByRole('region', { name: 'YAML' }).getByRole('textbox', { name: 'YAML' }).innerText();
    assert.match(yaml, /^kind: Pod$/m);
    assert.match(yaml, new RegExp(`^\\s+name: ${name}$`, 'm'));
    assert.match(yaml, new RegExp(`^\\s+uid: ['"]?${uid}`, 'm'));
  }),
);

test('the open pods table follows a pod changed and deleted in the cluster, live', { timeout: 90_000 }, (t) =>
  withPage(t, async (page) => {
    const namespace = 'team-3';
    const name = `live-${randomBytes(3).toString('hex')}`;
    await kubeApi('POST', `/api/v1/namespaces/${namespace}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace },
      spec: { containers: [{ name: 'app', image: 'busybox:1.36' }] },
    });

    await page.goto(`${podsPath}?namespace=${namespace}&q=${name}`);
    await signIn(page, users.viewer.token);
    const row = rowOf(page.getByRole('grid', { name: 'Pods' }), name);
    await row.waitFor();

    // Polling would show changes too, every 10 s: the table must say it follows a stream.
    const liveness = page.getByTestId('liveness');
    // A timeout is reported by the assertion below, with what the table shows instead.
    await liveness.and(page.locator('[data-state="live"]')).waitFor().catch(() => {});
    assert.equal(await liveness.getAttribute('data-state'), 'live', `the table is ${await liveness.innerText()}, not live`);

    await kubeApi('PATCH', `/api/v1/namespaces/${namespace}/pods/${name}/status`, {
      status: {
        phase: 'Running',
        containerStatuses: [{ name: 'app', image: 'busybox:1.36', imageID: '', ready: true, started: true, restartCount: 7, state: { running: { startedAt: new Date().toISOString() } }, lastState: {} }],
      },
    });
    await row.locator('[data-col="restarts"]', { hasText: /^7$/ }).waitFor({ timeout: LIVE_WITHIN_MS });
    await row.locator('[data-col="ready"]', { hasText: /^1\/1$/ }).waitFor({ timeout: LIVE_WITHIN_MS });

    await kubeApi('DELETE', `/api/v1/namespaces/${namespace}/pods/${name}`);
    await row.waitFor({ state: 'detached', timeout: LIVE_WITHIN_MS });
    await page.getByTestId('empty-state').waitFor();
    assert.equal(await liveness.getAttribute('data-state'), 'live');
  }),
);

test("a pod's logs: the lines, timestamps, search with highlights", { timeout: 90_000 }, (t) =>
  withPage(t, async (page) => {
    const pod = runningPod('team-0');
    const { name, namespace } = pod.metadata;
    const lines = ['booting e2e', 'listening on :8080', 'GET /healthz 200'];
    // kubesim serves a container's output from this annotation.
    await kubeApi('PATCH', `/api/v1/namespaces/${namespace}/pods/${name}`, {
      metadata: { annotations: { 'kubesim.fleetdeck.dev/logs': `${lines.join('\n')}\n` } },
    });

    await page.goto(podPage(pod));
    await signIn(page, users.viewer.token);
    await page.getByRole('tab', { name: 'Logs' }).click();
    await page.waitForURL(`**${podPage(pod)}?tab=logs`);

    const viewer = page.getByRole('region', { name: 'Logs' });
    const logLines = viewer.getByTestId('log-line');
    await logLines.nth(lines.length - 1).waitFor();
    assert.deepEqual(await logLines.allInnerTexts(), lines);

    // The stream is asked again with timestamps: each line starts with its RFC 3339 time.
    await viewer.getByLabel('Timestamps').check();
    await logLines.first().filter({ hasText: /^\d{4}-\d\d-\d\dT\S+ booting e2e$/ }).waitFor();
    assert.equal(await logLines.count(), lines.length);

    await viewer.getByLabel('Search logs').fill('healthz');
    await viewer.getByTestId('match-count').filter({ hasText: '1 matching line' }).waitFor();
    assert.deepEqual(await viewer.locator('mark').allInnerTexts(), ['healthz']);
    await viewer.getByLabel('Only matching lines').check();
    await logLines.nth(1).waitFor({ state: 'detached' });
    assert.match(await logLines.innerText(), /GET \/healthz 200$/);
  }),
);

test('find a pod with Ctrl+K, keyboard only, and land on its page', { timeout: 90_000 }, (t) =>
  withPage(t, async (page) => {
    const pod = runningPod('team-1', 1);
    const { name } = pod.metadata;

    await page.goto('/');
    await signIn(page, users.viewer.token);
    await page.getByRole('heading', { name: 'Fleet', exact: true }).waitFor();

    await page.keyboard.press('ControlOrMeta+k');
    const palette = page.getByRole('dialog', { name: 'Search the fleet' });
    const input = palette.getByRole('combobox', { name: 'Search the fleet' });
    await input.waitFor();
    assert.ok(await input.evaluate((el) => el === el.ownerDocument.activeElement), 'the search input has the focus');
    await page.keyboard.type(name);
    // An exact match comes first and is selected.
    await palette.getByRole('option', { selected: true }).filter({ hasText: name }).waitFor();
    await page.keyboard.press('Enter');

    await page.waitForURL(`**${podPage(pod)}`);
    await palette.waitFor({ state: 'detached' });
    await page.getByRole('heading', { level: 1, name, exact: true }).waitFor();
  }),
);

test("a user who may not read the cluster's pods sees why, not a broken page", { timeout: 90_000 }, (t) =>
  withPage(t, async (page) => {
    // In shared mode Fleetdeck's role decides; flux-reader may read Flux inputs only.
    await page.goto(podsPath);
    await signIn(page, users.fluxReader.token);
    await page.waitForURL(`**${podsPath}`);
    const error = page.getByRole('alert');
    await error.waitFor();
    assert.equal(await error.getAttribute('data-code'), 'forbidden');
    assert.match(await error.innerText(), /needs the viewer role/);
    assert.equal(await page.getByRole('grid', { name: 'Pods' }).count(), 0);
  }),
);
