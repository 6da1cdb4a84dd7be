import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import selfsigned from 'selfsigned';

/** A PEM certificate and its private key. */
export interface KeyPair {
  cert: string;
  key: string;
}

const DAY_MS = 24 * 3600 * 1000;

function validity(): { notBeforeDate: Date; notAfterDate: Date } {
  const now = Date.now();
  return { notBeforeDate: new Date(now - 60_000), notAfterDate: new Date(now + DAY_MS) };
}

type Extensions = NonNullable<Parameters<typeof selfsigned.generate>[1]>['extensions'];

/** An EC P-256 certificate for `commonName`, self-signed or signed by `ca`. */
async function certificate(commonName: string, extensions: Extensions, ca?: KeyPair): Promise<KeyPair> {
  const pems = await selfsigned.generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    ...(ca ? { ca } : {}),
    ...validity(),
    extensions,
  });
  return { cert: pems.cert, key: pems.private };
}

/** A certificate authority that signs the serving and client certificates of one test. */
export function createCa(commonName = 'jobguard-test-ca'): Promise<KeyPair> {
  return certificate(commonName, [
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
  ]);
}

/** A serving certificate for 127.0.0.1 and localhost, signed by `ca`, as the webhook's Secret would hold. */
export function issueServingCert(ca: KeyPair, commonName = 'jobguard.jobguard.svc'): Promise<KeyPair> {
  return certificate(
    commonName,
    [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
    ca,
  );
}

/** A client certificate signed by `ca`, as kube-apiserver presents through its webhook kubeconfig. */
export function issueClientCert(ca: KeyPair, commonName = 'kube-apiserver'): Promise<KeyPair> {
  return certificate(
    commonName,
    [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', clientAuth: true },
    ],
    ca,
  );
}

/** SHA-256 fingerprint of a PEM certificate, in the form `X509Certificate.fingerprint256` and TLS peers give. */
export function fingerprintOf(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}

/**
 * A directory laid out as the kubelet mounts a Secret or ConfigMap: the files are symlinks
 * (`tls.crt -> ..data/tls.crt`), `..data` is a symlink to a timestamped directory, and an update
 * writes a new timestamped directory and renames a fresh symlink over `..data` (atomic), then
 * removes the old directory. The visible files' inodes never change; only `..data` moves.
 */
export class ProjectedDir {
  private generation = 0;

  private constructor(readonly dir: string) {}

  /** A new temp directory holding `files` (name → content). */
  static async create(prefix: string, files: Record<string, string>): Promise<ProjectedDir> {
    const projected = new ProjectedDir(await mkdtemp(join(tmpdir(), prefix)));
    await projected.write(files);
    for (const name of Object.keys(files)) await symlink(join('..data', name), join(projected.dir, name));
    return projected;
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /** Publishes a new set of files through the `..data` swap, as the kubelet does on a Secret update. */
  async write(files: Record<string, string>): Promise<void> {
    this.generation += 1;
    const stamp = `..2026_11_27_12_00_00.${process.pid}${String(this.generation).padStart(4, '0')}`;
    await mkdir(join(this.dir, stamp));
    for (const [name, content] of Object.entries(files))
      await writeFile(join(this.dir, stamp, name), content);
    const data = join(this.dir, '..data');
    let previous: string | undefined;
    try {
      previous = await readlink(data);
    } catch {
      previous = undefined;
    }
    const next = join(this.dir, '..data_tmp');
    await symlink(stamp, next);
    await rename(next, data);
    if (previous) await rm(join(this.dir, previous), { recursive: true, force: true });
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
