// YAML text as values with their positions, for the schema-aware editor (k8sSchema.ts): the Lezer
// YAML parser (the one CodeMirror highlights with) keeps going past errors, so a half-typed
// document still has a tree. Only what validation needs: mappings, sequences, scalars and their types.
import type { SyntaxNode } from '@lezer/common';
import { parser } from '@lezer/yaml';

/** Where a value stands in a YAML document: mapping keys and sequence indexes. */
export type YamlPath = (string | number)[];

export type YamlValue =
  | { type: 'mapping'; from: number; to: number; entries: YamlEntry[] }
  | { type: 'sequence'; from: number; to: number; items: YamlValue[] }
  | { type: 'scalar'; from: number; to: number; value: string | number | boolean | null }
  /** An alias or a tagged value: its type is not known here. */
  | { type: 'other'; from: number; to: number };

export interface YamlEntry {
  key: string;
  keyFrom: number;
  keyTo: number;
  /** A null scalar at the end of the key when the pair has no value (`key:`). */
  value: YamlValue;
}

export interface YamlDocument {
  from: number;
  to: number;
  /** Null for an empty document. */
  root: YamlValue | null;
}

/** The documents of a (`---`-separated) YAML text. */
export function parseYamlDocuments(text: string): YamlDocument[] {
  const documents: YamlDocument[] = [];
  for (let node = parser.parse(text).topNode.firstChild; node; node = node.nextSibling) {
    if (node.name !== 'Document') continue;
    const element = elementChildren(node)[0];
    documents.push({ from: node.from, to: node.to, root: element ? toValue(element, text) : null });
  }
  return documents;
}

/** The document that `pos` is in: the last one starting at or before it. */
export function documentAt(documents: YamlDocument[], pos: number): YamlDocument | undefined {
  return documents.filter((d) => d.from <= pos).at(-1) ?? documents[0];
}

/** A document's top-level `apiVersion` and `kind`, when both are strings. */
export function documentKind(document: YamlDocument): { apiVersion: string; kind: string } | null {
  const apiVersion = entryValue(document.root, 'apiVersion');
  const kind = entryValue(document.root, 'kind');
  return typeof apiVersion === 'string' && typeof kind === 'string' ? { apiVersion, kind } : null;
}

/** The path of the mapping key at `pos` (the key included), or null when `pos` is not on a key. */
export function keyPathAt(value: YamlValue | null, pos: number): YamlPath | null {
  if (value?.type === 'mapping') {
    for (const entry of value.entries) {
      if (entry.keyFrom <= pos && pos <= entry.keyTo) return [entry.key];
      const inner = keyPathAt(entry.value, pos);
      if (inner) return [entry.key, ...inner];
    }
  }
  if (value?.type === 'sequence') {
    for (const [index, item] of value.items.entries()) {
      const inner = keyPathAt(item, pos);
      if (inner) return [index, ...inner];
    }
  }
  return null;
}

function entryValue(value: YamlValue | null, key: string): unknown {
  if (value?.type !== 'mapping') return undefined;
  const found = value.entries.find((e) => e.key === key)?.value;
  return found?.type === 'scalar' ? found.value : undefined;
}

const ELEMENTS = new Set(['BlockMapping', 'FlowMapping', 'BlockSequence', 'FlowSequence', 'Literal', 'QuotedLiteral', 'BlockLiteral', 'Tagged', 'Anchored', 'Alias']);

function elementChildren(node: SyntaxNode): SyntaxNode[] {
  const found: SyntaxNode[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) if (ELEMENTS.has(child.name)) found.push(child);
  return found;
}

function toValue(node: SyntaxNode, text: string): YamlValue {
  const { from, to } = node;
  switch (node.name) {
    case 'BlockMapping':
    case 'FlowMapping':
      return { type: 'mapping', from, to, entries: node.getChildren('Pair').flatMap((pair) => toEntry(pair, text)) };
    case 'BlockSequence':
    case 'FlowSequence':
      return {
        type: 'sequence',
        from,
        to,
        items: node.getChildren('Item').map((item) => {
          const element = elementChildren(item)[0];
          return element ? toValue(element, text) : { type: 'scalar', from: item.to, to: item.to, value: null };
        }),
      };
    case 'Anchored': {
      // `&name value`: the value is what counts.
      const element = elementChildren(node)[0];
      return element ? toValue(element, text) : { type: 'scalar', from: to, to, value: null };
    }
    case 'Literal':
      return { type: 'scalar', from, to, value: plainScalar(text.slice(from, to)) };
    case 'QuotedLiteral':
      return { type: 'scalar', from, to, value: quotedScalar(text.slice(from, to)) };
    case 'BlockLiteral':
      return { type: 'scalar', from, to, value: text.slice(from, to) };
    default:
      return { type: 'other', from, to };
  }
}

function toEntry(pair: SyntaxNode, text: string): YamlEntry[] {
  const key = pair.getChild('Key');
  const scalar = key && elementChildren(key)[0];
  if (!key || !scalar || (scalar.name !== 'Literal' && scalar.name !== 'QuotedLiteral')) return [];
  const keyText = text.slice(scalar.from, scalar.to);
  const element = elementChildren(pair).find((n) => n.from >= key.to);
  return [
    {
      key: scalar.name === 'QuotedLiteral' ? String(quotedScalar(keyText)) : keyText,
      keyFrom: key.from,
      keyTo: key.to,
      value: element ? toValue(element, text) : { type: 'scalar', from: pair.to, to: pair.to, value: null },
    },
  ];
}

/** A plain scalar's value under YAML 1.2's core schema (what Kubernetes' YAML decoder reads). */
export function plainScalar(raw: string): string | number | boolean | null {
  const text = raw.replace(/\s*\n\s*/g, ' ').trim();
  if (/^(~|null|Null|NULL)?$/.test(text)) return null;
  if (/^(true|True|TRUE)$/.test(text)) return true;
  if (/^(false|False|FALSE)$/.test(text)) return false;
  if (/^[-+]?[0-9]+$/.test(text)) return Number(text);
  if (/^0o[0-7]+$/.test(text)) return parseInt(text.slice(2), 8);
  if (/^0x[0-9a-fA-F]+$/.test(text)) return parseInt(text.slice(2), 16);
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(text)) return Number(text);
  if (/^[-+]?\.(inf|Inf|INF)$/.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/^\.(nan|NaN|NAN)$/.test(text)) return NaN;
  return text;
}

function quotedScalar(raw: string): string {
  if (raw.startsWith("'")) return raw.slice(1, -1).replace(/''/g, "'");
  try {
    return JSON.parse(raw.replace(/\n\s*/g, ' ')) as string;
  } catch {
    return raw.slice(1, -1);
  }
}

/**
 * What is being typed at `pos`: a key (`mode: 'key'`, the path of the mapping it goes in) or a
 * key's value (`mode: 'value'`, the path of that key); `from` is where the typed word starts.
 * Read from indentation rather than the tree, which has no node for a line still being typed.
 * Sequence indexes are 0: every item of a list has the same schema.
 */
export interface CursorContext {
  mode: 'key' | 'value';
  path: YamlPath;
  from: number;
}

interface LineShape {
  /** Columns of the `- ` marks that open the line. */
  dashes: number[];
  /** The column of the first thing after the indentation and the dashes. */
  column: number;
  /** The key on the line and whether a value follows its colon on the same line. */
  key: { name: string; hasValue: boolean } | null;
  blank: boolean;
}

const KEY = /^("[^"]*"|'[^']*'|[^\s#'"\-?:,[\]{}][^:#]*?|-[^\s:#][^:#]*?)\s*:(?:\s+(.*))?$/;

function lineShape(line: string): LineShape {
  const dashes: number[] = [];
  let column = line.search(/\S|$/);
  while (/^-(\s|$)/.test(line.slice(column))) {
    dashes.push(column);
    const next = line.slice(column + 1).search(/\S/);
    column = next === -1 ? line.length : column + 1 + next;
  }
  const rest = line.slice(column);
  const match = KEY.exec(rest.replace(/\s+#.*$/, ''));
  const key = match ? { name: match[1].replace(/^(["'])(.*)\1$/, '$2'), hasValue: (match[2] ?? '').trim() !== '' } : null;
  return { dashes, column, key, blank: (dashes.length === 0 && rest === '') || rest.startsWith('#') };
}

const DOCUMENT_MARK = /^(---|\.\.\.)(\s|$)/;

export function cursorContext(text: string, pos: number): CursorContext | null {
  const lineStart = text.lastIndexOf('\n', pos - 1) + 1;
  const before = text.slice(lineStart, pos);
  if (before.includes('#') || DOCUMENT_MARK.test(before)) return null;
  const lines = text.slice(0, lineStart).split('\n').slice(0, -1);
  const shape = lineShape(before);
  const rest = before.slice(shape.column);
  const valueMatch = /^([^\s:#'"][^:#]*?|"[^"]*"|'[^']*')\s*:\s+(["']?)([\w.\-/]*)$/.exec(rest);
  if (valueMatch) {
    const owner = ownerOfLine(lines, lines.length, shape);
    const key = valueMatch[1].replace(/^(["'])(.*)\1$/, '$2');
    return owner && { mode: 'value', path: [...owner, key], from: pos - valueMatch[3].length };
  }
  if (!/^[\w.\-/]*$/.test(rest)) return null;
  const owner = ownerOfLine(lines, lines.length, shape);
  return owner && { mode: 'key', path: owner, from: pos - rest.length };
}

/** The path of the mapping that holds the key of line `at` (shaped `shape`). */
function ownerOfLine(lines: string[], at: number, shape: LineShape): YamlPath | null {
  if (shape.dashes.length === 0) return mappingOwner(lines, at, shape.column);
  const sequence = sequenceOwner(lines, at, shape.dashes[0]);
  return sequence && [...sequence, ...shape.dashes.map(() => 0)];
}

/** The path of the mapping whose keys stand at `column`, seen from line `at` (exclusive) upwards. */
function mappingOwner(lines: string[], at: number, column: number): YamlPath | null {
  for (let i = at - 1; i >= 0 && !DOCUMENT_MARK.test(lines[i]); i--) {
    const shape = lineShape(lines[i]);
    if (shape.blank || shape.column > column) continue;
    // A sibling key: the mapping's owner is that line's owner.
    if (shape.column === column) return shape.key ? ownerOfLine(lines, i, shape) : null;
    // A line further out: the key whose value this mapping is, or a bare `-` whose item it is.
    if (shape.key && !shape.key.hasValue) {
      const owner = ownerOfLine(lines, i, shape);
      return owner && [...owner, shape.key.name];
    }
    if (shape.dashes.length > 0 && shape.column === lines[i].length) {
      const sequence = sequenceOwner(lines, i, shape.dashes[0]);
      return sequence && [...sequence, ...shape.dashes.map(() => 0)];
    }
    return null;
  }
  return column === 0 ? [] : null;
}

/** The path of the sequence whose `-` marks stand at `column`, seen from line `at` (exclusive) upwards. */
function sequenceOwner(lines: string[], at: number, column: number): YamlPath | null {
  for (let i = at - 1; i >= 0 && !DOCUMENT_MARK.test(lines[i]); i--) {
    const shape = lineShape(lines[i]);
    const indent = shape.dashes[0] ?? shape.column;
    if (shape.blank || indent > column || (indent === column && shape.dashes.length > 0)) continue;
    // A list may stand at its key's own indentation (`containers:` then `- name: …`).
    if (shape.key && !shape.key.hasValue) {
      const owner = ownerOfLine(lines, i, shape);
      return owner && [...owner, shape.key.name];
    }
    return null;
  }
  return null;
}
