import { z } from 'zod';
import type { Workload } from '../../workload/types.js';
import { hasAny, loweredJson } from '../kusto.js';
import type { Evidence, Rule, RuleDoc } from '../types.js';

/**
 * The kql profile's indicators share one shape: `RequestBody has_any (terms)` over the object's JSON
 * text, scored 0 or 1 like the seed query's `toint(IsX)`. Each indicator file states its own quirks.
 */
export interface TermsParams {
  terms: string[];
}

const termsSchema = z.object({ terms: z.array(z.string().min(1)).min(1) }).strict();

export interface IndicatorSpec {
  id: string;
  /** The seed query's column name, e.g. `IsSuspiciousImage`. */
  column: string;
  technique: string;
  weight: number;
  description: string;
  reason: string;
  terms: string[];
  doc: RuleDoc;
}

/** The matched terms, quoted, for a finding's detail. */
function describe(matches: readonly string[]): string {
  return matches.map((term) => JSON.stringify(term)).join(', ');
}

export function kqlIndicator(spec: IndicatorSpec): Rule<TermsParams> & { column: string } {
  return {
    id: spec.id,
    column: spec.column,
    profile: 'kql',
    weight: spec.weight,
    technique: spec.technique,
    description: spec.description,
    reason: spec.reason,
    guide: 'kql-indicator',
    doc: spec.doc,
    params: { schema: termsSchema, defaults: { terms: spec.terms } },
    check(workload: Workload, params: TermsParams): Evidence[] {
      const matches = hasAny(loweredJson(workload), params.terms);
      return matches.length === 0 ? [] : [{ path: '', detail: `body has ${describe(matches)}` }];
    },
  };
}
