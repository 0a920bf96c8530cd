import { describe, expect, it } from 'vitest';
import { comparableYaml, toYaml } from './toYaml';

describe('toYaml', () => {
  it('writes maps and lists as block YAML, lists at their key', () => {
    const object = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: { replicas: 3, paused: false, template: { spec: { containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] } } },
    };
    expect(toYaml(object)).toBe(
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata:',
        '  name: web',
        '  labels:',
        '    app: web',
        'spec:',
        '  replicas: 3',
        '  paused: false',
        '  template:',
        '    spec:',
        '      containers:',
        '      - name: web',
        '        image: nginx:1.27',
        '        ports:',
        '        - containerPort: 80',
        '',
      ].join('\n'),
    );
  });

  it('quotes strings YAML would read as something else', () => {
    expect(toYaml({ a: 'true', b: '3', c: '', d: 'x: y', e: 'two\nlines', f: 'ok text', g: null, h: '*', i: '-1' })).toBe(
      'a: "true"\nb: "3"\nc: ""\nd: "x: y"\ne: "two\\nlines"\nf: ok text\ng: null\nh: "*"\ni: "-1"\n',
    );
  });

  it('writes empty maps and lists inline, and lists of lists', () => {
    expect(toYaml({ a: {}, b: [], c: [[1, 2], []] })).toBe('a: {}\nb: []\nc:\n- - 1\n  - 2\n- []\n');
    expect(toYaml({})).toBe('{}\n');
  });

  it('leaves the field ownership out of a compared object', () => {
    expect(comparableYaml({ metadata: { name: 'a', managedFields: [{ manager: 'kubectl' }] } })).toBe('metadata:\n  name: a\n');
  });
});
