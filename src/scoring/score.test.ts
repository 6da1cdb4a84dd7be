import { describe, expect, it } from '@jest/globals';

import { execution, withExecution } from '../../test/support/execution.js';
import { shellWrapper } from './rules/shell-wrapper.js';
import { scoreWorkload } from './score.js';
import type { Rule } from './types.js';
import { ENGINE_ERROR_RULE } from './types.js';

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
