import { describe, expect, it } from 'vitest';
import { HISTORY_SIZE, remember, splitCommand } from './kubectlCommand';

describe('splitting a kubectl command line', () => {
  it('splits at whitespace and drops a leading kubectl', () => {
    expect(splitCommand('get pods -n shop')).toEqual({ args: ['get', 'pods', '-n', 'shop'] });
    expect(splitCommand('  kubectl   get\tpods  ')).toEqual({ args: ['get', 'pods'] });
  });

  it('keeps quoted text whole', () => {
    expect(splitCommand(`get pods -l 'app in (web, api)'`)).toEqual({ args: ['get', 'pods', '-l', 'app in (web, api)'] });
    expect(splitCommand('get pods -o "jsonpath={.items[*].metadata.name}"')).toEqual({
      args: ['get', 'pods', '-o', 'jsonpath={.items[*].metadata.name}'],
    });
    expect(splitCommand(`get pods -o=jsonpath='{.a b}'x`)).toEqual({ args: ['get', 'pods', '-o=jsonpath={.a b}x'] });
    expect(splitCommand(`auth can-i '*' '*'`)).toEqual({ args: ['auth', 'can-i', '*', '*'] });
    expect(splitCommand(`get cm ''`)).toEqual({ args: ['get', 'cm', ''] });
  });

  it('reads backslashes like a shell', () => {
    expect(splitCommand('get pods -l app\\ name=x')).toEqual({ args: ['get', 'pods', '-l', 'app name=x'] });
    expect(splitCommand('get "say \\"hi\\" \\n"')).toEqual({ args: ['get', 'say "hi" \\n'] });
    expect(splitCommand(`get 'a\\b'`)).toEqual({ args: ['get', 'a\\b'] });
  });

  it('says what is wrong with a line it cannot split', () => {
    expect(splitCommand(`get pods -l 'app=web`)).toEqual({ error: 'A single quote is not closed' });
    expect(splitCommand('get "pods')).toEqual({ error: 'A double quote is not closed' });
    expect(splitCommand('get pods \\')).toEqual({ error: 'The line ends with a backslash' });
    expect(splitCommand('   ')).toHaveProperty('error');
    expect(splitCommand('kubectl')).toHaveProperty('error');
  });
});

describe('the command history', () => {
  it('keeps the newest first, once each, and at most HISTORY_SIZE', () => {
    let history = remember([], 'get pods');
    history = remember(history, 'get nodes');
    history = remember(history, ' get pods ');
    expect(history).toEqual(['get pods', 'get nodes']);
    expect(remember(history, '  ')).toEqual(history);
    for (let i = 0; i < 30; i++) history = remember(history, `get pod p${i}`);
    expect(history).toHaveLength(HISTORY_SIZE);
    expect(history[0]).toBe('get pod p29');
  });
});
