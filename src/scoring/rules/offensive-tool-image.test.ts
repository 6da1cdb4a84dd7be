import { describe, expect, it } from '@jest/globals';

import { flaggedImages } from '../../../test/support/rule.js';
import { offensiveToolImage } from './offensive-tool-image.js';

describe('offensive-tool-image', () => {
  it.each([
    ['kalilinux/kali-rolling', true],
    ['docker.io/kalilinux/kali-last-release:latest', true],
    ['parrotsec/security', true],
    ['instrumentisto/nmap:7.94', true],
    ['ilyaglow/masscan', true],
    ['metasploitframework/metasploit-framework', true],
    ['bcsecurity/empire:latest', true],
    ['jpillora/chisel', true],
    ['aquasec/kube-hunter', true],
    ['xmrig/xmrig', true],
    ['metal3d/xmrig', true],
    ['example.com/red/pentest-tools:1', true],
    ['subfuzion/netcat', true],
    ['alpine', false],
    ['nicolaka/netshoot', false],
    ['aquasec/kube-bench:v0.8.0', false],
    ['aquasec/trivy', false],
    ['nmap-exporter/app', false],
  ])('%s → %s', (image, expected) => {
    expect(flaggedImages(offensiveToolImage, [image]).length > 0).toBe(expected);
  });

  it('weighs 4: warns on its own and denies with other evidence', () => {
    expect(offensiveToolImage.weight).toBe(4);
  });
});
