import { describe, expect, it } from 'vitest';
import { cursorContext, keyPathAt, parseYamlDocuments, plainScalar } from './yamlTree';

/** cursorContext at the `|` in `marked` (the bar removed). */
function at(marked: string) {
  const pos = marked.indexOf('|');
  const text = marked.slice(0, pos) + marked.slice(pos + 1);
  const context = cursorContext(text, pos);
  return context && { ...context, word: text.slice(context.from, pos) };
}

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
spec:
  replicas: 1
  template:
    spec:
      containers:
      - name: web
        image: nginx
`;

describe('yamlTree', () => {
  it('reads scalars as YAML 1.2 core does', () => {
    expect(['', '~', 'null', 'true', 'False', '42', '-7', '0x1F', '1.5', '1e3', '25%', '1.27', 'nginx:1.27', 'yes'].map(plainScalar)).toEqual([
      null, null, null, true, false, 42, -7, 31, 1.5, 1000, '25%', 1.27, 'nginx:1.27', 'yes',
    ]);
  });

  it('parses documents into mappings, sequences and scalars with positions', () => {
    const text = "a: 'x'\nb: [1, {c: true}]\nd:\n  - e\n  -\ne: |\n  text\n---\nf: 1\n";
    const documents = parseYamlDocuments(text);
    expect(documents).toHaveLength(2);
    const root = documents[0].root;
    expect(root?.type).toBe('mapping');
    if (root?.type !== 'mapping') return;
    expect(root.entries.map((e) => e.key)).toEqual(['a', 'b', 'd', 'e']);
    expect(root.entries[0].value).toMatchObject({ type: 'scalar', value: 'x' });
    expect(text.slice(root.entries[0].value.from, root.entries[0].value.to)).toBe("'x'");
    expect(root.entries[1].value).toMatchObject({ type: 'sequence', items: [{ type: 'scalar', value: 1 }, { type: 'mapping', entries: [{ key: 'c', value: { value: true } }] }] });
    expect(root.entries[2].value).toMatchObject({ type: 'sequence', items: [{ value: 'e' }, { value: null }] });
    expect(root.entries[3].value).toMatchObject({ type: 'scalar' });
    expect(documents[1].root).toMatchObject({ type: 'mapping', entries: [{ key: 'f', value: { value: 1 } }] });
  });

  it('finds the path of the key under a position', () => {
    const root = parseYamlDocuments(DEPLOYMENT)[0].root;
    expect(keyPathAt(root, DEPLOYMENT.indexOf('image') + 2)).toEqual(['spec', 'template', 'spec', 'containers', 0, 'image']);
    expect(keyPathAt(root, DEPLOYMENT.indexOf('replicas'))).toEqual(['spec', 'replicas']);
    expect(keyPathAt(root, DEPLOYMENT.indexOf('nginx') + 1)).toBeNull();
  });

  it('tells a key being typed and the mapping it goes in, from the indentation', () => {
    expect(at('apiVersion: v1\nki|')).toEqual({ mode: 'key', path: [], from: 15, word: 'ki' });
    expect(at(`${DEPLOYMENT}  sel|`)).toMatchObject({ mode: 'key', path: ['spec'], word: 'sel' });
    expect(at(`${DEPLOYMENT}        ima|`)).toMatchObject({ mode: 'key', path: ['spec', 'template', 'spec', 'containers', 0], word: 'ima' });
    expect(at(`${DEPLOYMENT}      - na|`)).toMatchObject({ mode: 'key', path: ['spec', 'template', 'spec', 'containers', 0], word: 'na' });
    expect(at(`${DEPLOYMENT}      |`)).toMatchObject({ mode: 'key', path: ['spec', 'template', 'spec'], word: '' });
    // A key typed where the line above opens a mapping.
    expect(at('spec:\n  template:\n    |\n')).toMatchObject({ mode: 'key', path: ['spec', 'template'] });
    expect(at('spec:\n  containers:\n    - ports:\n      - |')).toMatchObject({ mode: 'key', path: ['spec', 'containers', 0, 'ports', 0] });
    expect(at('items:\n-\n  na|')).toMatchObject({ mode: 'key', path: ['items', 0] });
    // Comments and blank lines between are skipped; a document mark starts over.
    expect(at('a: 1\nspec:\n  # note\n\n  x: 1\n  |')).toMatchObject({ path: ['spec'] });
    expect(at('spec:\n  a: 1\n---\nki|')).toMatchObject({ path: [] });
  });

  it("tells a key's value being typed", () => {
    expect(at(`${DEPLOYMENT}        imagePullPolicy: Al|`)).toMatchObject({ mode: 'value', path: ['spec', 'template', 'spec', 'containers', 0, 'imagePullPolicy'], word: 'Al' });
    expect(at('spec:\n  paused: |')).toMatchObject({ mode: 'value', path: ['spec', 'paused'], word: '' });
    expect(at('spec:\n  type: "Re|')).toMatchObject({ mode: 'value', word: 'Re' });
  });

  it('has no context in a comment, a flow collection or a broken indentation', () => {
    expect(at('spec: # a |')).toBeNull();
    expect(at('spec: {a|')).toBeNull();
    expect(at('spec: 1\n  a|')).toBeNull();
  });
});
