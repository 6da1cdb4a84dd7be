/**
 * The engine's complete answer, pinned: for every review of the bench mix (bench/setup.mjs
 * `mixedReviews()`) and every corpus object, under the default policy, in enforce mode, with the kql
 * profile and with budgets small enough to run out, the webhook handler's reply and outcome (score,
 * findings with their evidence, warnings, deny message, audit annotations) and the work units the
 * analysis spent. A change meant to make the engine cheaper must leave every one of them identical;
 * a change meant to alter what the engine says regenerates the pins:
 *   UPDATE_EXACT=1 npm test -- test/exact.test.ts
 * The pins are SHA-256 digests (the answers themselves are ~2 MB); on a mismatch the test writes
 * every answer it computed to a file in the temp directory and names the cases that changed.
 */
import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { handleReview } from '../src/admission/review.js';
import type { AdmissionReviewRequest } from '../src/admission/schema.js';
import { createEngine, type Engine } from '../src/engine.js';
import { DEFAULT_POLICY } from '../src/policy/schema.js';
import { DEFAULT_BUDGET } from '../src/workload/execution.js';
import type { KubeObject } from '../src/workload/types.js';

const PINS = fileURLToPath(new URL('./fixtures/exact.json', import.meta.url));
const REGENERATE = 'UPDATE_EXACT=1 npm test -- test/exact.test.ts';
const NOW = new Date('2026-11-27T12:00:00Z');

interface BenchSetup {
  mixedReviews(): { reviews: AdmissionReviewRequest[] };
  corpusObjects(): { file: string; object: KubeObject }[];
  reviewOf(object: KubeObject): AdmissionReviewRequest;
}
// A path held in a variable: the bench's helpers are plain JavaScript without type declarations.
const SETUP = '../bench/setup.mjs';
const setup = (await import(SETUP)) as BenchSetup;

const engines: Record<string, Engine> = {
  default: createEngine(DEFAULT_POLICY),
  enforce: createEngine({ ...DEFAULT_POLICY, mode: 'enforce' }),
  kql: createEngine({ ...DEFAULT_POLICY, profile: 'kql', mode: 'enforce' }),
};

/** One case's whole answer as text: reply, outcome and the work units left of `budget`. */
function answer(review: AdmissionReviewRequest, engine: Engine, budget: number): string {
  const left = { left: budget };
  // A fresh copy each time: the handler must not depend on (or leave marks in) what it was given.
  const { reply, outcome } = handleReview(structuredClone(review), { engine, now: NOW, budget: left });
  return JSON.stringify({ reply, outcome, left: left.left });
}

function answers(): Map<string, string> {
  const out = new Map<string, string>();
  const mix = setup.mixedReviews().reviews;
  const corpus = setup.corpusObjects().map(({ file, object }, i) => ({
    id: `${file}#${i}`,
    review: setup.reviewOf(structuredClone(object)),
  }));
  mix.forEach((review, i) => {
    const id = `mix/${i}/${review.request.uid}`;
    out.set(`default ${id}`, answer(review, engines.default!, DEFAULT_BUDGET));
    out.set(`enforce ${id}`, answer(review, engines.enforce!, DEFAULT_BUDGET));
  });
  for (const { id, review } of corpus) {
    out.set(`enforce ${id}`, answer(review, engines.enforce!, DEFAULT_BUDGET));
    out.set(`kql ${id}`, answer(review, engines.kql!, DEFAULT_BUDGET));
    // Budgets that run out part-way on most corpus objects (the largest spends ~700 units).
    for (const budget of [40, 150, 400])
      out.set(`budget-${budget} ${id}`, answer(review, engines.enforce!, budget));
  }
  return out;
}

const digest = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 32);

describe('the engine answers exactly as pinned', () => {
  it('for every mix review and corpus object, in every configuration', () => {
    const computed = answers();
    const digests = Object.fromEntries([...computed].map(([id, text]) => [id, digest(text)]));
    if (process.env.UPDATE_EXACT === '1') {
      writeFileSync(PINS, JSON.stringify(digests, null, 1) + '\n');
      return;
    }
    const pinned = JSON.parse(readFileSync(PINS, 'utf8')) as Record<string, string>;
    const changed = [...new Set([...Object.keys(pinned), ...Object.keys(digests)])].filter(
      (id) => pinned[id] !== digests[id],
    );
    if (changed.length > 0) {
      const dump = join(tmpdir(), 'jobguard-exact.jsonl');
      writeFileSync(
        dump,
        [...computed].map(([id, text]) => `${JSON.stringify(id)} ${text}`).join('\n') + '\n',
      );
      throw new Error(
        `${changed.length} answers differ from the pins (all answers written to ${dump}); ` +
          `first: ${changed.slice(0, 5).join(', ')}. If the change is meant: ${REGENERATE}`,
      );
    }
    // The pins cover what they claim: the whole mix, the corpus, and budgets that ran out.
    expect(Object.keys(pinned).length).toBeGreaterThan(1400);
    expect([...computed.values()].some((text) => text.includes('analysis-incomplete'))).toBe(true);
  });
});
