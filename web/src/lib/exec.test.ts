import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client';
import { closeFrame, endText, execCheck, execPath, isLast, openSessions, parseServerFrame, refusalText, resizeFrame, socketUrl, stdinFrame } from './exec';

describe('exec', () => {
  it('builds the route with the container, each command argument and tty', () => {
    expect(execPath('prod eu', 'shop', 'web-1', { container: null, command: [], tty: false })).toBe('/api/clusters/prod%20eu/pods/shop/web-1/exec');
    expect(execPath('prod', 'shop', 'web-1', { container: 'proxy', command: ['sh', '-c', 'echo hi'], tty: true })).toBe(
      '/api/clusters/prod/pods/shop/web-1/exec?container=proxy&command=sh&command=-c&command=echo+hi&tty=true',
    );
    expect(socketUrl({ protocol: 'https:', host: 'fd.example.com' }, '/x')).toBe('wss://fd.example.com/x');
    expect(socketUrl({ protocol: 'http:', host: '127.0.0.1:8080' }, '/x')).toBe('ws://127.0.0.1:8080/x');
  });

  it('encodes the client frames as documented', () => {
    expect(JSON.parse(stdinFrame('ls\r'))).toEqual({ type: 'stdin', data: 'ls\r' });
    expect(JSON.parse(closeFrame())).toEqual({ type: 'close' });
    expect(JSON.parse(resizeFrame(120, 40) ?? '')).toEqual({ type: 'resize', cols: 120, rows: 40 });
    expect(resizeFrame(0, 40)).toBeNull();
    expect(resizeFrame(80, 1.5)).toBeNull();
    expect(resizeFrame(70000, 40)).toBeNull();
  });

  it('reads the server frames and refuses anything else', () => {
    expect(parseServerFrame('{"type":"ready","container":"web","command":["/bin/sh"],"tty":true}')).toEqual({ type: 'ready', container: 'web', command: ['/bin/sh'], tty: true });
    expect(parseServerFrame('{"type":"stdout","data":"hi\\r\\n"}')).toEqual({ type: 'stdout', data: 'hi\r\n' });
    expect(parseServerFrame('{"type":"exit","code":3}')).toEqual({ type: 'exit', code: 3 });
    for (const bad of ['', 'hi', '[]', '{"type":"stdout"}', '{"type":"exit","code":"3"}', '{"type":"error","code":"x"}', '{"type":"other"}']) {
      expect(parseServerFrame(bad), bad).toBeNull();
    }
  });

  it('knows which frames end a session and says how', () => {
    expect(isLast({ type: 'exit', code: 0 })).toBe(true);
    expect(isLast({ type: 'error', code: 'idle_timeout', message: 'closed after 15m without input' })).toBe(true);
    expect(isLast({ type: 'error', code: 'invalid_frame', message: 'x' })).toBe(false);
    expect(isLast({ type: 'warning', message: 'soon' })).toBe(false);
    expect(endText({ type: 'exit', code: 137 })).toBe('The process exited with code 137.');
    expect(endText({ type: 'error', code: 'idle_timeout', message: 'closed after 15m without input' })).toBe('Closed for being idle: closed after 15m without input');
    expect(endText({ type: 'error', code: 'exec_failed', message: 'exec: "bash": executable file not found' })).toBe('exec: "bash": executable file not found');
  });

  it('asks can-i for create on pods/exec', () => {
    expect(execCheck('shop', 'web-1')).toEqual({ checks: [{ verb: 'create', group: '', resource: 'pods', subresource: 'exec', namespace: 'shop', name: 'web-1' }] });
  });

  it('lists the open sessions of a 429', () => {
    const session = { cluster: 'prod', namespace: 'shop', pod: 'web-1', container: 'web', since: '2026-12-06T09:00:00Z' };
    const capped = new ApiError({ status: 429, code: 'exec_session_cap', message: 'You have 1 open exec session.', details: { sessions: [session, { bogus: true }] } });
    expect(openSessions(capped)).toEqual([session]);
    expect(refusalText(capped)).toBe('You have 1 open exec session. Open sessions: prod/shop/web-1 (web) since 2026-12-06T09:00:00Z.');
    const denied = new ApiError({ status: 403, code: 'exec_disabled', message: 'pod exec is switched off for cluster prod' });
    expect(openSessions(denied)).toEqual([]);
    expect(refusalText(denied)).toBe('pod exec is switched off for cluster prod');
  });
});
