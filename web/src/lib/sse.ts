// Server-Sent Events read from a fetch body (a POST, which EventSource cannot send): the text
// arrives in arbitrary chunks, frames end at a blank line.

export interface SseFrame {
  /** `message` when the frame names no event. */
  event: string;
  data: string;
}

/** Feeds chunks of an event stream in; answers the frames each chunk completed. */
export function createSseParser(): (chunk: string) => SseFrame[] {
  let buffer = '';
  return (chunk) => {
    buffer += chunk.replace(/\r\n?/g, '\n');
    const frames: SseFrame[] = [];
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line === '' || line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      // A block of comments only (a keep-alive) is no frame.
      if (data.length > 0) frames.push({ event, data: data.join('\n') });
    }
    return frames;
  };
}
