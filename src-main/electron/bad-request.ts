// A payload the contract refuses (a bug, or a page gone hostile) is told so as a coded error:
// zod's English for the log and the CLI-like reader, and each field's issue as a kind with its
// bound, which the window words in its language (shared/errors.ts REQUEST_ISSUE_KINDS).
import type { z } from 'zod';
import { CodedError, type RequestIssue, type RequestIssueKind } from '../shared/errors.ts';

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
export function requestIssues(error: z.ZodError): RequestIssue[] {
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
 * The error for a refused payload: its English as before ("bad request: epochs: Too big: …"),
 * `issues` the same words (the window words them anew), and `issueList` the issues as JSON for the window to word.
 */
export function badRequest(error: z.ZodError): CodedError {
  const details = error.issues
    .slice(0, MAX_ISSUES)
    .map((i) => `${i.path.join('.')}: ${i.message}`)
    .join('; ');
  const issues = requestIssues(error).slice(0, MAX_ISSUES);
  return new CodedError('bad-request', `bad request: ${details}`, { issues: details, issueList: JSON.stringify(issues) });
}
