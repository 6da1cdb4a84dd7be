import { describe, expect, it } from '@jest/globals';

import type { Workload } from '../../workload/types.js';
import { encodedPayload } from './encoded-payload.js';
import { C0, argv, b64, cronJob, sh } from '../../../test/support/workloads.js';

function paths(workload: Workload): string[] {
  return encodedPayload.check(workload, undefined).map((evidence) => evidence.path);
}

const hex = (text: string): string => Buffer.from(text).toString('hex');
const escaped = (text: string): string =>
  [...Buffer.from(text)].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');

describe('encoded-payload', () => {
  it.each<[string, Workload, string[]]>([
    ['echo | base64 -d | sh', sh(`echo ${b64('id')} | base64 -d | sh`), [`${C0}.command[2]`]],
    ['base64 --decode | bash', sh(`echo ${b64('id')} | base64 --decode | bash`), [`${C0}.command[2]`]],
    ['base64 -d | gunzip | sh', sh(`echo H4sI | base64 -d | gunzip | sh`), [`${C0}.command[2]`]],
    ['openssl base64 -d | sh', sh(`echo ${b64('id')} | openssl base64 -d | sh`), [`${C0}.command[2]`]],
    ['xxd -r -p | sh', sh(`echo ${hex('id')} | xxd -r -p | sh`), [`${C0}.command[2]`]],
    ["printf '\\x…' | sh", sh(`printf '${escaped('id')}' | sh`), [`${C0}.command[2]`]],
    ["echo -e '\\x…' | bash", sh(`echo -e '${escaped('id; uname')}' | bash`), [`${C0}.command[2]`]],
    ['base64 -d | python3', sh(`echo ${b64('print(1)')} | base64 -d | python3`), [`${C0}.command[2]`]],
    ['eval "$(… | base64 -d)"', sh(`eval "$(echo ${b64('id')} | base64 -d)"`), [`${C0}.command[2]`]],
    ['sh -c "$(… | base64 -d)"', sh(`sh -c "$(echo ${b64('id')} | base64 -d)"`), [`${C0}.command[2]`]],
    ['bash <(… | base64 -d)', sh(`bash <(echo ${b64('id')} | base64 -d)`), [`${C0}.command[2]`]],
    [
      'X=$(… base64 -d); eval "$X"',
      sh(`X=$(echo ${b64('id')} | base64 -d); eval "$X"`),
      [`${C0}.command[2]`],
    ],
    ['eval "$(printf \'\\x…\')"', sh(`eval "$(printf '${escaped('id')}')"`), [`${C0}.command[2]`]],
    [
      'decoded to a file then run',
      sh(`echo ${b64('id')} | base64 -d > /tmp/x; chmod +x /tmp/x; /tmp/x`),
      [`${C0}.command[2]`],
    ],
    [
      'decoded to a file then sh',
      sh(`echo ${b64('id')} | base64 -d > /tmp/x.sh && sh /tmp/x.sh`),
      [`${C0}.command[2]`],
    ],
    [
      'python exec(b64decode)',
      argv('python3', '-c', `import base64;exec(base64.b64decode("${b64('print(1)')}"))`),
      [`${C0}.command[2]`],
    ],
    [
      'perl eval decode_base64',
      sh(`perl -MMIME::Base64 -e 'eval(decode_base64("${b64('print 1')}"))'`),
      [`${C0}.command[2]`],
    ],
    [
      'php eval(base64_decode)',
      argv('php', '-r', `eval(base64_decode("${b64('echo 1;')}"));`),
      [`${C0}.command[2]`],
    ],
    [
      'node eval Buffer base64',
      argv('node', '-e', `eval(Buffer.from("${b64('1')}","base64").toString())`),
      [`${C0}.command[2]`],
    ],
    [
      'ruby eval Base64',
      argv('ruby', '-rbase64', '-e', `eval(Base64.decode64("${b64('1')}"))`),
      [`${C0}.command[3]`],
    ],
    ['pwsh -EncodedCommand', argv('pwsh', '-EncodedCommand', 'ZQBjAGgAbwAgADEA'), [`${C0}.command[2]`]],
    [
      'nested: decoded payload decodes again',
      sh(`echo ${b64(`echo ${b64('id')} | base64 -d | sh`)} | base64 -d | sh`),
      [`${C0}.command[2]`],
    ],
    [
      'argv array: sh -c as args',
      cronJob({
        containers: [
          {
            name: 'c',
            image: 'alpine',
            command: ['bash'],
            args: ['-c', `echo ${b64('id')} | base64 -d | bash`],
          },
        ],
      }),
      [`${C0}.args[1]`],
    ],
    // Benign look-alikes.
    ['base64 -d secret > file', sh('echo $CERT | base64 -d > /tls/tls.crt'), []],
    ['base64 -d of a file to a file', sh('base64 -d /secrets/key.b64 > /tmp/key'), []],
    ['eval "$(ssh-agent -s)"', sh('eval "$(ssh-agent -s)"'), []],
    ['eval of a plain variable', sh('CMD="echo hi"; eval "$CMD"'), []],
    ['base64 encode | curl', sh('echo hi | base64 | curl -d @- http://svc'), []],
    [
      'python b64decode without exec',
      argv('python3', '-c', 'import base64;print(base64.b64decode("aGk="))'),
      [],
    ],
    ['printf without escapes | sh', sh("printf 'echo hi' | sh"), []],
  ])('%s', (_name, workload, expected) => {
    expect(paths(workload)).toEqual(expected);
  });
});
