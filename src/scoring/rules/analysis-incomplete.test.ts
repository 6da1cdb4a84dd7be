import { describe, expect, it } from '@jest/globals';

import { execution, withExecution, withExecutions } from '../../../test/support/execution.js';
import { PROFILES } from '../profiles.js';
import { analysisIncomplete } from './analysis-incomplete.js';

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
