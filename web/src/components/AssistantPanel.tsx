import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { askAssistant, paths, sendReferenceFeedback } from '../api/endpoints';
import type { AssistantAnswer, Citation } from '../api/types';
import { useApiMutation } from '../hooks/useApiMutation';
import { answerParts, citationKey, citationRoute, QUESTION_MAX } from '../lib/assistant';
import { Badge } from './Badge';
import { ErrorPanel } from './ErrorPanel';

/** Ask a question; the answer with its markers linked to the references it cites, each rated. */
export function AssistantPanel() {
  const [question, setQuestion] = useState('');
  // Asking changes nothing but the usage figures.
  const ask = useApiMutation(askAssistant, [paths.ragTelemetry]);

  function submit(event: FormEvent) {
    event.preventDefault();
    if (question.trim()) ask.mutate({ question: question.trim() });
  }

  return (
    <div className="assistant" data-testid="assistant">
      <form className="form-grid" onSubmit={submit} aria-label="Ask the assistant">
        <label>
          Question
          <textarea rows={3} value={question} maxLength={QUESTION_MAX} onChange={(e) => setQuestion(e.target.value)} placeholder="How do I fix a crash-looping Postgres pod?" />
        </label>
        <div className="actions">
          <button type="submit" className="primary" disabled={ask.isPending || !question.trim()}>
            {ask.isPending ? 'Asking…' : 'Ask'}
          </button>
        </div>
      </form>
      {ask.error ? <ErrorPanel error={ask.error} title="No answer" /> : null}
      {ask.data ? <Answer key={ask.data.queryId} answer={ask.data} /> : null}
    </div>
  );
}

function Answer({ answer }: { answer: AssistantAnswer }) {
  return (
    <section aria-label="Answer" data-testid="assistant-answer" data-mode={answer.mode}>
      <p className="assistant-answer">
        {answerParts(answer.answer, answer.citations).map((part, i) =>
          part.type === 'text' ? (
            <span key={i}>{part.text}</span>
          ) : part.citation ? (
            <a key={i} href={`#ref-${answer.queryId}-${part.n}`} className="citation-marker" title={part.citation.title} data-testid="citation-marker">
              [{part.n}]
            </a>
          ) : (
            <span key={i} className="muted">
              [{part.n}]
            </span>
          ),
        )}
      </p>
      <p className="muted">
        {answer.mode === 'model' ? 'Answered by the model from these references.' : 'Extracted from these references (no model configured).'}
      </p>
      {answer.citations.length === 0 ? <p className="muted">Nothing Fleetdeck knows matches the question.</p> : null}
      <ol className="citations">
        {answer.citations.map((c, i) => (
          <CitationItem key={citationKey(c)} citation={c} n={i + 1} queryId={answer.queryId} />
        ))}
      </ol>
    </section>
  );
}

function CitationItem({ citation: c, n, queryId }: { citation: Citation; n: number; queryId: string }) {
  const feedback = useApiMutation(sendReferenceFeedback, [paths.ragTelemetry]);
  const [given, setGiven] = useState<boolean | null>(null);
  const route = citationRoute(c);
  const rate = (helpful: boolean) => feedback.mutate({ queryId, kind: c.kind, id: c.id, helpful }, { onSuccess: () => setGiven(helpful) });

  return (
    <li id={`ref-${queryId}-${n}`} data-testid="citation" data-kind={c.kind} data-id={c.id}>
      <Badge>{c.kind}</Badge> {route ? <Link to={route}>{c.title}</Link> : <span title={`docs/${c.id}`}>{c.title} ({c.id})</span>}
      {c.snippet ? <div className="muted">{c.snippet}</div> : null}
      <div className="actions">
        <button type="button" aria-pressed={given === true} disabled={feedback.isPending} onClick={() => rate(true)}>
          Helpful
        </button>
        <button type="button" aria-pressed={given === false} disabled={feedback.isPending} onClick={() => rate(false)}>
          Not helpful
        </button>
        {given !== null ? <span className="muted">Thanks: noted.</span> : null}
      </div>
      {feedback.error ? <ErrorPanel error={feedback.error} title="Feedback not saved" /> : null}
    </li>
  );
}
