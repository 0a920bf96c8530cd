import { describe, expect, it } from 'vitest';
import { createSseParser } from './sse';

describe('createSseParser', () => {
  it('reads frames split anywhere across chunks', () => {
    const push = createSseParser();
    expect(push('event: plan\nda')).toEqual([]);
    expect(push('ta: {"node":"n1"}\n')).toEqual([]);
    expect(push('\nevent: evicted\ndata: {"name":"a"}\n\nevent: do')).toEqual([
      { event: 'plan', data: '{"node":"n1"}' },
      { event: 'evicted', data: '{"name":"a"}' },
    ]);
    expect(push('ne\ndata: {}\n\n')).toEqual([{ event: 'done', data: '{}' }]);
  });

  it('takes CRLF line ends, joins data lines, skips comments and defaults the event name', () => {
    const push = createSseParser();
    expect(push(': keep-alive\r\n\r\ndata:a\r\ndata: b\r\n\r\n')).toEqual([{ event: 'message', data: 'a\nb' }]);
  });
});
