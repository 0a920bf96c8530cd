import { describe, expect, it } from 'vitest';
import { documentPathFor, formatPath, groupVersionPath, keyCompletions, kindSchema, schemaAt, summary, validate, valueCompletions, type KindSchema } from './k8sSchema';
import { appsV1, openApiRoot, widgetsV1 } from './testOpenApi';
import { documentAt, documentKind, parseYamlDocuments } from './yamlTree';

function deployment(): KindSchema {
  const kind = kindSchema(appsV1, 'apps/v1', 'Deployment');
  if (!kind) throw new Error('no Deployment schema');
  return kind;
}

/** Each document's diagnostics as `path: message` lines, with the text they point at. */
function diagnose(text: string, documents = { 'apps/v1': appsV1, 'example.com/v1': widgetsV1 }) {
  return parseYamlDocuments(text).flatMap((doc) => {
    const gvk = documentKind(doc);
    const document = gvk && documents[gvk.apiVersion as keyof typeof documents];
    const kind = gvk && document && kindSchema(document, gvk.apiVersion, gvk.kind);
    return kind && doc.root ? validate(kind, doc.root).map((d) => ({ path: formatPath(d.path), message: d.message, at: text.slice(d.from, d.to), severity: d.severity })) : [];
  });
}

const VALID = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: 25%}
  template:
    metadata:
      labels:
        app: web
    spec:
      restartPolicy: Always
      containers:
      - name: web
        image: nginx:1.27
        args: ["--port", "8080"]
        ports:
        - containerPort: 8080
          protocol: TCP
        resources:
          limits: {cpu: 1, memory: 128Mi}
`;

describe('k8sSchema', () => {
  it('finds the group/version document of an apiVersion in the root', () => {
    expect(groupVersionPath('apps/v1')).toBe('apis/apps/v1');
    expect(groupVersionPath('v1')).toBe('api/v1');
    expect(documentPathFor(openApiRoot, 'apps/v1')).toBe('apis/apps/v1');
    expect(documentPathFor(openApiRoot, 'v1')).toBe('api/v1');
    expect(documentPathFor(openApiRoot, 'batch/v1')).toBeNull();
    expect(documentPathFor({}, 'v1')).toBeNull();
  });

  it('finds a kind by x-kubernetes-group-version-kind, and none for a bare object schema or another kind', () => {
    expect(deployment().schema.description).toMatch(/^Deployment enables/);
    expect(kindSchema(appsV1, 'apps/v1', 'StatefulSet')).toBeNull();
    expect(kindSchema(appsV1, 'apps/v2', 'Deployment')).toBeNull();
    expect(kindSchema(widgetsV1, 'example.com/v1', 'Gadget')).toBeNull();
    expect(kindSchema(widgetsV1, 'example.com/v1', 'Widget')).not.toBeNull();
  });

  it('follows allOf-wrapped and plain refs, items and additionalProperties down a path', () => {
    const kind = deployment();
    const container = schemaAt(kind, ['spec', 'template', 'spec', 'containers', 0]);
    expect(container?.required).toEqual(['name']);
    expect(Object.keys(container?.properties ?? {})).toContain('imagePullPolicy');
    // The field's own description wins over the referenced schema's.
    expect(schemaAt(kind, ['spec', 'template'])?.description).toBe('Template describes the pods that will be created.');
    expect(schemaAt(kind, ['spec', 'selector', 'matchLabels', 'app'])?.type).toBe('string');
    expect(schemaAt(kind, ['spec', 'template', 'spec', 'containers', 0, 'resources', 'limits', 'cpu'])?.format).toBe('quantity');
    expect(schemaAt(kind, ['spec', 'nosuch'])).toBeNull();
    expect(schemaAt(kind, ['spec', 'replicas', 'deeper'])).toBeNull();
  });

  it('completes property names with type and first description line, required first', () => {
    const spec = keyCompletions(deployment(), ['spec']);
    expect(spec.map((c) => c.label)).toEqual(['selector', 'template', 'paused', 'replicas', 'strategy']);
    expect(spec.find((c) => c.label === 'replicas')).toEqual({ label: 'replicas', detail: 'integer', info: 'Number of desired pods.', required: false });
    expect(spec.find((c) => c.label === 'template')?.detail).toBe('object');
    const container = keyCompletions(deployment(), ['spec', 'template', 'spec', 'containers', 0]);
    expect(container[0]).toMatchObject({ label: 'name', detail: 'string', required: true });
    expect(container.find((c) => c.label === 'ports')?.detail).toBe('[]object');
    expect(container.find((c) => c.label === 'args')?.detail).toBe('[]string');
    expect(keyCompletions(deployment(), ['spec', 'strategy', 'rollingUpdate']).map((c) => c.detail)).toEqual(['int-or-string', 'int-or-string']);
    // A custom resource's top has apiVersion, kind and metadata even when its schema leaves them out.
    const widget = kindSchema(widgetsV1, 'example.com/v1', 'Widget');
    expect(widget && keyCompletions(widget, []).map((c) => c.label)).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
  });

  it('completes enum values and booleans', () => {
    expect(valueCompletions(deployment(), ['spec', 'strategy', 'type']).map((c) => c.label)).toEqual(['Recreate', 'RollingUpdate']);
    expect(valueCompletions(deployment(), ['spec', 'paused']).map((c) => c.label)).toEqual(['true', 'false']);
    expect(valueCompletions(deployment(), ['spec', 'replicas'])).toEqual([]);
  });

  it('takes the first line of a description', () => {
    expect(summary('Type of deployment. Can be "Recreate".\n\nPossible enum values')).toBe('Type of deployment.');
    expect(summary('One line')).toBe('One line');
    expect(summary(undefined)).toBe('');
  });

  it('accepts a valid Deployment, int-or-string and quantities included', () => {
    expect(diagnose(VALID)).toEqual([]);
  });

  it('reports unknown fields, wrong types, enum mismatches and missing required fields, each with its path', () => {
    const text = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  lables: {app: web}
spec:
  replicas: two
  paused: "yes"
  strategy:
    type: Rolling
    rollingUpdate: {maxSurge: 1.5}
  template:
    spec:
      containers:
      - image: nginx
        imagePullPolicy: Sometimes
        ports:
        - containerPort: "80"
      - name: side
        args: --x
`;
    expect(diagnose(text)).toEqual([
      { path: 'metadata.lables', message: 'metadata.lables: unknown field "lables"', at: 'lables', severity: 'error' },
      { path: 'spec.replicas', message: 'spec.replicas: expected integer, found string', at: 'two', severity: 'error' },
      { path: 'spec.paused', message: 'spec.paused: expected boolean, found string', at: '"yes"', severity: 'error' },
      { path: 'spec.strategy.type', message: 'spec.strategy.type: must be one of Recreate, RollingUpdate', at: 'Rolling', severity: 'error' },
      { path: 'spec.strategy.rollingUpdate.maxSurge', message: 'spec.strategy.rollingUpdate.maxSurge: expected int-or-string, found number', at: '1.5', severity: 'error' },
      { path: 'spec.template.spec.containers[0].imagePullPolicy', message: 'spec.template.spec.containers[0].imagePullPolicy: must be one of Always, IfNotPresent, Never', at: 'Sometimes', severity: 'error' },
      { path: 'spec.template.spec.containers[0].ports[0].containerPort', message: 'spec.template.spec.containers[0].ports[0].containerPort: expected integer, found string', at: '"80"', severity: 'error' },
      { path: 'spec.template.spec.containers[0]', message: 'spec.template.spec.containers[0]: missing required field "name"', at: 'image', severity: 'warning' },
      { path: 'spec.template.spec.containers[1].args', message: 'spec.template.spec.containers[1].args: expected []string, found string', at: '--x', severity: 'error' },
      { path: 'spec', message: 'spec: missing required field "selector"', at: 'spec', severity: 'warning' },
    ]);
  });

  it('validates each document of a multi-document text against its own kind', () => {
    const text = `apiVersion: example.com/v1
kind: Widget
metadata: {name: w, labels: {a: b}}
spec:
  size: 3
  port: http
  extra: {anything: [1, 2]}
  colour: red
---
apiVersion: apps/v1
kind: Deployment
spec:
  replicas: 1
  selector: {}
  template: {}
  colour: red
---
apiVersion: example.com/v1
kind: Gadget
spec: {whatever: 1}
---
apiVersion: example.com/v1
kind: Widget
spec: {port: 80}
`;
    expect(diagnose(text).map((d) => d.message)).toEqual([
      'spec.colour: unknown field "colour"',
      'spec.colour: unknown field "colour"',
      'spec: missing required field "size"',
    ]);
    const documents = parseYamlDocuments(text);
    expect(documents.map((d) => documentKind(d)?.kind)).toEqual(['Widget', 'Deployment', 'Gadget', 'Widget']);
    expect(documentKind(documentAt(documents, text.indexOf('replicas'))!)?.kind).toBe('Deployment');
  });

  it('has nothing to say about a document with a null value or without a kind', () => {
    expect(diagnose('apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas:\n  selector: {}\n  template: {}\n')).toEqual([]);
    expect(diagnose('foo: bar\n')).toEqual([]);
    expect(diagnose('')).toEqual([]);
  });
});
