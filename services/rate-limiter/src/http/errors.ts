// The library's validation errors as HTTP: a rule, policy, key or cost the limiter refuses is the
// client's mistake (400), never a 500.
import { isRateLimitError, type Rule, validateRule } from '@lab/ratelimit';
import { HttpError } from '@lab/service-kit';

export async function asClientError<T>(work: () => Promise<T> | T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isRateLimitError(error)) throw new HttpError(400, error.code, error.message);
    throw error;
  }
}

/** The checks zod cannot express (burst only for buckets, the sliding log's size cap). */
export function checkedRule(rule: Rule, code = 'INVALID_RULE'): Rule {
  try {
    return validateRule(rule);
  } catch (error) {
    if (isRateLimitError(error)) throw new HttpError(400, code, error.message);
    throw error;
  }
}
