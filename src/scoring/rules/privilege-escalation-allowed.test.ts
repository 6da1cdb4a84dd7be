import { describe, expect, it } from '@jest/globals';

import { CRON, run, withSecurityContext } from '../../../test/support/rule.js';
import { privilegeEscalationAllowed } from './privilege-escalation-allowed.js';

describe('privilege-escalation-allowed', () => {
  const path = `${CRON}.containers[0].securityContext.allowPrivilegeEscalation`;
  it.each([
    [
      'explicit true',
      withSecurityContext({ allowPrivilegeEscalation: true }),
      [{ path, detail: 'container app' }],
    ],
    ['explicit false', withSecurityContext({ allowPrivilegeEscalation: false }), []],
    ['unset (the default)', withSecurityContext({}), []],
    ['the string "true"', withSecurityContext({ allowPrivilegeEscalation: 'true' }), []],
  ])('%s', (_name, workload, expected) => {
    expect(run(privilegeEscalationAllowed, workload)).toEqual(expected);
  });

  it('weighs 1: context: at most annotates on its own', () => {
    expect(privilegeEscalationAllowed.weight).toBe(1);
  });
});
