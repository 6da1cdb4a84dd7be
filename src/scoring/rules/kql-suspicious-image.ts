/**
 * kql-suspicious-image — the seed's `IsSuspiciousImage`: the request body has any of its image words.
 * Reads: the whole object as JSON text, not `image` fields.
 * Why: attackers favour small general-purpose images with a shell and network tools.
 * Quirks kept for parity: the words match anywhere in the body (a container named `python-report`,
 * an arg `curl`, a label `team: debian` all count); `python3` is a different term from `python`, so
 * `python:3.12` matches but `python3` alone does not; registry and tag are irrelevant.
 * Benign look-alikes: nearly every CI or maintenance job (alpine, busybox, ubuntu, python); the
 * kql profile cannot tell them apart — the default profile's `generic-image` weighs this lightly.
 */
import { kqlIndicator } from './kql-indicator.js';

export const kqlSuspiciousImage = kqlIndicator({
  id: 'kql-suspicious-image',
  column: 'IsSuspiciousImage',
  technique: 'T1610',
  weight: 1,
  description: 'Request body has a suspicious image word (seed KQL IsSuspiciousImage)',
  reason: 'suspicious image word',
  terms: [
    'alpine',
    'busybox',
    'ubuntu',
    'debian',
    'kali',
    'python',
    'perl',
    'ruby',
    'php',
    'ncat',
    'netcat',
    'nmap',
    'masscan',
    'curl',
    'wget',
  ],
  doc: {
    reads: 'the object as compact JSON text',
    why: 'small general-purpose images ship a shell and network tools',
    benign: 'every job on a common base image matches; the kql profile cannot tell them apart',
  },
});
