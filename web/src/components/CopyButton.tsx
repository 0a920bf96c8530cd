import { useState } from 'react';

type CopyState = 'idle' | 'copied' | 'failed';

/** Copies `text` to the clipboard (navigator.clipboard exists on https and localhost only). */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [state, setState] = useState<CopyState>('idle');

  async function copy() {
    try {
      if (!navigator.clipboard) throw new Error('clipboard unavailable');
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
  }

  return (
    <>
      <button type="button" onClick={copy}>
        {state === 'copied' ? 'Copied' : label}
      </button>
      {state === 'failed' ? <span className="hint">Copy failed: select the text and copy it by hand.</span> : null}
    </>
  );
}
