import { createHash, X509Certificate } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface TlsMaterial {
  key: string;
  cert: string;
  /** CA bundle for client certificates (mTLS), when configured. */
  ca?: string;
  /** When the serving certificate expires. */
  notAfter: Date;
  /** Where it came from, for the start-up log. */
  source: string;
}

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  caFile?: string;
}

function certificateNotAfter(certPem: string): Date {
  return new Date(new X509Certificate(certPem).validTo);
}

/** A self-signed certificate made in memory for local runs (`npm start`); never written to disk. */
export async function generateCertificate(hosts: readonly string[]): Promise<TlsMaterial> {
  const now = Date.now();
  const altNames = hosts.map((host) =>
    /^[\d.]+$/.test(host) || host.includes(':')
      ? { type: 7 as const, ip: host }
      : { type: 2 as const, value: host },
  );
  // Loaded only here: selfsigned pulls in an X.509 and ASN.1 stack that a server given its files never needs.
  const { default: selfsigned } = await import('selfsigned');
  const pems = await selfsigned.generate([{ name: 'commonName', value: hosts[0] ?? 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    notBeforeDate: new Date(now - 60_000),
    notAfterDate: new Date(now + 30 * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  return {
    key: pems.private,
    cert: pems.cert,
    notAfter: certificateNotAfter(pems.cert),
    source: 'generated in memory',
  };
}

class TlsError extends Error {
  override name = 'TlsError';
}

/** Reads and checks the certificate, key (and client CA) files; throws TlsError naming the file. */
export async function readTlsFiles(files: TlsFiles): Promise<TlsMaterial> {
  const read = async (file: string, what: string): Promise<string> => {
    try {
      return await readFile(file, 'utf8');
    } catch (error) {
      throw new TlsError(
        `${file}: cannot read the ${what} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  };
  const [cert, key, ca] = await Promise.all([
    read(files.certFile, 'certificate'),
    read(files.keyFile, 'private key'),
    files.caFile ? read(files.caFile, 'client CA bundle') : Promise.resolve(undefined),
  ]);
  let notAfter: Date;
  try {
    notAfter = certificateNotAfter(cert);
  } catch {
    throw new TlsError(`${files.certFile}: not a PEM certificate`);
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key))
    throw new TlsError(`${files.keyFile}: not a PEM private key`);
  return { cert, key, ...(ca === undefined ? {} : { ca }), notAfter, source: files.certFile };
}

function fingerprint(material: TlsMaterial): string {
  return createHash('sha256')
    .update(material.cert)
    .update(material.key)
    .update(material.ca ?? '')
    .digest('hex');
}

/**
 * Reloads rotated certificates. Kubernetes updates a mounted Secret by swapping the `..data`
 * symlink, which `fs.watch(file)` misses after the first time: watch the directories and poll as
 * a fallback, then re-read every file and apply only a complete, parseable, changed set.
 */
export function watchTlsFiles(
  files: TlsFiles,
  initial: TlsMaterial,
  handlers: { onChange(material: TlsMaterial): void; onError(error: Error): void },
  options: { pollMs?: number; debounceMs?: number } = {},
): { close(): void } {
  let current = fingerprint(initial);
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const check = async (): Promise<void> => {
    try {
      const material = await readTlsFiles(files);
      const next = fingerprint(material);
      if (closed || next === current) return;
      current = next;
      handlers.onChange(material);
    } catch (error) {
      // Mid-rotation the cert may be new and the key old; the next event or poll picks up the pair.
      if (!closed) handlers.onError(error as Error);
    }
  };
  const schedule = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void check(), options.debounceMs ?? 100);
  };
  const directories = new Set([
    dirname(files.certFile),
    dirname(files.keyFile),
    ...(files.caFile ? [dirname(files.caFile)] : []),
  ]);
  const watchers: FSWatcher[] = [];
  for (const directory of directories) {
    try {
      watchers.push(watch(directory, schedule));
    } catch {
      // Polling below still notices changes.
    }
  }
  const poll = setInterval(() => void check(), options.pollMs ?? 10_000);
  poll.unref();
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      clearInterval(poll);
      for (const watcher of watchers) watcher.close();
    },
  };
}
