/**
 * A researcher attacking feasibility through the service's own modules, as the route runs them
 * (assertMayQuery → history → planAnswer → publishPlan → recordAnsweredQuery in one
 * transaction, over an in-memory store), or through today's publishFeasibility alone for
 * comparison; and the attacker's likelihood under the documented rule (counts 0–7 shown as "<8",
 * any other count n as 5⌊n/5⌋ or 5⌊n/5⌋ + 5, at least 10, up with chance (2j + 1)/10 for
 * remainder j). The attacker knows the rule, not the key.
 */
import { publishPlan } from '../../../src/cohort/disclosure/controlledPublish.js';
import {
  createDisclosureKey,
  type PublishedCell,
  publishFeasibility,
} from '../../../src/cohort/disclosure/index.js';
import { planAnswer } from '../../../src/cohort/disclosure/overlapControl.js';
import {
  assertMayQuery,
  DEFAULT_QUERY_BUDGET,
  feasibilityHistory,
  recordAnsweredQuery,
  setBudget,
} from '../../../src/cohort/disclosure/queryBudget.js';
import { CohortlinkError } from '../../../src/errors.js';
import { type Db, openDatabase } from '../../../src/store/db.js';
import { createOrganisation } from '../../../src/store/repos/organisations.js';
import { createProject } from '../../../src/store/repos/projects.js';
import { layoutOf, type People, querySets } from './people.js';

export const INDEX_DATE = '2025-06-01';
const key = createDisclosureKey('attack-test-secret-0123456789abcdef');

/** What a requester sees of one answer (the cells an attacker can use). */
export interface View {
  readonly total: PublishedCell;
  readonly byRegion: Readonly<Record<string, PublishedCell>>;
  readonly byAgeBand: Readonly<Record<string, PublishedCell>>;
  readonly bySex: Readonly<Record<string, PublishedCell>>;
  readonly excluded: Readonly<Record<string, PublishedCell>>;
  readonly linkageRange: { readonly low: PublishedCell; readonly high: PublishedCell };
}

export type Mode = 'controlled' | 'uncontrolled';

/** One organisation asking feasibility questions on one run. */
export class Service {
  private readonly db: Db;
  private readonly layout;
  private readonly ctx;
  private n = 0;

  constructor(
    readonly people: People,
    readonly mode: Mode,
    budget: number = DEFAULT_QUERY_BUDGET,
  ) {
    this.layout = layoutOf(people);
    this.db = openDatabase(':memory:');
    const org = createOrganisation(this.db, 'Attacker').id;
    const project = createProject(this.db, 'Trial').id;
    this.db
      .prepare(
        `INSERT INTO run (id, project_id, requested_by, options_json, dataset_ids_json, state, created_at)
         VALUES ('run', ?, ?, '{}', '[]', 'succeeded', 'now')`,
      )
      .run(project, org);
    this.ctx = { projectId: project, runId: 'run', organisationId: org, defaultBudget: DEFAULT_QUERY_BUDGET };
    if (budget !== DEFAULT_QUERY_BUDGET) setBudget(this.db, project, org, budget);
  }

  /** The answer, or undefined once the budget is spent. */
  ask(chosen: Iterable<number>): View | undefined {
    const sets = querySets(this.people, chosen, INDEX_DATE);
    if (this.mode === 'uncontrolled') {
      // Today's route: every cell rounded on its own, no memory, no budget.
      const plan = planAnswer(sets, [], this.layout);
      const c = (prefix: string) =>
        Object.fromEntries(
          plan.cells
            .filter((x) => x.path.startsWith(`${prefix}.`))
            .map((x) => [x.path.slice(prefix.length + 1), x.count]),
        );
      const total = plan.cells[0]!.count;
      const ex = c('excluded');
      return publishFeasibility(
        {
          total,
          byRegion: c('byRegion'),
          byAgeBand: c('byAgeBand'),
          bySex: c('bySex'),
          excluded: { deceased: ex.deceased!, optedOut: ex.optedOut! },
          linkageRange: { low: total, high: total },
        },
        { key },
      );
    }
    try {
      return this.db.transaction(() => {
        assertMayQuery(this.db, this.ctx);
        const history = feasibilityHistory(this.db, this.ctx.runId, this.ctx.organisationId);
        const plan = planAnswer(sets, history, this.layout);
        const total = plan.cells[0]!.count;
        const { feasibility, cells } = publishPlan(plan, {
          key,
          history,
          linkageRange: { low: total, high: total },
        });
        recordAnsweredQuery(this.db, {
          ...this.ctx,
          id: `q${++this.n}`,
          at: new Date().toISOString(),
          plan,
          cells,
        });
        return feasibility;
      })();
    } catch (e) {
      if (e instanceof CohortlinkError && e.code === 'CL_BUDGET_EXHAUSTED') return undefined;
      throw e;
    }
  }
}

/** Everything the attacker saw, as text: equal transcripts mean the answers told it nothing. */
export const transcript = (views: readonly (View | undefined)[]): string =>
  JSON.stringify(
    views.map((v) =>
      v === undefined
        ? 'refused'
        : [v.total, v.byRegion, v.byAgeBand, v.bySex, v.excluded, v.linkageRange.low, v.linkageRange.high],
    ),
  );

/** P(cell shown as it is | true count n), under the documented rule with zeros suppressed. */
export function shownGiven(cell: PublishedCell, n: number): number {
  if (cell.suppressed) return n <= 7 ? 1 : 0;
  if (n < 8) return 0;
  const down = Math.floor(n / 5) * 5;
  const j = n - down;
  const pUp = (2 * j + 1) / 10;
  let p = 0;
  if (cell.value === Math.max(down + 5, 10)) p += pUp;
  if (cell.value === Math.max(down, 10)) p += 1 - pUp;
  return p;
}

/** The counts a shown cell allows. */
function support(cell: PublishedCell): [number, number] {
  return cell.suppressed ? [0, 7] : [Math.max(8, cell.value! - 5), cell.value! + 4];
}

const LOG_FACT = [0];
const logFact = (n: number) => {
  while (LOG_FACT.length <= n) LOG_FACT.push(LOG_FACT[LOG_FACT.length - 1]! + Math.log(LOG_FACT.length));
  return LOG_FACT[n]!;
};
const poisson = (n: number, lambda: number) => Math.exp(n * Math.log(lambda) - lambda - logFact(n));

/**
 * P(cells shown as they are | their counts sum to m), as a function of m. The split of m over the
 * cells is unknown: either every split equally likely (`shares` undefined: the attacker picked
 * the parts' sizes itself, independently), or multinomial with known shares (people fall into
 * age bands in known proportions). Getting this prior right matters: a weight that grows with m,
 * summed over many queries, biases the estimate of |S| = total − m.
 */
export function splitLikelihood(
  cells: readonly PublishedCell[],
  shares?: readonly number[],
): (m: number) => number {
  const lambda = cells.reduce((a, c) => a + (c.suppressed ? 3 : c.value!), 0) || 1;
  let lo = 0;
  let f = [1];
  cells.forEach((c, k) => {
    const [clo, chi] = support(c);
    const g = Array.from(
      { length: chi - clo + 1 },
      (_, i) => shownGiven(c, clo + i) * (shares === undefined ? 1 : poisson(clo + i, lambda * shares[k]!)),
    );
    const next = new Array<number>(f.length + g.length - 1).fill(0);
    for (let i = 0; i < f.length; i++) for (let j = 0; j < g.length; j++) next[i + j]! += f[i]! * g[j]!;
    lo += clo;
    f = next;
  });
  const k = cells.length;
  return (m) => {
    const v = m < lo ? 0 : (f[m - lo] ?? 0);
    if (v === 0) return 0;
    // Multinomial = product of Poissons over the Poisson of the sum; uniform = 1 / compositions.
    return shares === undefined
      ? v / Math.exp(logFact(m + k - 1) - logFact(k - 1) - logFact(m))
      : v / poisson(m, lambda);
  };
}

/** The sums of counts a set of shown cells allows. */
export function sumRange(cells: readonly PublishedCell[]): [number, number] {
  return cells.reduce<[number, number]>(
    (acc, c) => {
      const [lo, hi] = support(c);
      return [acc[0] + lo, acc[1] + hi];
    },
    [0, 0],
  );
}

/** Posterior summary over s = 0..7 from log-likelihoods (flat prior). */
export function verdict(logL: readonly number[]) {
  const top = Math.max(...logL);
  const rel = logL.map((l) => Math.exp(l - top));
  const z = rel.reduce((a, b) => a + b, 0);
  return {
    ml: logL.indexOf(top),
    /** Values whose likelihood is within a factor 20 of the best. */
    plausible: rel.filter((r) => r >= 0.05).length,
    posteriorOfBest: 1 / z,
  };
}
