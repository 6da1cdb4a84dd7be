/**
 * download-exec — the container runs code fetched from a place no vendor serves installers from.
 * Reads: each container's execution model: flows whose content comes from the network (curl,
 * wget, interpreters' HTTP clients, whatever the spelling) and reaches execution — piped into a
 * shell or interpreter, `sh -c "$(curl …)"`, `bash <(curl …)`, `source`, or saved, unpacked,
 * renamed, installed and run by path or by name (the flow's steps say which).
 * Looks for: such a flow whose source is plain HTTP (or FTP/TFTP), an IP address in any spelling
 * (decimal, hex, octal, IPv6-mapped), a wildcard-DNS name embedding an address (`1.2.3.4.nip.io`),
 * a public host on a non-default port, the metadata service, or a service where anyone publishes
 * anonymously (tunnels such as ngrok, paste and file drops, dynamic DNS, URL shorteners); or that
 * was fetched with certificate checks off (`curl -k`, `wget --no-check-certificate`, `verify=False`,
 * an unverified SSL context); or whose code was dropped into a hidden (`/usr/local/bin/.x`) or
 * temporary (`/tmp`, `/dev/shm`) path before it ran. Every language grades alike: the same flow
 * from Python, Node, Perl, Ruby or PHP gets the grade the shell's `curl … | sh` gets.
 * Why: T1105 — ingress tool transfer: the manifest stays clean while the fetched payload changes,
 * and droppers fetch over plain HTTP from bare addresses into hidden or temporary files.
 * Benign look-alikes: downloads that are never run (`curl -o data.csv`, then `psql` reading it) have
 * no flow to execution and do not fire. An installer fetched over HTTPS from a domain is graded by
 * `download-exec-unverified` (warn) — or only reported by `network-client` when the host is a
 * vendor's own installer host (`get.helm.sh`, `sh.rustup.rs`, …).
 */
import { containerExecutions, describeFlow, EvidenceByPath } from '../behaviour.js';
import { gradeDownload } from '../download.js';
import type { Rule } from '../types.js';

export const downloadExec: Rule = {
  id: 'download-exec',
  profile: 'default',
  weight: 10,
  technique: 'T1105',
  description:
    'Container runs code fetched over plain HTTP, from an IP address, odd port or anonymous host, without certificate checks, or dropped into a hidden or temporary path',
  reason: 'downloads and runs code',
  guide: 'download-exec',
  doc: {
    reads:
      'each container’s execution model: flows from a network fetch to execution, with the steps between',
    why: 'ingress tool transfer (T1105): droppers fetch over plain HTTP from bare addresses, tunnels and paste sites, with certificate checks off, into hidden or temporary files',
    benign:
      'downloads that are never run do not fire; HTTPS installers from a domain are `download-exec-unverified` (warn) or, from a vendor’s installer host, context only',
  },
  check(workload) {
    const evidence = new EvidenceByPath();
    for (const { execution } of containerExecutions(workload)) {
      for (const flow of execution.flows) {
        if (flow.sink !== 'exec') continue;
        const grade = gradeDownload(flow, []);
        if (grade?.grade === 'hostile') evidence.add(flow.path, () => describeFlow(flow), grade.why);
      }
    }
    return evidence.list();
  },
};
