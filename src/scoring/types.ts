import type { z } from 'zod';
import type { Workload } from '../workload/types.js';
import type { GuideKey } from './guide.js';

export type ProfileName = 'default' | 'kql';

/** One place where a rule saw what it looks for. The rule's id, weight and reason are added by the engine. */
export interface Evidence {
  /** JSON path of the field, e.g. `spec.template.spec.containers[0].args[1]`. */
  path: string;
  /** The concrete value, short and redacted (no env values, tokens or passwords): `hostPath /var/run/docker.sock`. */
  detail?: string;
  /** Overrides the rule's `reason` for this piece of evidence when a more specific one helps. */
  reason?: string;
}

/** What the rule's doc block says, kept in the registry so `docs/rules.md` and `jobguard rules` are generated. */
export interface RuleDoc {
  /** Which fields the rule reads. */
  reads: string;
  /** Why attackers do it. */
  why: string;
  /** Which benign jobs look alike and how the rule tells them apart. */
  benign: string;
}

export interface Rule<P = unknown> {
  /** Stable kebab-case id; never renamed (policies and dashboards refer to it). */
  readonly id: string;
  readonly profile: ProfileName;
  /** Default weight; a policy may override it. 0 = reported, never scored. */
  readonly weight: number;
  /** MITRE ATT&CK technique, e.g. `T1611`. */
  readonly technique: string;
  /** One line for `jobguard rules` and warnings. */
  readonly description: string;
  /** Short reason shown in every finding (`reverse shell`, `privileged container`). */
  readonly reason: string;
  /**
   * What to change so the rule no longer fires, in a few words for a kubectl warning
   * (`remove hostPID`); absent when the only fix is not to do it (a reverse shell) — warnings
   * then say which exemption to ask for.
   */
  readonly hint?: string;
  readonly doc: RuleDoc;
  /** The behaviour class whose investigation and response steps docs/rules.md shows for this rule (src/scoring/guide.ts). */
  readonly guide?: GuideKey;
  /** The rule's own parameters (image lists, paths); the policy's `rules.<id>` may override any of them. */
  readonly params?: { schema: z.ZodType<P>; defaults: P };
  /** Pure: the same workload and params give the same evidence. Throwing is allowed and becomes an `engine-error` finding. */
  check(workload: Workload, params: P): Evidence[];
}

export interface Finding {
  rule: string;
  weight: number;
  technique: string;
  /** Short reason, always shown. */
  message: string;
  /** Concrete value, redacted. */
  detail?: string;
  path: string;
}

/** A rule as the loaded policy configures it. */
export interface ActiveRule {
  rule: Rule;
  weight: number;
  params: unknown;
}

export interface Profile {
  name: ProfileName;
  rules: readonly Rule[];
  /** Thresholds used when the policy sets none. */
  thresholds: Thresholds;
}

export interface Thresholds {
  annotate: number;
  warn: number;
  deny: number;
}

export interface Score {
  /** Sum of the weights of the rules that fired (each rule counts once, however many findings it has). */
  score: number;
  /** Every finding, heaviest rule first; `engine-error` findings included. */
  findings: Finding[];
  /** Ids of rules that threw. */
  errors: string[];
}

export const ENGINE_ERROR_RULE = 'engine-error';
