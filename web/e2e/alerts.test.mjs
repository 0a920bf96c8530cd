// Browser end-to-end test of the Signals pages added with alerting: an admin adds a webhook channel
// pointed at a receiver this test runs on loopback and sends it a test; an operator writes a rule on
// crash loops, which fires on the shop fixture's crash-looping shop/db-1, reaches the receiver and
// the delivery log, and is acknowledged on the lifecycle board; a viewer only reads; the assistant
// answers over a runbook written here and cites it; the predictions page says it has none yet.
//
//   npm run build && (cd .. && cargo build --workspace --bins) && node --test e2e/alerts.test.mjs
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baseURL, freePort, signIn, sleep, startConsole, startSimulatedCluster, users, withPage } from './harness.mjs';

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'tests', 'kubesim', 'tests', 'fixtures', 'shop.yaml');
/** The monitor analyzes the cluster a few seconds after registration; rules are evaluated every second here. */
const ALERT_FIRES_MS = 60_000;
const CRASH_TITLE = 'Container db is crash-looping';

/** What the webhook receiver got: each request's headers and parsed body. */
const received = [];
let receiver;
let receiverPort;

startConsole({
  env: {
    // The receiver is on loopback, which the SSRF guard refuses unless allowed.
    FLEETDECK_OUTBOUND_ALLOW_CIDRS: '127.0.0.0/8',
    FLEETDECK_ALERTING: 'on',
    FLEETDECK_ALERT_DELIVERY: 'on',
    FLEETDECK_ALERT_INTERVAL: '1s',
  },
});

before(async () => {
  receiverPort = await freePort();
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(body) });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise((r) => receiver.listen(receiverPort, '127.0.0.1', r));
  await startSimulatedCluster('shop', ['--fixtures', fixtures]);
});

after(() => new Promise((r) => receiver.close(r)));

async function waitFor(what, check, timeoutMs = ALERT_FIRES_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await check();
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs} ms`);
    await sleep(500);
  }
}

const asUser = (user, method, path, body) =>
  fetch(`${baseURL}${path}`, {
    method,
    headers: { Authorization: `Bearer ${user.token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

test('an admin adds a webhook channel (its secret write-only), an API refusal shows by the form, and a test reaches the receiver', { timeout: 120_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto('/');
    await signIn(page, users.admin.token);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alerts' }).click();
    await page.waitForURL('**/alerts');
    const channels = page.getByRole('region', { name: 'Channels' });
    await channels.getByText('No channels yet.').waitFor();

    // The guard refuses a metadata address even with loopback allowed: the code shows by the form.
    await channels.getByRole('button', { name: 'New channel' }).click();
    let form = page.getByRole('form', { name: 'New channel' });
    await form.getByLabel('Name', { exact: true }).fill('hooks');
    await form.getByLabel('URL').fill('http://169.254.169.254/hook');
    await form.getByRole('button', { name: 'Save channel' }).click();
    assert.equal(await form.getByTestId('error-panel').getAttribute('data-code'), 'destination_not_allowed');

    await form.getByLabel('URL').fill(`http://127.0.0.1:${receiverPort}/hook`);
    await form.getByLabel('Signing secret (optional)').fill('s3cret-signing-key');
    await form.getByRole('button', { name: 'Save channel' }).click();
    await form.waitFor({ state: 'detached' });
    const row = channels.locator('[data-testid="channel-row"][data-name="hooks"]');
    assert.equal(await row.locator('[data-col="secret"]').innerText(), 'Signing secret: configured');

    // Editing never shows the stored secret; saved without retyping it, it is kept.
    await row.getByRole('button', { name: 'Edit' }).click();
    form = page.getByRole('form', { name: 'Edit channel' });
    assert.equal(await form.getByLabel('Signing secret (optional)').inputValue(), '');
    assert.doesNotMatch(await page.content(), /s3cret-signing-key/);
    await form.getByRole('button', { name: 'Save channel' }).click();
    await form.waitFor({ state: 'detached' });
    assert.equal(await row.locator('[data-col="secret"]').innerText(), 'Signing secret: configured');

    await row.getByRole('button', { name: 'Send test' }).click();
    const result = channels.getByTestId('test-result');
    await result.waitFor();
    assert.equal(await result.getAttribute('data-delivered'), 'true');
    assert.match(await result.innerText(), /delivered \(1 attempt\)/);
    const test = received.find((r) => r.body.alert?.title === 'Fleetdeck test alert');
    assert.ok(test, 'the receiver got the test');
    assert.match(test.headers['x-fleetdeck-signature'], /^sha256=[0-9a-f]{64}$/);
  }),
);

test('an operator writes a crash-loop rule; it fires to the receiver, shows in the delivery log and is acknowledged on the board', { timeout: 180_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto('/alerts');
    await signIn(page, users.operator.token);
    await page.waitForURL('**/alerts');
    // Operators read channels but do not write or test them.
    const channels = page.getByRole('region', { name: 'Channels' });
    await channels.locator('[data-testid="channel-row"][data-name="hooks"]').waitFor();
    assert.equal(await channels.getByRole('button', { name: 'New channel' }).count(), 0);
    assert.equal(await channels.getByRole('button', { name: 'Send test' }).count(), 0);

    const rules = page.getByRole('region', { name: 'Rules' });
    await rules.getByRole('button', { name: 'New rule' }).click();
    const form = page.getByRole('form', { name: 'New rule' });
    await form.getByLabel('Name', { exact: true }).fill('crash loops');
    await form.getByLabel('Finding classes').fill('pod_crash_loop');
    await form.getByRole('button', { name: 'Save rule' }).click();
    assert.equal(await form.getByRole('alert').innerText(), 'A rule notifies at least one channel.');
    await form.getByLabel('hooks (webhook)').check();
    await form.getByLabel('Repeat interval').fill('1h');
    await form.getByRole('button', { name: 'Save rule' }).click();
    await form.waitFor({ state: 'detached' });
    const rule = rules.locator('[data-testid="rule-row"][data-name="crash loops"]');
    assert.match(await rule.innerText(), /findings: pod_crash_loop\s+hooks\s+1h/);

    const fired = await waitFor('the crash-loop alert at the receiver', () => received.find((r) => r.body.alert?.title === CRASH_TITLE));
    assert.equal(fired.body.alert.state, 'firing');

    const log = page.getByRole('region', { name: 'Delivery log' });
    const delivery = log.locator('[data-testid="delivery-row"][data-channel="hooks"]');
    await waitFor('the delivery in the log', async () => {
      if ((await delivery.count()) > 0) return true;
      await log.getByRole('button', { name: 'Refresh' }).click();
      return false;
    });
    assert.equal(await delivery.first().getAttribute('data-delivered'), 'true');
    // The log's filters live in the URL.
    await delivery.first().getByRole('button', { name: fired.body.alert.id }).click();
    await page.waitForURL((url) => url.searchParams.get('alert') === fired.body.alert.id);
    // The form is rebuilt from the URL after it changes: wait for that render.
    const alertId = page.getByRole('form', { name: 'Delivery filters' }).getByLabel('Alert id');
    await waitFor('the alert id in the filter', async () => (await alertId.inputValue()) === fired.body.alert.id, 5_000);

    await page.getByRole('tab', { name: 'Lifecycle board' }).click();
    await page.waitForURL('**/alerts/lifecycle');
    const firing = page.getByTestId('alert-column-firing').locator(`[data-testid="alert-card"][data-title="${CRASH_TITLE}"]`);
    await firing.waitFor();
    await firing.getByLabel('Note').fill('looking at the data dir');
    await firing.getByRole('button', { name: 'Acknowledge' }).click();
    const acknowledged = page.getByTestId('alert-column-acknowledged').locator(`[data-testid="alert-card"][data-title="${CRASH_TITLE}"]`);
    await acknowledged.waitFor();
    assert.match(await acknowledged.innerText(), /acknowledged by token:e2e-operator/);
    assert.match(await acknowledged.innerText(), /Note: looking at the data dir/);
    await firing.waitFor({ state: 'detached' });
    // Acknowledged, it can only be resolved.
    assert.deepEqual(await acknowledged.getByRole('button').allInnerTexts(), ['Resolve']);
  }),
);

test('a viewer reads rules and the board but cannot write or act', { timeout: 60_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto('/alerts');
    await signIn(page, users.viewer.token);
    await page.waitForURL('**/alerts');
    const rules = page.getByRole('region', { name: 'Rules' });
    await rules.locator('[data-testid="rule-row"][data-name="crash loops"]').waitFor();
    assert.equal(await rules.getByRole('button').count(), 0);
    await page.getByText('Channels and the delivery log are shown to operators.').waitFor();
    assert.equal(await page.getByRole('region', { name: 'Channels' }).count(), 0);

    await page.getByRole('tab', { name: 'Lifecycle board' }).click();
    const card = page.getByTestId('alert-column-acknowledged').getByTestId('alert-card').first();
    await card.waitFor();
    assert.equal(await card.getByRole('button').count(), 0);
  }),
);

test('the assistant, opened from any page, answers over a runbook written here, cites it and takes feedback', { timeout: 60_000 }, (t) =>
  withPage(t, async (page) => {
    const created = await asUser(users.operator, 'POST', '/api/memory/runbooks', {
      title: 'Postgres data directory full',
      body: 'When Postgres crash loops, check whether the data directory volume is full and grow the claim.',
      tags: ['db'],
      classes: ['pod_crash_loop'],
    });
    assert.equal(created.status, 201, await created.clone().text());
    const runbook = await created.json();

    await page.goto('/predictions');
    await signIn(page, users.viewer.token);
    await page.waitForURL('**/predictions');
    await page.getByRole('button', { name: 'Ask' }).click();
    const panel = page.getByRole('complementary', { name: 'Assistant' });
    await panel.getByLabel('Question').fill('postgres data directory full');
    await panel.getByRole('button', { name: 'Ask', exact: true }).click();
    const answer = panel.getByTestId('assistant-answer');
    await answer.waitFor();
    const citation = answer.locator(`[data-testid="citation"][data-kind="runbook"][data-id="${runbook.id}"]`);
    await citation.waitFor();
    assert.equal(await citation.getByRole('link').getAttribute('href'), `/runbooks?runbook=${runbook.id}`);
    // Its marker points at it: [n] is the n-th reference.
    const n = (await answer.getByTestId('citation').evaluateAll((items) => items.map((li) => li.dataset.id))).indexOf(runbook.id) + 1;
    const marker = answer.getByTestId('citation-marker').filter({ hasText: `[${n}]` }).first();
    assert.equal(await marker.getAttribute('title'), 'Postgres data directory full');

    await citation.getByRole('button', { name: 'Helpful', exact: true }).click();
    await citation.getByText('Thanks: noted.').waitFor();
    await citation.getByRole('link').click();
    await page.waitForURL((url) => url.pathname === '/runbooks' && url.searchParams.get('runbook') === runbook.id);
  }),
);

test('the assistant page shows operators its usage; the predictions page says it has none yet, its filters in the URL', { timeout: 60_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto('/');
    await signIn(page, users.operator.token);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Assistant' }).click();
    await page.waitForURL('**/assistant');
    const usage = page.getByTestId('rag-telemetry');
    await usage.getByTestId('rag-queries').waitFor();
    assert.match(await usage.getByTestId('rag-queries').innerText(), /^[1-9]\d* since/);
    assert.match(await usage.innerText(), /1 helpful, 0 not helpful/);
    // A question asked here shows in the figures at once.
    const before = parseInt(await usage.getByTestId('rag-queries').innerText(), 10);
    await page.getByLabel('Question').fill('postgres data directory');
    await page.getByRole('button', { name: 'Ask', exact: true }).click();
    await page.getByTestId('assistant-answer').waitFor();
    await usage.getByTestId('rag-queries').filter({ hasText: new RegExp(`^${before + 1} since`) }).waitFor();

    await nav.getByRole('link', { name: 'Predictions' }).click();
    await page.waitForURL('**/predictions');
    await page.getByTestId('predictions-empty').waitFor();
    assert.equal(await page.getByTestId('predictions-source').getAttribute('data-source'), 'local');
    await page.getByLabel('Kind').selectOption('pvc_filling');
    await page.getByLabel('Minimum score').fill('0.5');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL((url) => url.searchParams.get('kind') === 'pvc_filling' && url.searchParams.get('minScore') === '0.5');
    await page.getByTestId('predictions-empty').waitFor();
  }),
);
