/**
 * The one place that turns zod issues into words for people: the build's
 * feature table, the release file, the channel configuration, the add-on's
 * manifest refusals and the server's 400 answers all name fields the same way.
 *
 * Fields read `features[1] (page-notes).signOffs.privacy.sha256`: array
 * elements by index, with the element's `id` when it has one; an unknown key
 * is reported as its own field.
 *
 * @example
 * const result = releaseSchema.safeParse(raw);
 * if (!result.success) formatZodIssues(result.error, { input: raw, file: 'release/beta.json' });
 * // 'release/beta.json: features[0] (page-notes).rollout: must be a percentage from 0 to 100'
 */
import type * as z from 'zod/mini';

export interface ZodIssueOptions {
  /** What was parsed: lets a message quote the bad value, name array elements by id and tell "missing" from "wrong type". */
  input?: unknown;
  /** The name of the whole input, put before every field: "body" gives "body.counts[1].event". */
  root?: string;
}

export interface FormatZodIssuesOptions extends ZodIssueOptions {
  /** The file the input came from, named once before the issues. */
  file?: string;
}

/** One offending field and what is wrong with it. */
export interface FieldIssue {
  field: string;
  message: string;
}

type Issue = z.core.$ZodIssue;

/** Every issue as a field and a message; an issue about unknown keys becomes one entry per key. */
export function listZodIssues(error: z.core.$ZodError | readonly Issue[], options: ZodIssueOptions = {}): FieldIssue[] {
  const issues = 'issues' in error ? error.issues : error;
  const entries: FieldIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) entries.push({ field: formatField([...issue.path, key], options), message: 'unknown field' });
      continue;
    }
    entries.push({ field: formatField(issue.path, options), message: describeIssue(issue, options) });
  }
  return entries;
}

/** Every issue on one line, "field: message" separated by "; ", after the file when one is given. */
export function formatZodIssues(error: z.core.$ZodError | readonly Issue[], options: FormatZodIssuesOptions = {}): string {
  const text = listZodIssues(error, options)
    .map(({ field, message }) => `${field}: ${message}`)
    .join('; ');
  return options.file ? `${options.file}: ${text}` : text;
}

function describeIssue(issue: Issue, options: ZodIssueOptions): string {
  const hasInput = 'input' in options;
  const value = hasInput ? valueAt(options.input, issue.path) : undefined;
  if (issue.code === 'invalid_type') {
    const missing = hasInput ? value === undefined : /received undefined$/.test(issue.message);
    if (missing) return `missing (expected ${issue.expected})`;
  }
  if (issue.code === 'invalid_value') {
    const allowed = issue.values.map(String).join(', ');
    return hasInput ? `${JSON.stringify(value)} is not one of: ${allowed}` : `must be one of: ${allowed}`;
  }
  // The add-on loads no zod locale (its size is paid on every wake): words from the issue's own fields stand in.
  if (issue.message === 'Invalid input') return describeBareIssue(issue);
  return issue.message.replace(/^Invalid input: /, '');
}

function describeBareIssue(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}`;
    case 'too_small':
      return `must be at least ${String(issue.minimum)}`;
    case 'invalid_format':
      return `must be a valid ${issue.format}`;
    default:
      return `invalid (${issue.code})`;
  }
}

function formatField(path: readonly PropertyKey[], options: ZodIssueOptions): string {
  let field = options.root ?? '';
  let node: unknown = options.input;
  for (const key of path) {
    node = node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
    if (typeof key === 'number') {
      const id = node !== null && typeof node === 'object' ? (node as { id?: unknown }).id : undefined;
      field += `[${key}]${typeof id === 'string' ? ` (${id})` : ''}`;
    } else {
      field += `${field ? '.' : ''}${String(key)}`;
    }
  }
  return field || '(top level)';
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
