// What is wrong with each field of a value zod refused, as kinds with their bounds
// (FIELD_ISSUE_KINDS) that the window words in its language: the training form's fields as
// they are typed (the renderer's training store), a request the window sent
// (electron/bad-request.ts), a model folder's metadata (store/meta-check.ts). Dependency-free:
// it reads zod's issues by their shape.
import type { FieldIssue, FieldIssueKind } from './errors.ts';

/** The parts of a zod issue read here (zod 4's `$ZodIssue` has these shapes). */
export interface SchemaIssue {
  readonly code: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly expected?: string;
  readonly origin?: string;
  readonly minimum?: number | bigint;
  readonly maximum?: number | bigint;
  readonly inclusive?: boolean;
  readonly values?: readonly unknown[];
  readonly keys?: readonly string[];
}

/** Sizes of text and lists are lengths; of numbers, values. */
const LENGTH_ORIGINS = new Set(['string', 'array', 'set', 'file']);

function kindOf(issue: SchemaIssue): { kind: FieldIssueKind; limit?: string } {
  const length = LENGTH_ORIGINS.has(issue.origin ?? '');
  switch (issue.code) {
    case 'invalid_type':
      // An empty or half-typed number field is NaN; z.int() says `int`.
      return { kind: issue.expected === 'number' ? 'not-a-number' : issue.expected === 'int' ? 'not-whole' : 'wrong-type' };
    case 'too_small':
      return { kind: length ? 'too-short' : issue.inclusive === false ? 'not-above' : 'too-small', limit: String(issue.minimum) };
    case 'too_big':
      return { kind: length ? 'too-long' : issue.inclusive === false ? 'not-below' : 'too-big', limit: String(issue.maximum) };
    case 'invalid_union':
    case 'invalid_key':
    case 'invalid_element':
      return { kind: 'wrong-type' };
    case 'invalid_format':
    case 'not_multiple_of':
      return { kind: 'bad-format' };
    case 'unrecognized_keys':
      return { kind: 'unknown-field' };
    case 'invalid_value':
      return { kind: 'not-allowed', limit: (issue.values ?? []).map(String).join(', ') };
    default:
      return { kind: 'other' };
  }
}

/** One entry a field: an unknown key is named as the field it would be. */
export function fieldIssues(issues: readonly SchemaIssue[]): FieldIssue[] {
  return issues.flatMap((issue) => {
    const at = issue.path.map(String).join('.');
    const { kind, limit } = kindOf(issue);
    const fields = issue.code === 'unrecognized_keys' ? (issue.keys ?? []).map((k) => (at ? `${at}.${k}` : k)) : [at];
    return fields.map((field) => ({ field, kind, ...(limit !== undefined ? { limit } : {}) }));
  });
}

/** At most this many issues travel (a hostile payload may have thousands). */
const MAX_ISSUES = 8;

/**
 * The values of a coded error about a refused value: `issues`, zod's English ("epochs: Too big:
 * …"; the window words them anew), and `issueList`, the issues as JSON for the window to word.
 * `whole` names a value refused as a whole (its path is empty): a file's name, say; without it,
 * "the request" (the window's own word for it).
 */
export function issueParams(issues: readonly SchemaIssue[], whole?: string): { issues: string; issueList: string } {
  const english = issues
    .slice(0, MAX_ISSUES)
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : (whole ?? 'the request')}: ${i.message}`)
    .join('; ');
  const list = fieldIssues(issues.slice(0, MAX_ISSUES)).map((i) => (i.field || whole === undefined ? i : { ...i, field: whole }));
  return { issues: english, issueList: JSON.stringify(list) };
}
