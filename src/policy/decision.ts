import type { Finding, ProfileName, Thresholds } from '../scoring/types.js';
import type { Mode } from './schema.js';

/** What the thresholds say about a score, exemptions applied, modes ignored. */
export type Verdict = 'allow' | 'annotate' | 'warn' | 'deny';
export const VERDICTS: readonly Verdict[] = ['allow', 'annotate', 'warn', 'deny'];

/** Who asked and about what: the parts of an admission request (or a manifest, or an audit event) exemptions look at. */
export interface Subject {
  kind: string;
  namespace: string;
  name: string;
  username?: string;
  groups?: readonly string[];
  /** `spec.serviceAccountName` of every pod template (`default` when unset). */
  serviceAccounts: readonly string[];
  /** Every container image as written, plus its normalized form, so globs and digests match either. */
  images: readonly { raw: string; normalized: string; digest?: string }[];
  /** Labels and annotations of the object, for the opt-in self-exemption. */
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  /** The object's controller ownerReference, as written (anyone may write one; see `decide`). */
  controller?: OwnerReference;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
}

export interface AppliedExemption {
  /**
   * Which exemption: `policy:<name>` for the policy file's, `<namespace>/<name>` for a
   * JobguardException, `self` for the opt-in label.
   */
  id: string;
  reason: string;
  /** Rule ids waived; `['*']` for all. */
  rules: string[];
  /** `Job/backup-2900` when it matched the object's owner rather than the object (a controller's Pod). */
  via?: string;
}

export interface Decision {
  profile: ProfileName;
  score: number;
  verdict: Verdict;
  mode: Mode;
  /** What the webhook does: the verdict after the mode. */
  action: Verdict;
  thresholds: Thresholds;
  /** Findings that count, heaviest first (waived ones removed). */
  findings: Finding[];
  /** Findings an exemption waived. */
  waived: Finding[];
  exemptions: AppliedExemption[];
  /** Rule ids that threw; with `onError: deny` they force a deny verdict. */
  errors: string[];
}
