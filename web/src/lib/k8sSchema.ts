// Kubernetes schemas from a cluster's OpenAPI v3 documents (GET /openapi/v3 and /openapi/v3/{gv},
// passed through by the server) for the YAML editor: which document holds a kind's schema, the
// schema at a path, completions and validation. Pure: the documents come in as values.
import type { YamlPath, YamlValue } from './yamlTree';

export interface OpenApiSchema {
  type?: string;
  format?: string;
  description?: string;
  properties?: Record<string, OpenApiSchema>;
  additionalProperties?: boolean | OpenApiSchema;
  items?: OpenApiSchema;
  required?: string[];
  enum?: unknown[];
  allOf?: OpenApiSchema[];
  /** Not followed: a schema with alternatives and no `type` accepts any type here. */
  anyOf?: OpenApiSchema[];
  oneOf?: OpenApiSchema[];
  $ref?: string;
  default?: unknown;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
  [extension: `x-${string}`]: unknown;
}

/** One group/version's document (`/openapi/v3/apis/apps/v1`): only its schemas are read. */
export interface OpenApiDocument {
  components?: { schemas?: Record<string, OpenApiSchema> };
}

/** The root document (`/openapi/v3`): the group/versions served. */
export interface OpenApiRoot {
  paths?: Record<string, unknown>;
}

/** `apps/v1` → `apis/apps/v1`, `v1` → `api/v1`: the key of a group/version in the root document. */
export function groupVersionPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `apis/${apiVersion}` : `api/${apiVersion}`;
}

/** The document to fetch for `apiVersion`, or null when the cluster does not serve it. */
export function documentPathFor(root: OpenApiRoot, apiVersion: string): string | null {
  const path = groupVersionPath(apiVersion);
  return root.paths && Object.hasOwn(root.paths, path) ? path : null;
}

/** A kind's schema with the document its `$ref`s point into. */
export interface KindSchema {
  document: OpenApiDocument;
  schema: OpenApiSchema;
}

/**
 * The schema of `kind` in `apiVersion` from its group/version's document, found by
 * x-kubernetes-group-version-kind; null when the document has none or only a bare `type: object`
 * (nothing to complete or check against).
 */
export function kindSchema(document: OpenApiDocument, apiVersion: string, kind: string): KindSchema | null {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
  const schema = Object.values(document.components?.schemas ?? {}).find((s) =>
    s['x-kubernetes-group-version-kind']?.some((gvk) => gvk.group === group && gvk.version === version && gvk.kind === kind),
  );
  if (!schema || !resolveSchema(document, schema).properties) return null;
  return { document, schema };
}

/**
 * `schema` with its `$ref` followed and its `allOf` merged in (the apiserver writes a field that
 * refers to another schema as `allOf: [{$ref}]` beside the field's own description).
 */
export function resolveSchema(document: OpenApiDocument, schema: OpenApiSchema, seen: ReadonlySet<string> = new Set()): OpenApiSchema {
  const { $ref, allOf, ...own } = schema;
  let merged: OpenApiSchema = {};
  const parts = [...(allOf ?? [])];
  if ($ref !== undefined) parts.unshift({ $ref });
  for (const part of parts) {
    const target = part.$ref === undefined ? part : refTarget(document, part.$ref, seen);
    if (!target) continue;
    const resolved = resolveSchema(document, target, part.$ref === undefined ? seen : new Set([...seen, part.$ref]));
    if (part.$ref?.endsWith(QUANTITY_SCHEMA)) resolved.format = QUANTITY;
    merged = { ...merged, ...resolved, properties: mergeProperties(merged.properties, resolved.properties), required: mergeRequired(merged.required, resolved.required) };
  }
  const result: OpenApiSchema = { ...merged, ...own, properties: mergeProperties(merged.properties, own.properties), required: mergeRequired(merged.required, own.required) };
  if (!result.properties) delete result.properties;
  if (!result.required) delete result.required;
  return result;
}

// The apiserver documents Quantity as a string, but it reads `cpu: 1` as well as `cpu: "1"`.
const QUANTITY_SCHEMA = '/io.k8s.apimachinery.pkg.api.resource.Quantity';
const QUANTITY = 'quantity';

function refTarget(document: OpenApiDocument, ref: string, seen: ReadonlySet<string>): OpenApiSchema | undefined {
  const prefix = '#/components/schemas/';
  // A schema that contains itself (JSONSchemaProps) is followed once per path.
  if (seen.has(ref) || !ref.startsWith(prefix)) return undefined;
  return document.components?.schemas?.[decodeURIComponent(ref.slice(prefix.length))];
}

function mergeProperties(a?: Record<string, OpenApiSchema>, b?: Record<string, OpenApiSchema>) {
  return a || b ? { ...a, ...b } : undefined;
}

function mergeRequired(a?: string[], b?: string[]) {
  return a || b ? [...new Set([...(a ?? []), ...(b ?? [])])] : undefined;
}

/** Every object has these at its top, whether or not a custom resource's schema lists them. */
const OBJECT_FIELDS: Record<string, OpenApiSchema> = {
  apiVersion: { type: 'string', description: 'The versioned schema of this object.' },
  kind: { type: 'string', description: 'The kind of this object.' },
  metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, description: "The object's metadata." },
};

/** A schema that accepts anything (under preserve-unknown-fields). */
const ANY: OpenApiSchema = {};

/** The property `key` of a resolved object schema, unresolved; undefined when it allows no such key. */
function propertySchema(schema: OpenApiSchema, key: string, atTop: boolean): OpenApiSchema | undefined {
  const property = schema.properties?.[key] ?? (atTop ? OBJECT_FIELDS[key] : undefined);
  if (property) return property;
  if (typeof schema.additionalProperties === 'object') return schema.additionalProperties;
  const untyped = !schema.properties && (schema.type === undefined || schema.type === 'object');
  if (schema.additionalProperties === true || schema['x-kubernetes-preserve-unknown-fields'] || untyped) return ANY;
  return undefined;
}

/** The resolved schema at `path` in an object of the kind, or null where the schema does not reach. */
export function schemaAt(kind: KindSchema, path: YamlPath): OpenApiSchema | null {
  let schema = resolveSchema(kind.document, kind.schema);
  for (const [depth, step] of path.entries()) {
    const next = typeof step === 'number' ? schema.items : propertySchema(schema, step, depth === 0);
    if (!next) return null;
    schema = resolveSchema(kind.document, next);
  }
  return schema;
}

/** A schema's type as a reader would name it: `string`, `[]object`, `int-or-string`. */
export function typeName(schema: OpenApiSchema): string {
  if (isIntOrString(schema)) return 'int-or-string';
  if (schema.format === QUANTITY) return 'quantity';
  if (schema.type === 'array') return `[]${schema.items?.type ?? (schema.items ? 'object' : 'any')}`;
  return schema.type ?? (schema.properties ? 'object' : 'any');
}

/** The first line of a description (the rest is for reading in full elsewhere). */
export function summary(description: string | undefined): string {
  return (description ?? '').split(/\n|(?<=\.)\s/)[0];
}

export interface SchemaCompletion {
  label: string;
  /** The field's type, or `enum` / `boolean` for a value. */
  detail: string;
  info: string;
  required: boolean;
}

/** The keys a mapping at `path` may have (its properties), required ones first. */
export function keyCompletions(kind: KindSchema, path: YamlPath): SchemaCompletion[] {
  const schema = schemaAt(kind, path);
  if (!schema) return [];
  const properties = { ...(path.length === 0 ? OBJECT_FIELDS : {}), ...schema.properties };
  const required = new Set(schema.required ?? []);
  return Object.entries(properties)
    .map(([label, property]) => {
      const resolved = resolveSchema(kind.document, property);
      return { label, detail: typeName(resolved), info: summary(resolved.description), required: required.has(label) };
    })
    .sort((a, b) => Number(b.required) - Number(a.required) || a.label.localeCompare(b.label));
}

/** The values a key at `path` may take, when the schema lists them (an enum, or a boolean). */
export function valueCompletions(kind: KindSchema, path: YamlPath): SchemaCompletion[] {
  const schema = schemaAt(kind, path);
  if (!schema) return [];
  const values = schema.enum ?? (schema.type === 'boolean' ? [true, false] : []);
  return values.map((v) => ({ label: String(v), detail: schema.enum ? 'enum' : 'boolean', info: '', required: false }));
}

export interface SchemaDiagnostic {
  path: YamlPath;
  message: string;
  from: number;
  to: number;
  /** Missing fields are warnings: an apply may leave them to the live object. */
  severity: 'error' | 'warning';
}

/** `spec.template.spec.containers[0].image` */
export function formatPath(path: YamlPath): string {
  return path.map((step, i) => (typeof step === 'number' ? `[${step}]` : i === 0 ? step : `.${step}`)).join('');
}

/** Where `value` breaks the kind's schema: unknown fields, wrong types, missing required fields, values not in an enum. */
export function validate(kind: KindSchema, value: YamlValue): SchemaDiagnostic[] {
  const diagnostics: SchemaDiagnostic[] = [];
  check(kind.document, resolveSchema(kind.document, kind.schema), value, [], NO_ANCHOR, diagnostics);
  return diagnostics;
}

type Range = { from: number; to: number };
/** A document's top and a list's items have no key to point at. */
const NO_ANCHOR = null;

/** Where to point at a mapping without a key of its own: its first key (or its start). */
function firstKey(value: YamlValue & { type: 'mapping' }): Range {
  const first = value.entries[0];
  return first ? { from: first.keyFrom, to: first.keyTo } : { from: value.from, to: value.to };
}

/** `anchor` is where to point at the value as a whole: its key. */
function check(document: OpenApiDocument, schema: OpenApiSchema, value: YamlValue, path: YamlPath, anchor: Range | null, out: SchemaDiagnostic[]) {
  const report = (message: string, at: Range, severity: 'error' | 'warning' = 'error') => out.push({ path, message, from: at.from, to: at.to, severity });
  // null is how YAML writes an unset field; aliases and tags are not followed.
  if (value.type === 'other' || (value.type === 'scalar' && value.value === null)) return;
  const found = valueType(value);
  if (!typeMatches(schema, found)) {
    report(`${formatPath(path) || 'document'}: expected ${typeName(schema)}, found ${found}`, value);
    return;
  }
  if (value.type === 'scalar' && schema.enum && !schema.enum.includes(value.value)) {
    report(`${formatPath(path)}: must be one of ${schema.enum.map(String).join(', ')}`, value);
  }
  if (value.type === 'sequence' && schema.items) {
    for (const [index, item] of value.items.entries()) check(document, resolveSchema(document, schema.items), item, [...path, index], NO_ANCHOR, out);
  }
  if (value.type === 'mapping') {
    for (const entry of value.entries) {
      const key = { from: entry.keyFrom, to: entry.keyTo };
      const property = propertySchema(schema, entry.key, path.length === 0);
      if (!property) out.push({ path: [...path, entry.key], message: `${formatPath([...path, entry.key])}: unknown field "${entry.key}"`, from: key.from, to: key.to, severity: 'error' });
      else check(document, resolveSchema(document, property), entry.value, [...path, entry.key], key, out);
    }
    const present = new Set(value.entries.map((e) => e.key));
    for (const name of schema.required ?? []) {
      if (!present.has(name)) report(`${formatPath(path) || 'document'}: missing required field "${name}"`, anchor ?? firstKey(value), 'warning');
    }
  }
}

/** Custom resources say `x-kubernetes-int-or-string`, the apiserver's own IntOrString `format: int-or-string`. */
function isIntOrString(schema: OpenApiSchema): boolean {
  return schema['x-kubernetes-int-or-string'] === true || schema.format === 'int-or-string';
}

type FoundType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';

function valueType(value: YamlValue & { type: 'mapping' | 'sequence' | 'scalar' }): FoundType {
  if (value.type === 'mapping') return 'object';
  if (value.type === 'sequence') return 'array';
  const v = value.value;
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v === 'boolean' ? 'boolean' : 'string';
}

function typeMatches(schema: OpenApiSchema, found: FoundType): boolean {
  if (isIntOrString(schema)) return found === 'integer' || found === 'string';
  if (schema.format === QUANTITY) return found === 'string' || found === 'integer' || found === 'number';
  switch (schema.type) {
    case undefined:
      return true;
    case 'number':
      return found === 'number' || found === 'integer';
    default:
      return schema.type === found;
  }
}
