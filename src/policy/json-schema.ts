/**
 * The policy file's JSON Schema (draft-07), for editors (`# yaml-language-server: $schema=…`) and
 * CI validators, generated from the zod schema in schema.ts with zod's `toJSONSchema`, as the file
 * is written (`io: 'input'`: a field with a default is optional and its default is shown). Under
 * `rules`, each rule id gets `enabled`, `weight` and that rule's own parameters, from the rule's
 * parameter schema, so an editor completes rule ids and parameter names.
 *
 * What zod checks beyond JSON Schema appears here only where schema.ts says it with `.meta()`:
 * the RFC 3339 pattern of `expires` (the calendar check, `2027-02-30`, is zod's alone) and an
 * exemption's "at least one selector". Not expressible, and left to `jobguard policy check` and the
 * loader: two exemptions with one name, thresholds out of order, CEL expressions that do not compile,
 * an exemption that matches by `names` or `images` alone.
 *
 * `jobguard policy schema` prints it; `npm run schema` writes schema/policy.schema.json and the
 * chart's values.schema.json policy block from it; a test fails when either is stale.
 */
import { z } from 'zod';
import { PROFILES } from '../scoring/profiles.js';
import { policySchema } from './schema.js';

type JsonSchema = z.core.JSONSchema.JSONSchema;

const DRAFT = 'draft-7';

function toJsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _draft, ...rest } = z.toJSONSchema(schema, { io: 'input', target: DRAFT });
  return rest;
}

function objectProperties(schema: JsonSchema | boolean | undefined): Record<string, JsonSchema> {
  if (typeof schema !== 'object') return {};
  return Object.fromEntries(
    Object.entries(schema.properties ?? {}).filter(
      (entry): entry is [string, JsonSchema] => typeof entry[1] === 'object',
    ),
  );
}

/** `rules`: one property per rule id of either profile (an override of the other profile's rule is accepted and unused). */
function ruleOverrides(generic: JsonSchema): JsonSchema {
  const shared = objectProperties(generic.additionalProperties);
  const properties: Record<string, JsonSchema> = {};
  for (const profile of Object.values(PROFILES))
    for (const rule of profile.rules) {
      // Given parameters are merged over the rule's defaults, so none is required.
      const params = rule.params ? objectProperties(toJsonSchema(rule.params.schema)) : {};
      properties[rule.id] = {
        description: `${rule.description} (${profile.name} profile)`,
        type: 'object',
        properties: { ...shared, ...params },
        additionalProperties: false,
      };
    }
  const { propertyNames: _names, additionalProperties: _any, ...rest } = generic;
  return {
    ...rest,
    description:
      "Per-rule overrides by rule id (`jobguard rules`): enabled, weight and the rule's parameters.",
    properties,
    additionalProperties: false,
  };
}

/** The JSON Schema of a jobguard.dev/v1 Policy file. */
export function buildPolicyJsonSchema(): JsonSchema {
  const generated = toJsonSchema(policySchema);
  const properties = objectProperties(generated);
  const rules = properties.rules;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'jobguard Policy (jobguard.dev/v1)',
    ...generated,
    properties: { ...properties, ...(rules ? { rules: ruleOverrides(rules) } : {}) },
  };
}

/**
 * The chart's `policy` value: the policy's fields less apiVersion and kind, which the chart's
 * ConfigMap adds; `mode`, `kinds` and `namespaceLabels` are required there because templates
 * read them (the webhook's failurePolicy, its rules, the namespace RBAC).
 * @internal
 */
export function buildChartPolicySchema(policy: JsonSchema): JsonSchema {
  const { apiVersion: _apiVersion, kind: _kind, ...properties } = objectProperties(policy);
  return {
    type: 'object',
    description:
      'The jobguard.dev/v1 Policy, less apiVersion and kind. Generated from the policy schema by `npm run schema`; do not edit by hand.',
    properties,
    required: ['mode', 'kinds', 'namespaceLabels'],
    additionalProperties: false,
  };
}
