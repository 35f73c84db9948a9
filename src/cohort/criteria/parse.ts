import { CohortlinkError, type Issue, issuesFromZod } from '../../errors.js';
import { CRITERIA_LIMITS } from './limits.js';
import { type CriteriaRequest, type Criterion, criteriaSchema } from './schema.js';

/**
 * Validates an untrusted criteria request. Every problem is reported at once with its JSON
 * path, as CL_USAGE (HTTP 400). Order of checks: JSON nesting first (iteratively, so a deeply
 * nested body is refused before zod recurses into it), then the zod schema, then the limits
 * that need the whole tree (criterion depth, predicate count).
 */
export function parseCriteria(json: unknown): CriteriaRequest {
  const tooDeep = firstPathDeeperThan(json, CRITERIA_LIMITS.maxJsonDepth);
  if (tooDeep !== null) {
    throw invalid([{ path: tooDeep, message: `JSON nested deeper than ${CRITERIA_LIMITS.maxJsonDepth}` }]);
  }
  const parsed = criteriaSchema.safeParse(json);
  if (!parsed.success) throw invalid(issuesFromZod(parsed.error));
  const issues = treeLimitIssues(parsed.data.where);
  if (issues.length > 0) throw invalid(issues);
  return parsed.data;
}

function invalid(issues: readonly Issue[]): CohortlinkError {
  return new CohortlinkError('CL_USAGE', 'the cohort criteria are invalid', issues);
}

/** The path of the first value nested deeper than `limit`, or null; an explicit stack, no recursion. */
function firstPathDeeperThan(root: unknown, limit: number): string | null {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: root, path: '$', depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth >= limit) return path;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++)
        stack.push({ value: value[i], path: `${path}[${i}]`, depth: depth + 1 });
    } else {
      for (const [k, v] of Object.entries(value))
        stack.push({ value: v, path: `${path}.${k}`, depth: depth + 1 });
    }
  }
  return null;
}

/** Criterion depth (all / any / not nesting) and the number of leaf predicates. */
function treeLimitIssues(where: Criterion): Issue[] {
  const issues: Issue[] = [];
  let predicates = 0;
  const walk = (c: Criterion, path: string, depth: number): void => {
    if (depth > CRITERIA_LIMITS.maxDepth) {
      issues.push({ path, message: `criteria nested deeper than ${CRITERIA_LIMITS.maxDepth}` });
      return;
    }
    if ('all' in c) {
      for (const [i, x] of c.all.entries()) walk(x, `${path}.all[${i}]`, depth + 1);
    } else if ('any' in c) {
      for (const [i, x] of c.any.entries()) walk(x, `${path}.any[${i}]`, depth + 1);
    } else if ('not' in c) walk(c.not, `${path}.not`, depth + 1);
    else predicates++;
  };
  walk(where, '$.where', 0);
  if (predicates > CRITERIA_LIMITS.maxPredicates) {
    issues.push({
      path: '$.where',
      message: `${predicates} predicates; at most ${CRITERIA_LIMITS.maxPredicates} are allowed`,
    });
  }
  return issues;
}
