import { describe, expect, it } from '@jest/globals';

import { execution, invocation, withExecution, withExecutions } from '../../../test/support/execution.js';
import { scoreWorkload } from '../score.js';
import type { Rule } from '../types.js';
import { ENGINE_ERROR_RULE } from '../types.js';
import { PROFILES } from '../profiles.js';
import { analysisIncomplete } from './analysis-incomplete.js';
import { shellWrapper } from './shell-wrapper.js';

describe('analysis-incomplete', () => {
  it('fires once per container that reached a limit, naming the first and counting the rest', () => {
    const workload = withExecutions([
      execution({ limits: ['nesting over 64 at command[2]', 'script over 1 MiB'] }),
      execution(),
      execution({ limits: ['work budget spent'] }),
    ]);
    const found = analysisIncomplete.check(workload, undefined);
    expect(found.map((e) => e.detail)).toEqual([
      'nesting over 64 at command[2] (+1 more)',
      'work budget spent',
    ]);
  });

  it('does not fire on syntax problems alone', () => {
    expect(
      analysisIncomplete.check(withExecution(execution({ problems: ['unterminated quote'] })), undefined),
    ).toEqual([]);
  });

  it('weighs the default profile’s deny threshold, so a cut-short object fails closed', () => {
    expect(analysisIncomplete.weight).toBe(PROFILES.default.thresholds.deny);
  });
});

describe('engine-error', () => {
  it('a rule that throws becomes an engine-error finding and a listed error (onError decides), never an exception', () => {
    const throwing: Rule = {
      ...shellWrapper,
      id: 'always-throws',
      check: () => {
        throw new Error('boom');
      },
    };
    const score = scoreWorkload(withExecution(execution()), [
      { rule: throwing, weight: 4, params: undefined },
    ]);
    expect(score.errors).toEqual(['always-throws']);
    expect(score.findings[0]).toMatchObject({
      rule: ENGINE_ERROR_RULE,
      message: 'rule always-throws failed',
      detail: 'boom',
    });
    expect(score.score).toBe(0);
  });
});

describe('shell-wrapper', () => {
  it('notes a container whose own program is a shell with a script, not hooks or nested shells', () => {
    const own = invocation(['sh', '-ec', 'x'], { depth: 0, path: 'p0' });
    expect(shellWrapper.check(withExecution(execution({ invocations: [own] })), undefined)).toHaveLength(1);
    const hook = invocation(['sh', '-c', 'x'], { depth: 0, site: 'lifecycle' });
    const nested = invocation(['bash', '-c', 'x'], { depth: 2 });
    const plain = invocation(['pg_dump'], { depth: 0 });
    expect(
      shellWrapper.check(withExecution(execution({ invocations: [hook, nested, plain] })), undefined),
    ).toEqual([]);
  });
});
