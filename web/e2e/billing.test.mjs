// Browser end-to-end test of billing: an admin adds a plan in the console and orders it for a
// tenant; this server has no Stripe, so the order waits until the admin marks it paid, and then
// entitles the tenant. The month's invoice (its CSV too) and the usage chart show usage ingested
// through the API; last month's invoice is issued.
//
//   npm run build && (cd .. && cargo build --workspace --bins) && node --test e2e/billing.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signIn, startConsole, users, withPage } from './harness.mjs';

startConsole();

const asAdmin = { Authorization: `Bearer ${users.admin.token}` };

test('an admin sells a plan to a tenant, marks the order paid and reads the invoice and usage', { timeout: 120_000 }, (t) =>
  withPage(t, async (page) => {
    // The tenant and an hour of its storage, through the API as an admin would script them.
    const created = await page.request.post('/api/tenants', { headers: asAdmin, data: { name: 'acme', displayName: 'Acme Inc.' } });
    assert.equal(created.status(), 201, await created.text());
    const tenantId = (await created.json()).id;
    const hour = new Date();
    hour.setUTCMinutes(0, 0, 0);
    const at = hour.toISOString().replace('.000Z', 'Z');
    const [month, day] = [at.slice(0, 7), at.slice(0, 10)];
    const ingested = await page.request.post('/api/usage/ingest', {
      headers: asAdmin,
      data: { records: [{ hour: at, tenantId, source: 'e2e', resource: 'storage', unit: 'GiB-hours', quantity: '12.5' }] },
    });
    assert.equal(ingested.status(), 200, await ingested.text());

    await page.goto('/');
    await signIn(page, users.admin.token);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Billing' }).click();
    await page.waitForURL('**/billing');

    // A plan, first refused by the form's own check.
    const planForm = page.getByRole('form', { name: 'New plan' });
    await planForm.getByLabel('Name', { exact: true }).fill('starter');
    await planForm.getByLabel('Display name').fill('Starter');
    await planForm.getByLabel('Price').fill('0');
    await planForm.getByRole('button', { name: 'Add plan' }).click();
    assert.match(await planForm.getByRole('alert').innerText(), /The price must be above 0/);
    await planForm.getByLabel('Price').fill('19.90');
    await planForm.getByLabel('CPU requests').fill('2');
    await planForm.getByLabel('Pods').fill('20');
    await planForm.getByRole('button', { name: 'Add plan' }).click();
    await page.getByTestId('plan-row').filter({ hasText: 'starter' }).waitFor();

    // Ordered for the tenant (the only one, so the one shown): no Stripe, so it stays pending.
    await page.getByTestId('plan-offer').filter({ hasText: 'Starter' }).getByRole('button', { name: 'Order' }).click();
    await page.getByTestId('stripe-not-configured').getByText('An admin marks this order paid.').waitFor();
    const pending = page.locator('[data-testid="order-row"][data-status="pending"]');
    await pending.waitFor();
    assert.match(await pending.innerText(), /Starter\s+19\.90? USD\s+pending/);
    await pending.getByRole('button', { name: 'Mark paid' }).click();
    const paid = page.locator('[data-testid="order-row"][data-status="paid"]');
    await paid.waitFor();
    assert.equal(await paid.getAttribute('data-in-force'), 'true');
    assert.match(await paid.innerText(), /paid\s+via manual\s+in force/);
    assert.equal(await pending.count(), 0);
    assert.equal(await page.getByTestId('stripe-not-configured').count(), 0);

    // The paid order entitles the tenant to what the plan names; the rest is not limited.
    const field = (name) => page.locator(`[data-testid="entitlement-field"][data-field="${name}"]`);
    await field('requestsCpu').getByText('CPU requests: 0 of 2').waitFor();
    assert.match(await field('pods').innerText(), /Pods: 0 of 20/);
    assert.match(await field('limitsMemory').innerText(), /Memory limits: 0 · not limited/);
    assert.equal(await field('requestsCpu').getByRole('meter').getAttribute('aria-valuenow'), '0');

    // This month's invoice: a draft with the ingested storage, its CSV a plain download.
    const invoice = page.getByRole('region', { name: 'Invoice' });
    await invoice.getByText('draft', { exact: true }).waitFor();
    const storageLine = invoice.locator('[data-testid="invoice-line"][data-resource="storage"]');
    assert.match(await storageLine.innerText(), /the tenant's own\s+storage\s+12\.5 GiB-hours/);
    assert.equal(await invoice.getByRole('button', { name: 'Issue invoice' }).count(), 0, 'the month is not over');
    const csvLink = invoice.getByRole('link', { name: 'Download CSV' });
    const href = await csvLink.getAttribute('href');
    assert.equal(href, `/api/invoices/${tenantId}/csv?month=${month}`);
    assert.notEqual(await csvLink.getAttribute('download'), null);
    const csv = await page.request.get(href);
    assert.equal(csv.status(), 200);
    assert.match(csv.headers()['content-type'], /^text\/csv/);
    assert.match(await csv.text(), /storage/);

    // The usage chart: a bar per day of the month, the ingested hour on its day.
    const storageChart = page.locator('[data-testid="usage-chart"][data-resource="storage"]');
    assert.equal(await storageChart.locator(`rect[data-period="${day}"]`).getAttribute('data-quantity'), '12.5');
    const days = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5)), 0)).getUTCDate();
    assert.equal(await storageChart.locator('rect').count(), days);
    assert.equal(await page.locator('[data-testid="usage-chart"][data-resource="cpu"] rect[data-quantity="0"]').count(), days);

    // Last month has no usage, and is over: its invoice can be issued.
    const last = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5)) - 2, 1)).toISOString().slice(0, 7);
    await page.getByLabel('Month').fill(last);
    await page.waitForURL((url) => url.searchParams.get('month') === last);
    await invoice.getByRole('heading', { name: `Invoice of ${last}` }).waitFor();
    await page.locator(`[data-testid="usage-chart"][data-resource="cpu"] rect[data-period="${last}-01"]`).waitFor({ state: 'attached' });
    assert.equal(await storageChart.count(), 0);
    page.once('dialog', (dialog) => void dialog.accept());
    await invoice.getByRole('button', { name: 'Issue invoice' }).click();
    await invoice.getByText('issued', { exact: true }).waitFor();
    assert.equal(await invoice.getByTestId('invoice-number').innerText(), `No. acme-${last}`);
    assert.equal(await invoice.getByRole('button', { name: 'Issue invoice' }).count(), 0);
  }),
);

test('the nav has Billing next to Tenants, and Stripe\'s return is told', { timeout: 60_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto('/');
    await signIn(page, users.admin.token);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.waitFor();
    const links = await nav.getByRole('link').allInnerTexts();
    assert.equal(links[links.indexOf('Tenants') + 1], 'Billing');

    await page.goto('/billing?checkout=canceled');
    assert.equal(await page.getByTestId('checkout-notice').innerText(), 'Checkout was canceled.');
    await page.goto('/billing?checkout=success');
    assert.equal(await page.getByTestId('checkout-notice').innerText(), 'Payment received; the order is marked paid when Stripe confirms it.');
  }),
);
