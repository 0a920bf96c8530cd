// Browser end-to-end test of the Predictions page with an external predictor this test runs on
// loopback, which the leader asks every second: its answer is used (source external), and when it
// fails the page says the local model answered and why. A line needs 15 minutes of samples,
// longer than a test: the rows themselves are checked with the API's answer replaced in the
// browser (the docs' example, and a generatedAt of null, before the leader's first pass).
//
//   npm run build && (cd .. && cargo build --workspace --bins) && node --test e2e/predictions.test.mjs
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { freePort, signIn, startConsole, users, withPage } from './harness.mjs';

/** How the predictor answers the next request: 'ok' (no predictions) or 'fail' (500). */
let predictorMode = 'ok';
const asked = [];
let predictor;

startConsole({
  env: async () => {
    const port = await freePort();
    predictor = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        asked.push({ auth: req.headers.authorization, body: JSON.parse(body) });
        if (predictorMode === 'fail') res.writeHead(500).end('broken');
        else res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ predictions: [] }));
      });
    });
    await new Promise((r) => predictor.listen(port, '127.0.0.1', r));
    return {
      FLEETDECK_PREDICTOR_URL: `http://127.0.0.1:${port}/predict`,
      FLEETDECK_PREDICTOR_SECRET: 'predictor-secret',
      FLEETDECK_OUTBOUND_ALLOW_CIDRS: '127.0.0.0/8',
      FLEETDECK_SAMPLE_INTERVAL: '1s',
      FLEETDECK_PREDICTION_INTERVAL: '1s',
    };
  },
});

after(() => new Promise((r) => predictor.close(r)));

test('the page says whose predictions these are, and why the local model answered when the predictor failed', { timeout: 60_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto('/');
    await signIn(page, users.viewer.token);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Predictions' }).click();
    await page.waitForURL('**/predictions');
    const source = page.getByTestId('predictions-source');
    await source.waitFor();
    assert.equal(await source.getAttribute('data-source'), 'external');
    await page.getByTestId('predictions-empty').waitFor();
    assert.equal(asked.at(-1).auth, 'Bearer predictor-secret');

    // The next pass falls back; the page asks again on a reload.
    predictorMode = 'fail';
    const local = page.locator('[data-testid="predictions-source"][data-source="local"]');
    for (let tries = 0; (await local.count()) === 0; tries++) {
      assert.ok(tries < 20, 'the local model never answered');
      await new Promise((r) => setTimeout(r, 1_000));
      await page.reload();
      await source.waitFor();
    }
    assert.match(await source.innerText(), /fell back to the local model: the external predictor answered an error \(predictor_error_status\)/);
  }),
);

const EXAMPLE = {
  source: 'local',
  generatedAt: null,
  predictions: [
    {
      kind: 'restart_rate_rising',
      object: { cluster: 'prod-eu', namespace: 'shop', kind: 'Deployment', name: 'api' },
      score: 0.969,
      horizon: 5400,
      evidence: { slopePerHour: 4.0, current: 6.0, threshold: 12.0, unit: 'restarts_per_hour', windowSeconds: 21600, points: 3 },
    },
    {
      kind: 'memory_near_limit',
      object: { cluster: 'prod-eu', namespace: 'shop', kind: 'Deployment', name: 'api', container: 'app' },
      score: 1,
      horizon: 0,
      evidence: { slopePerHour: 134217728, current: 1073741824, threshold: 1073741824, unit: 'bytes', windowSeconds: 21600, points: 12 },
    },
    {
      kind: 'node_pressure',
      object: { cluster: 'prod-eu', kind: 'Node', name: 'worker-2' },
      score: 0.965,
      horizon: 6120,
      evidence: { slopePerHour: 0.125, current: 0.6875, threshold: 0.9, unit: 'ratio', windowSeconds: 21600, points: 4, resource: 'memory' },
    },
  ],
};

test('rows show the horizon, the evidence in its unit and link the object; a null generatedAt reads "not computed yet"', { timeout: 60_000 }, (t) =>
  withPage(t, async (page) => {
    await page.route('**/api/predictions**', (route) => route.fulfill({ json: EXAMPLE }));
    await page.goto('/predictions');
    await signIn(page, users.viewer.token);
    const rows = page.getByTestId('prediction-row');
    await rows.first().waitFor();
    assert.match(await page.getByTestId('predictions-source').innerText(), /Not computed yet\./);
    assert.deepEqual(await rows.locator('[data-col="horizon"]').allInnerTexts(), ['in 1 h 30 m', 'crossed', 'in 1 h 42 m']);
    assert.deepEqual(await rows.locator('[data-col="score"]').allInnerTexts(), ['97 %', '100 %', '97 %']);
    const evidence = await rows.locator('[data-col="evidence"]').allInnerTexts();
    assert.match(evidence[0], /^6\/h of 12\/h, \+4\/h per h \(3 points over 6h\)$/);
    assert.match(evidence[1], /^1Gi of 1Gi, \+128Mi\/h/);
    assert.match(evidence[2], /^68\.75 % of 90 %, \+12\.5 %\/h/);
    assert.equal(await rows.nth(2).getByRole('link').getAttribute('href'), '/clusters/prod-eu/resources/core/v1/nodes/worker-2');
    assert.equal(await rows.nth(1).getByRole('link', { name: 'Deployment shop/api (container app)' }).getAttribute('href'), '/clusters/prod-eu/resources/apps/v1/deployments/shop/api');
  }),
);
