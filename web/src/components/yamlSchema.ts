// The YAML editor's schema support (CodeMirror extensions): completion of keys and enum values,
// lint diagnostics and hover descriptions, from the kind's schema in the cluster's OpenAPI v3.
// Every document is read with its own apiVersion and kind; one without a schema gets nothing.
import { autocompletion, type Completion, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { linter, type Diagnostic } from '@codemirror/lint';
import type { Extension } from '@codemirror/state';
import { hoverTooltip, type EditorView, type Tooltip } from '@codemirror/view';
import type { QueryClient } from '@tanstack/react-query';
import { openApiPath } from '../api/endpoints';
import { apiQuery } from '../api/queries';
import { documentPathFor, keyCompletions, kindSchema, schemaAt, validate, valueCompletions, type KindSchema, type OpenApiDocument, type OpenApiRoot } from '../lib/k8sSchema';
import { cursorContext, documentAt, documentKind, keyPathAt, parseYamlDocuments, type YamlDocument } from '../lib/yamlTree';

/** A kind's schema, or null when the cluster has none for it (or could not be asked). */
export type KindLoader = (apiVersion: string, kind: string) => Promise<KindSchema | null>;

/**
 * Loads kinds' schemas from `cluster` through the client cache: the root and each group/version
 * document once per session (they change only with the cluster's version or CRDs). A failure
 * counts as no schema, remembered for this loader's life so an editor does not ask again per keystroke.
 */
export function clusterKindLoader(queryClient: QueryClient, cluster: string): KindLoader {
  const once = { staleTime: Infinity, gcTime: Infinity, retry: false } as const;
  const fetchDocument = <T>(path: string) => queryClient.fetchQuery({ ...apiQuery<T>(path), ...once });
  const loaded = new Map<string, Promise<KindSchema | null>>();
  return (apiVersion, kind) => {
    const key = `${apiVersion}/${kind}`;
    let schema = loaded.get(key);
    if (!schema) {
      schema = (async () => {
        const documentPath = documentPathFor(await fetchDocument<OpenApiRoot>(openApiPath(cluster)), apiVersion);
        return documentPath ? kindSchema(await fetchDocument<OpenApiDocument>(openApiPath(cluster, documentPath)), apiVersion, kind) : null;
      })().catch(() => null);
      loaded.set(key, schema);
    }
    return schema;
  };
}

async function schemaOf(load: KindLoader, document: YamlDocument | undefined): Promise<KindSchema | null> {
  const gvk = document && documentKind(document);
  return gvk ? load(gvk.apiVersion, gvk.kind) : null;
}

function completionSource(load: KindLoader) {
  return async (context: CompletionContext): Promise<CompletionResult | null> => {
    const text = context.state.doc.toString();
    const cursor = cursorContext(text, context.pos);
    // Unasked, only once a word is started: an empty line is not a request.
    if (!cursor || (cursor.from === context.pos && !context.explicit)) return null;
    const kind = await schemaOf(load, documentAt(parseYamlDocuments(text), context.pos));
    if (!kind) return null;
    const options: Completion[] =
      cursor.mode === 'key'
        ? keyCompletions(kind, cursor.path).map((c) => ({ label: c.label, detail: c.detail, info: c.info || undefined, type: 'property', apply: `${c.label}: `, boost: c.required ? 1 : 0 }))
        : valueCompletions(kind, cursor.path).map((c) => ({ label: c.label, detail: c.detail, type: 'enum' }));
    return options.length > 0 ? { from: cursor.from, options, validFor: /^[\w.\-/]*$/ } : null;
  };
}

function lintSource(load: KindLoader) {
  return async (view: EditorView): Promise<Diagnostic[]> => {
    const diagnostics: Diagnostic[] = [];
    for (const document of parseYamlDocuments(view.state.doc.toString())) {
      const kind = document.root && (await schemaOf(load, document));
      if (kind && document.root) diagnostics.push(...validate(kind, document.root).map(({ from, to, severity, message }) => ({ from, to, severity, message })));
    }
    return diagnostics;
  };
}

function hoverSource(load: KindLoader) {
  return async (view: EditorView, pos: number): Promise<Tooltip | null> => {
    const document = documentAt(parseYamlDocuments(view.state.doc.toString()), pos);
    const path = document && keyPathAt(document.root, pos);
    const kind = path && (await schemaOf(load, document));
    const description = kind && schemaAt(kind, path)?.description;
    if (!description) return null;
    return {
      pos,
      above: true,
      create: () => {
        const dom = window.document.createElement('div');
        dom.className = 'code-editor-hover';
        dom.textContent = description;
        return { dom };
      },
    };
  };
}

export function yamlSchema(load: KindLoader): Extension {
  return [autocompletion({ override: [completionSource(load)] }), linter(lintSource(load), { autoPanel: true }), hoverTooltip(hoverSource(load))];
}
