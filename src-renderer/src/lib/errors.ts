// Errors from main in the user's language: a coded error (src-main/shared/errors.ts) is shown
// with its own words in each locale; any other shows main's message as it came. A reply's own
// error (a folder row's) comes as its English and its code side by side: the same words. A
// system error inside one (its {reason}, with `reasonCode`) is worded too, never Node's English.
import { useI18n } from 'vue-i18n';
import { readError } from '../../../src-main/contract';
import { FIELD_ISSUE_KINDS, type Coded, type ErrorParams, type FieldIssue } from '../../../src-main/shared/errors';

export type CodedText = { message: string; coded?: Coded };

/**
 * `params` with a system error's {reason}, a refused name's {problem} and a refused request's
 * {issues} in the user's language.
 */
export function useReasonParams(): (params: ErrorParams) => ErrorParams {
  const { t, te } = useI18n();
  const issueText = useFieldIssueText();
  const issue = (i: FieldIssue) => t('fieldIssues.field', { field: i.field || t('fieldIssues.request'), issue: issueText(i) });
  return (params) => {
    const code = params.reasonCode;
    const problem = params.problemCode;
    const issues = typeof params.issueList === 'string' ? issuesOf(params.issueList) : [];
    return {
      ...params,
      ...(typeof code === 'string' && te(`systemReasons.${code}`) ? { reason: t(`systemReasons.${code}`) } : {}),
      ...(typeof problem === 'string' && te(`nameProblems.${problem}`) ? { problem: t(`nameProblems.${problem}`) } : {}),
      ...(issues.length ? { issues: issues.map(issue).join('; ') } : {}),
    };
  };
}

/** What is wrong with a field, in the user's language: "must be at most 1000". */
export function useFieldIssueText(): (issue: FieldIssue) => string {
  const { t } = useI18n();
  return (i) => t(`fieldIssues.${i.kind}`, { limit: i.limit ?? '' });
}

/** The issues a `bad-request` lists (JSON from main): the ones with a kind the window knows. */
function issuesOf(list: string): FieldIssue[] {
  try {
    const parsed: unknown = JSON.parse(list);
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (i): i is FieldIssue =>
        typeof i === 'object' &&
        i !== null &&
        typeof i.field === 'string' &&
        (FIELD_ISSUE_KINDS as readonly string[]).includes(i.kind) &&
        (i.limit === undefined || typeof i.limit === 'string'),
    );
  } catch {
    return [];
  }
}

export function useErrorText(): (err: unknown) => string {
  const { t, te } = useI18n();
  const local = useReasonParams();
  return (err) => {
    if (err === '' || err === null || err === undefined) return '';
    const e = isCodedText(err) ? { message: err.message, ...err.coded } : readError(err instanceof Error ? err : new Error(String(err)));
    return e.code && te(`errors.${e.code}`) ? t(`errors.${e.code}`, local(e.params ?? {})) : e.message;
  };
}

function isCodedText(err: unknown): err is CodedText {
  return typeof err === 'object' && err !== null && !(err instanceof Error) && typeof (err as CodedText).message === 'string';
}
