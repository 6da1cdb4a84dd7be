import { describe, expect, it } from '@jest/globals';

import type { Execution } from '../../workload/model.js';
import { execution, fetch, flow } from '../../../test/support/execution.js';
import { credential, fires, send } from '../../../test/support/rule.js';
import { cloudCredentialTheft } from './cloud-credential-theft.js';

const gcp = credential(
  'cloud-identity-token',
  'http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token',
  'gcp',
);
const GCP_TOKEN_URL = gcp.kind === 'credential' ? gcp.source : '';
const aws = credential(
  'cloud-credentials',
  'http://169.254.169.254/latest/meta-data/iam/security-credentials/role',
  'aws',
);

describe('cloud-credential-theft', () => {
  it.each<[string, Execution]>([
    ['a GCP token sent to another host', execution({ flows: [send(gcp, 'https://collector.example/t')] })],
    ['AWS role credentials printed to the log', execution({ flows: [flow(aws, 'log')] })],
    [
      'role credentials requested (decimal address) for no documented use',
      execution({ actions: [fetch('http://2852039166/latest/meta-data/iam/security-credentials/role')] }),
    ],
  ])('fires on %s', (_name, model) => {
    expect(fires(cloudCredentialTheft, model)).toBe(true);
  });

  it.each<[string, Execution]>([
    [
      'Google’s recipe: token to googleapis.com',
      execution({
        actions: [fetch(GCP_TOKEN_URL)],
        flows: [send(gcp, 'https://bigquery.googleapis.com/bigquery/v2/projects')],
      }),
    ],
    [
      'Azure’s recipe: token to management.azure.com',
      execution({
        flows: [
          send(
            credential('cloud-identity-token', 'imds', 'azure'),
            'https://management.azure.com/subscriptions',
          ),
        ],
      }),
    ],
    [
      'a region lookup',
      execution({ actions: [fetch('http://169.254.169.254/latest/meta-data/placement/region')] }),
    ],
  ])('does not fire on %s', (_name, model) => {
    expect(fires(cloudCredentialTheft, model)).toBe(false);
  });

  it('weighs 8: denies on its own (the default deny threshold is 8)', () => {
    expect(cloudCredentialTheft.weight).toBe(8);
  });
});
