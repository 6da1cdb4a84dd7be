import { describe, expect, it } from '@jest/globals';

import { execution, fetch } from '../../../test/support/execution.js';
import { credential, fires, send } from '../../../test/support/rule.js';
import { cloudMetadataAccess } from './cloud-metadata-access.js';

const gcp = credential(
  'cloud-identity-token',
  'http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token',
  'gcp',
);
const GCP_TOKEN_URL = gcp.kind === 'credential' ? gcp.source : '';

describe('cloud-metadata-access', () => {
  it('is quiet for a provider’s own recipe (token fetched, sent only to its APIs), not for a token sent elsewhere', () => {
    const recipe = execution({
      actions: [fetch(GCP_TOKEN_URL)],
      flows: [send(gcp, 'https://storage.googleapis.com/upload/x')],
    });
    expect(fires(cloudMetadataAccess, recipe)).toBe(false);
    const stolen = execution({
      actions: [fetch(GCP_TOKEN_URL)],
      flows: [send(gcp, 'https://collector.example/t')],
    });
    expect(fires(cloudMetadataAccess, stolen)).toBe(true);
  });

  it('is context for any spelling of the address, and not for other hosts', () => {
    expect(
      fires(
        cloudMetadataAccess,
        execution({ actions: [fetch('http://[::ffff:a9fe:a9fe]/latest/meta-data/')] }),
      ),
    ).toBe(true);
    expect(fires(cloudMetadataAccess, execution({ actions: [fetch('http://169.254.169.2540/')] }))).toBe(
      false,
    );
    expect(cloudMetadataAccess.weight).toBeLessThan(4);
  });
});
