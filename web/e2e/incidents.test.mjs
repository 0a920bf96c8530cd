// Browser end-to-end test of the incident workbench: an operator opens an incident from the
// shop fixture's crash-looping pod shop/db-1, works its runbook's steps, adds a note, replays the
// timeline, downloads the evidence, resolves it and writes the postmortem; a viewer only reads.
//
//   npm run build && (cd .. && cargo build --workspace --bins) && node --test e2e/incidents.test.mjs
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baseURL, signIn, startConsole, startSimulatedCluster, users, withPage } from './harness.mjs';

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'tests', 'kubesim', 'tests', 'fixtures', 'shop.yaml');
/** The monitor analyzes the cluster a few seconds after registration; the pages ask again every 10 s. */
const FINDING_APPEARS_MS = 45_000;
const FINDING = 'Container db is crash-looping';
let incidentPath;

startConsole();

before(async () => {
  await startSimulatedCluster('shop', ['--fixtures', fixtures]);
  const runbook = await fetch(`${baseURL}/api/memory/runbooks`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${users.operator.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ title: 'Crash loops', classes: ['pod_crash_loop'], body: '- [ ] Read the previous log\n- [ ] Restart the pod\n' }),
  });
  assert.equal(runbook.status, 201, await runbook.text());
});

test('an operator opens an incident from a finding, works it, resolves it and writes its postmortem', { timeout: 150_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto('/findings?cluster=shop&name=db-1&class=pod_crash_loop');
    await signIn(page, users.operator.token);
    const row = page.getByTestId('finding-row').filter({ hasText: FINDING });
    await row.waitFor({ timeout: FINDING_APPEARS_MS });
    await row.getByRole('button', { name: FINDING }).click();
    await page.getByTestId('finding-evidence').getByRole('button', { name: 'Open incident' }).click();

    await page.waitForURL(/\/incidents\/[^/]+$/);
    incidentPath = new URL(page.url()).pathname;
    assert.equal(await page.getByTestId('incident-title').innerText(), FINDING);
    const summary = page.getByTestId('incident-summary');
    assert.match(await summary.innerText(), /critical/);
    await summary.getByRole('link', { name: 'Crash loops' }).waitFor();
    assert.equal(await page.getByTestId('step-progress').innerText(), '0 of 2 done');
    assert.deepEqual(await page.getByTestId('incident-step').locator('strong').allInnerTexts(), ['Read the previous log', 'Restart the pod']);
    await page.getByRole('table', { name: 'Findings of this incident' }).getByText(FINDING).waitFor();

    await page.getByLabel('State of step 1').selectOption('done');
    await page.getByTestId('step-progress').getByText('1 of 2 done').waitFor();
    const stepNote = page.getByRole('form', { name: 'Note of step 2' });
    await stepNote.getByPlaceholder('Note').fill('waiting for the disk');
    await stepNote.getByRole('button', { name: 'Save note' }).click();
    await stepNote.getByRole('button', { name: 'Save note' }).and(page.locator(':disabled')).waitFor();

    const notes = page.getByRole('form', { name: 'Add a note' });
    await notes.getByLabel('Note (Markdown)').fill('The **data directory** is full.');
    await notes.getByRole('button', { name: 'Add note' }).click();
    const note = page.getByTestId('incident-note');
    await note.locator('strong', { hasText: 'data directory' }).waitFor();

    // The timeline has the finding, the note and what happened to the incident; sources can be hidden.
    const timeline = page.getByRole('table', { name: 'Timeline entries' });
    await timeline.locator('[data-source="note"]').waitFor();
    for (const source of ['finding', 'incident']) assert.ok((await timeline.locator(`[data-source="${source}"]`).count()) > 0, source);
    await page.getByRole('region', { name: 'Timeline' }).getByLabel('note').uncheck();
    assert.equal(await timeline.locator('[data-source="note"]').count(), 0);

    // The replay walks the entries; at the start nothing has happened.
    await page.reload();
    const replay = page.getByRole('region', { name: 'Replay' });
    await replay.getByTestId('replay-state').waitFor();
    const total = await replay.getByRole('table', { name: 'Replay entries' }).getByTestId('timeline-entry').count();
    assert.ok(total >= 4, `${total} replay entries`);
    assert.match(await replay.getByTestId('replay-state').innerText(), new RegExp(`^${total} of ${total} · open · 1 open finding · 1 of 2 steps done`));
    await replay.getByLabel('Replay position').fill('0');
    assert.equal(await replay.getByTestId('replay-state').innerText(), `0 of ${total} · before anything happened`);
    assert.equal(await replay.getByTestId('timeline-entry').count(), 0);

    // The evidence downloads with the session: JSON and Markdown.
    const markdownHref = await page.getByTestId('incident-summary').getByRole('link', { name: 'Markdown' }).getAttribute('href');
    const markdown = await page.request.get(markdownHref);
    assert.equal(markdown.status(), 200);
    assert.match(markdown.headers()['content-type'], /^text\/markdown/);
    assert.match(markdown.headers()['content-disposition'], /^attachment; filename=/);
    const text = await markdown.text();
    assert.ok(text.includes(FINDING) && text.includes('The **data directory** is full.'), text);
    const json = await (await page.request.get(await page.getByTestId('incident-summary').getByRole('link', { name: 'JSON' }).getAttribute('href'))).json();
    assert.equal(json.incident.title, FINDING);

    const resolveForm = page.getByRole('form', { name: 'Resolve' });
    await resolveForm.getByLabel('What ended it (Markdown)').fill('Grew the volume.');
    await resolveForm.getByRole('button', { name: 'Resolve incident' }).click();
    await page.getByTestId('incident-state').getByText('resolved').waitFor();
    assert.equal(await page.getByRole('form', { name: 'Resolve' }).count(), 0);
    assert.equal(await page.getByLabel('State of step 2').count(), 0, 'a resolved incident is read-only');

    const postmortem = page.getByRole('region', { name: 'Postmortem' });
    await postmortem.getByRole('button', { name: 'Write postmortem' }).click();
    const editor = page.getByRole('form', { name: 'Postmortem editor' });
    await editor.getByRole('button', { name: 'Save postmortem' }).click();
    assert.equal(await editor.getByRole('alert').innerText(), 'A postmortem needs a summary.');
    await editor.getByLabel('Summary (Markdown)').fill('The shop database was down.');
    await editor.getByLabel('Root cause (Markdown)').fill('The data volume filled up.');
    await editor.getByRole('button', { name: 'Add action' }).click();
    await editor.getByLabel('Action 1').fill('Alert on volume usage');
    await editor.getByLabel('Owner').fill('sre');
    await editor.getByRole('button', { name: 'Save postmortem' }).click();
    await postmortem.getByTestId('postmortem-action').getByText('Alert on volume usage').waitFor();
    assert.match(await postmortem.getByTestId('postmortem').innerText(), /The shop database was down\.[\s\S]*The data volume filled up\./);

    // Resolved, it leaves the default list (open incidents) and is in the list of all.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Incidents' }).click();
    await page.getByText('No incidents match.').waitFor();
    const filters = page.getByRole('form', { name: 'Incident filters' });
    await filters.getByLabel('State').selectOption('');
    await filters.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL((url) => url.searchParams.get('state') === 'all');
    const listed = page.getByTestId('incident-row').filter({ hasText: FINDING });
    assert.equal(await listed.locator('[data-col="state"]').innerText(), 'resolved');
  }),
);

test('a viewer reads an incident but cannot work it', { timeout: 60_000 }, (t) =>
  withPage(t, async (page) => {
    assert.ok(incidentPath, 'the first test opened an incident');
    await page.goto(incidentPath);
    await signIn(page, users.viewer.token);
    await page.getByTestId('incident-title').getByText(FINDING).waitFor();
    await page.getByTestId('postmortem').waitFor();
    assert.equal(await page.getByRole('form', { name: 'Add a note' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Edit postmortem' }).count(), 0);
  }),
);
