import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { apiQuery } from '../api/queries';
import type { SearchHit, SearchResult } from '../api/types';
import { useDebounced } from '../hooks/useDebounced';
import { highlightSegments } from '../lib/highlight';
import { hitName, hitRoute, hitSections, moveSelection, orderedHits, searchPath } from '../lib/search';
import { Loading } from './Loading';

const DEBOUNCE_MS = 200;

/**
 * Fleet-wide search (Cmd/Ctrl+K), keyboard only: type, arrows move, Enter opens the hit's page,
 * Escape closes.
 */
export function SearchPalette({ onClose }: { onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const navigate = useNavigate();
  const listId = useId();
  const [query, setQuery] = useState('');
  const [selected, setSelected] = useState(0);
  const path = searchPath(useDebounced(query, DEBOUNCE_MS));
  const search = useQuery({
    ...apiQuery<SearchResult>(path ?? '/api/search'),
    enabled: path !== null,
    // The previous hits stay while the next query is on its way.
    placeholderData: keepPreviousData,
    staleTime: 10_000,
  });
  const hits = path && search.data ? orderedHits(search.data.items) : [];
  const sections = path && search.data ? hitSections(search.data.items) : [];
  const current = Math.min(selected, hits.length - 1);
  const optionId = (index: number) => `${listId}-hit-${index}`;

  useEffect(() => {
    const el = dialog.current;
    el?.showModal();
    return () => el?.close();
  }, []);

  useEffect(() => {
    document.getElementById(optionId(current))?.scrollIntoView({ block: 'nearest' });
  });

  function open(hit: SearchHit) {
    onClose();
    void navigate(hitRoute(hit));
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      setSelected(moveSelection(current, event.key === 'ArrowDown' ? 1 : -1, hits.length));
    } else if (event.key === 'Enter' && current >= 0 && hits[current]) {
      event.preventDefault();
      open(hits[current]);
    }
  }

  return (
    <dialog ref={dialog} className="dialog search-palette" onClose={onClose} aria-label="Search the fleet" data-testid="search-palette">
      <input
        autoFocus
        type="search"
        role="combobox"
        aria-expanded={hits.length > 0}
        aria-controls={listId}
        aria-activedescendant={current >= 0 ? optionId(current) : undefined}
        aria-label="Search the fleet"
        placeholder="Search every cluster by name…"
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setSelected(0);
        }}
        onKeyDown={onKeyDown}
        className="search-input"
      />
      <div className="search-results">
        {search.isFetching ? <Loading label="Searching…" /> : null}
        {search.error ? <p className="text-bad">{search.error.message}</p> : null}
        {path && search.data && !search.isPlaceholderData && hits.length === 0 ? <p className="muted">Nothing in the fleet is named like that.</p> : null}
        <div role="listbox" id={listId} aria-label="Hits">
          {sections.map((section) => (
            <div key={section.title} role="group" aria-label={section.title}>
              <div className="search-section-title">{section.title}</div>
              {section.hits.map(({ hit, index }) => (
                <div
                  key={`${hit.cluster}/${hit.group}/${hit.resource}/${hit.namespace ?? ''}/${hit.name}`}
                  id={optionId(index)}
                  role="option"
                  aria-selected={index === current}
                  className={index === current ? 'search-hit active' : 'search-hit'}
                  onMouseMove={() => setSelected(index)}
                  onClick={() => open(hit)}
                  data-testid="search-hit"
                  data-name={hit.name}
                >
                  <span className="search-hit-kind">{hit.kind}</span>
                  <span className="search-hit-name">
                    {hit.namespace ? <span className="muted">{hit.namespace}/</span> : null}
                    {highlightSegments(hit.name, query.trim()).map((s, i) => (s.match ? <mark key={i}>{s.text}</mark> : <span key={i}>{s.text}</span>))}
                  </span>
                  <span className="search-hit-cluster" title={hitName(hit)}>
                    {hit.cluster}
                  </span>
                </div>
              ))}
            </div>
          ))}
        </div>
        {search.data && search.data.errors.length > 0 ? (
          <p className="hint" data-testid="search-errors">
            Not searched: {search.data.errors.map((e) => `${e.cluster} (${e.code})`).join(', ')}
          </p>
        ) : null}
      </div>
      <p className="hint search-keys">↑↓ to move · Enter to open · Esc to close</p>
    </dialog>
  );
}
