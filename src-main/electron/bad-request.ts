// A payload the contract refuses (a bug, or a page gone hostile) is told so as a coded error:
// zod's English for the message, and each field's issue as a kind with its bound, which the
// window words in its language (shared/field-issues.ts).
import type { z } from 'zod';
import { issueParams } from '../shared/field-issues.ts';
import { CodedError } from '../shared/errors.ts';

/** "bad request: epochs: Too big: …", coded `bad-request`. */
export function badRequest(error: z.ZodError): CodedError {
  const params = issueParams(error.issues);
  return new CodedError('bad-request', `bad request: ${params.issues}`, params);
}
