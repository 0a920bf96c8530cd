import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/types';
import { highlightSegments, matches } from './highlight';
import { appendLines, countMatchingLines, decodeLogEvent, hasLogs, logContainers, logsPath, podColour, podsInOrder, POD_COLOURS, visibleLines, type LogLine } from './logs';

const pods = { group: '', version: 'v1', resource: 'pods' };
const deployments = { group: 'apps', version: 'v1', resource: 'deployments' };
const options = { container: 'web', previous: false, timestamps: false, tailLines: 500 };
const line = (seq: number, text: string, pod = 'web-1'): LogLine => ({ seq, pod, container: 'web', line: text });

describe('highlightSegments', () => {
  it('cuts every match out, in any case', () => {
    expect(highlightSegments('GET /healthz 200 get', 'get')).toEqual([
      { text: 'GET', match: true },
      { text: ' /healthz 200 ', match: false },
      { text: 'get', match: true },
    ]);
    expect(highlightSegments('aaa', 'aa')).toEqual([
      { text: 'aa', match: true },
      { text: 'a', match: false },
    ]);
    expect(highlightSegments('plain', '')).toEqual([{ text: 'plain', match: false }]);
    expect(highlightSegments('', 'x')).toEqual([{ text: '', match: false }]);
    expect(matches('Error: boom', 'error')).toBe(true);
    expect(matches('anything', '')).toBe(false);
  });
});

describe('logs', () => {
  it('has logs for pods and the workloads the server reads together', () => {
    expect(hasLogs(pods)).toBe(true);
    expect(hasLogs(deployments)).toBe(true);
    expect(hasLogs({ group: 'batch', version: 'v1', resource: 'jobs' })).toBe(true);
    expect(hasLogs({ group: 'apps', version: 'v1', resource: 'replicasets' })).toBe(false);
    expect(hasLogs({ group: '', version: 'v1', resource: 'services' })).toBe(false);
  });

  it('asks for a pod or a workload, following unless previous', () => {
    expect(logsPath('a', pods, 'shop', 'web-1', options)).toBe('/api/clusters/a/pods/shop/web-1/logs?container=web&tailLines=500&follow=true');
    expect(logsPath('a', deployments, 'shop', 'web', { ...options, container: null, timestamps: true })).toBe(
      '/api/clusters/a/resources/apps/v1/deployments/shop/web/logs?tailLines=500&timestamps=true&follow=true',
    );
    expect(logsPath('a', pods, 'shop', 'db', { ...options, previous: true })).toBe('/api/clusters/a/pods/shop/db/logs?container=web&tailLines=500&previous=true&follow=false');
    expect(logsPath('a', pods, 'shop', 'db', options, true)).toBe('/api/clusters/a/pods/shop/db/logs?container=web&tailLines=500&download=true');
  });

  it('decodes the stream frames', () => {
    expect(decodeLogEvent('log', { pod: 'p', container: 'c', line: 'hi', timestamp: '2026-01-01T00:00:00Z' })).toEqual({
      type: 'line',
      pod: 'p',
      container: 'c',
      line: 'hi',
      timestamp: '2026-01-01T00:00:00Z',
    });
    expect(decodeLogEvent('log', { pod: 'p' })).toBeNull();
    expect(decodeLogEvent('end', {})).toEqual({ type: 'end' });
    expect(decodeLogEvent('error', { message: 'container not found' })).toEqual({ type: 'error', message: 'container not found' });
    expect(decodeLogEvent('ping', {})).toBeNull();
  });

  it('keeps the newest lines', () => {
    const kept = appendLines([line(1, 'a'), line(2, 'b')], [line(3, 'c'), line(4, 'd')], 3);
    expect(kept.map((l) => l.seq)).toEqual([2, 3, 4]);
  });

  it('shows only matching lines when asked, and counts them', () => {
    const lines = [line(1, 'GET / 200'), line(2, 'POST / 500'), line(3, 'get /x 200')];
    expect(visibleLines(lines, 'get', true).map((l) => l.seq)).toEqual([1, 3]);
    expect(visibleLines(lines, 'get', false)).toBe(lines);
    expect(visibleLines(lines, '', true)).toBe(lines);
    expect(countMatchingLines(lines, '200')).toBe(2);
  });

  it('gives each pod its colour in order of appearance', () => {
    const lines = [line(1, 'a', 'web-b'), line(2, 'b', 'web-a'), line(3, 'c', 'web-b')];
    const order = podsInOrder(lines);
    expect(order).toEqual(['web-b', 'web-a']);
    expect(podColour(order, 'web-b')).toBe(0);
    expect(podColour(order, 'web-a')).toBe(1);
    expect(podColour(order, 'new')).toBe(2);
    const many = Array.from({ length: POD_COLOURS + 1 }, (_, i) => `p${i}`);
    expect(podColour(many, `p${POD_COLOURS}`)).toBe(0);
  });

  it('lists the containers of pods, templates and cron jobs, init containers first', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { initContainers: [{ name: 'init' }], containers: [{ name: 'web' }, { name: 'sidecar' }] } } as KubeObject;
    expect(logContainers(pod)).toEqual([
      { name: 'init', init: true },
      { name: 'web', init: false },
      { name: 'sidecar', init: false },
    ]);
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: { spec: { containers: [{ name: 'app' }] } } } } as KubeObject;
    expect(logContainers(deployment)).toEqual([{ name: 'app', init: false }]);
    const cronJob = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'run' }] } } } } } } as KubeObject;
    expect(logContainers(cronJob)).toEqual([{ name: 'run', init: false }]);
    expect(logContainers({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: {} } as KubeObject)).toEqual([]);
  });
});
