// What is wrong with each field of a value zod refused, as kinds with their bounds
// (shared/errors.ts REQUEST_ISSUE_KINDS) that the window words in its language: a request the
// window sent (electron/bad-request.ts), a model folder's metadata (store/meta-check.ts).
import type { z } from 'zod';
import type { RequestIssue, RequestIssueKind } from '../shared/errors.ts';

type Issue = z.core.$ZodIssue;

/** Sizes of text and lists are lengths; of numbers, values. */
const LENGTH_ORIGINS = new Set(['string', 'array', 'set', 'file']);

function kindOf(issue: Issue): { kind: RequestIssueKind; limit?: string } {
  switch (issue.code) {
    case 'invalid_type':
      return { kind: 'wrong-type', limit: issue.expected };
    case 'invalid_union':
    case 'invalid_key':
    case 'invalid_element':
      return { kind: 'wrong-type' };
    case 'too_small':
      return { kind: LENGTH_ORIGINS.has(issue.origin) ? 'too-short' : 'too-small', limit: String(issue.minimum) };
    case 'too_big':
      return { kind: LENGTH_ORIGINS.has(issue.origin) ? 'too-long' : 'too-big', limit: String(issue.maximum) };
    case 'invalid_format':
    case 'not_multiple_of':
      return { kind: 'bad-format' };
    case 'unrecognized_keys':
      return { kind: 'unknown-field' };
    case 'invalid_value':
      return { kind: 'not-allowed', limit: issue.values.map(String).join(', ') };
    default:
      return { kind: 'other' };
  }
}

/** One entry a field: an unknown key is named as the field it would be. */
export function fieldIssues(error: z.ZodError): RequestIssue[] {
  return error.issues.flatMap((issue) => {
    const at = issue.path.map(String).join('.');
    const { kind, limit } = kindOf(issue);
    const fields = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => (at ? `${at}.${k}` : k)) : [at];
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
export function issueParams(error: z.ZodError, whole?: string): { issues: string; issueList: string } {
  const issues = error.issues
    .slice(0, MAX_ISSUES)
    .map((i) => `${i.path.length ? i.path.join('.') : (whole ?? 'the request')}: ${i.message}`)
    .join('; ');
  const list = fieldIssues(error)
    .slice(0, MAX_ISSUES)
    .map((i) => (i.field || whole === undefined ? i : { ...i, field: whole }));
  return { issues, issueList: JSON.stringify(list) };
}
