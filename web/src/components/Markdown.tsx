import ReactMarkdown from 'react-markdown';
import remarkGfm from 'remark-gfm';

/**
 * Markdown written by users (runbooks, notes), with GitHub's tables and task lists. Raw HTML is
 * shown as text and unsafe link schemes are dropped (react-markdown's defaults): a runbook cannot
 * run script in a reader's session. Links open in a new tab, away from the console.
 */
export function Markdown({ children }: { children: string }) {
  return (
    <div className="markdown">
      <ReactMarkdown
        remarkPlugins={[remarkGfm]}
        components={{
          a: ({ href, children: text }) => (
            <a href={href} target="_blank" rel="noopener noreferrer">
              {text}
            </a>
          ),
        }}
      >
        {children}
      </ReactMarkdown>
    </div>
  );
}
