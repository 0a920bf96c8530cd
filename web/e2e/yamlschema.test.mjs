// Browser end-to-end test of the YAML editor's schema support: a custom resource's YAML tab
// completes and checks the text from the CRD's schema, which kubesim serves in its OpenAPI v3
// (its built-in kinds have a bare schema: no completion, no marks).
//
//   npm run build && (cd .. && cargo build --workspace --bins) && node --test e2e/yamlschema.test.mjs
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataDir, signIn, startConsole, startSimulatedCluster, users, withPage } from './harness.mjs';

const cluster = 'schemas';

const FIXTURES = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size: {type: integer, description: How big the widget is.}
              color: {type: string, enum: [red, green, blue], description: The widget's color.}
              port: {x-kubernetes-int-or-string: true, description: Where it listens.}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w1, namespace: default}
spec: {size: 1, color: red}
`;

startConsole({ env: { FLEETDECK_WRITE_ACTIONS_ENABLED: 'true' } });

before(async () => {
  const fixtures = join(dataDir, 'widgets.yaml');
  writeFileSync(fixtures, FIXTURES);
  await startSimulatedCluster(cluster, ['--fixtures', fixtures]);
});

const WIDGET = 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w1\n  namespace: default\nspec:\n  size: 2\n';

test("the YAML tab marks a misspelled field and completes the schema's fields and enum values", { timeout: 60_000 }, (t) =>
  withPage(t, async (page) => {
    await page.goto(`/clusters/${cluster}/resources/example.com/v1/widgets/default/w1?tab=yaml`);
    await signIn(page, users.admin.token);
    const panel = page.getByRole('region', { name: 'YAML' });
    const editor = panel.getByRole('textbox', { name: 'YAML' });
    await editor.filter({ hasText: 'color: red' }).waitFor();

    // A misspelled field: marked in the text and listed under it with its path.
    await editor.click();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.insertText(`${WIDGET}  colr: red\n`);
    await panel.locator('.cm-lintRange-error').filter({ hasText: 'colr' }).waitFor();
    assert.deepEqual(await panel.locator('.cm-panel-lint .cm-diagnosticText').allInnerTexts(), ['spec.colr: unknown field "colr"']);
    // A field's description on hover.
    await panel.locator('.cm-line', { hasText: 'size: 2' }).hover({ position: { x: 24, y: 6 } });
    await page.locator('.code-editor-hover', { hasText: 'How big the widget is.' }).waitFor();
    await editor.click();

    // Keys at the cursor: the schema's properties, the required one first, with their types.
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.insertText(`${WIDGET}  `);
    await page.keyboard.press('Control+Space');
    const completions = panel.locator('.cm-tooltip-autocomplete');
    await completions.waitFor();
    assert.deepEqual(await completions.locator('.cm-completionLabel').allInnerTexts(), ['size', 'color', 'port']);
    assert.deepEqual(await completions.locator('.cm-completionDetail').allInnerTexts(), ['integer', 'string', 'int-or-string']);
    // Typing narrows them; taking one writes the key, and the value then completes from the enum.
    await page.keyboard.type('co');
    // Taken with the mouse: CodeMirror ignores Enter for a moment after the list changes (its
    // interactionDelay), and an ignored Enter types a newline instead.
    await completions.locator('li', { has: page.locator('.cm-completionLabel', { hasText: /^color$/ }) }).click();
    await editor.filter({ hasText: 'color:' }).waitFor();
    await page.keyboard.press('Control+Space');
    await completions.locator('.cm-completionLabel', { hasText: 'green' }).waitFor();
    assert.deepEqual(await completions.locator('.cm-completionLabel').allInnerTexts(), ['blue', 'green', 'red']);
    await page.keyboard.press('Escape');
    // The misspelling is gone, and so are its marks.
    await panel.locator('.cm-lintRange').first().waitFor({ state: 'detached' });

    // A kind without a schema (kubesim's built-in kinds have a bare one): plain YAML, no marks.
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.insertText('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nbogus: 1\n---\napiVersion: example.com/v1\nkind: Widget\nspec: {size: big}\n');
    await panel.locator('.cm-lintRange-error').filter({ hasText: 'big' }).waitFor();
    assert.deepEqual(await panel.locator('.cm-panel-lint .cm-diagnosticText').allInnerTexts(), ['spec.size: expected integer, found string']);
  }),
);
