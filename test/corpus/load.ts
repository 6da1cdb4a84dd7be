/**
 * Loads the corpus: every manifest under test/corpus/{attack,benign,infrastructure}/ and the
 * expectations in index.yaml, checked against each other (an object without an index entry, or an
 * entry without an object, is an error, so the corpus cannot silently shrink).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { Verdict } from '../../src/policy/decision.js';
import { parseManifest } from '../../src/source/manifest.js';
import { extractPodTemplate } from '../../src/workload/template.js';
import type { KubeObject } from '../../src/workload/types.js';

const CORPUS_DIR = fileURLToPath(new URL('./', import.meta.url));
const CLASSES = ['attack', 'benign', 'infrastructure'] as const;
export type CorpusClass = (typeof CLASSES)[number];

export interface CorpusEntry {
  /** `attack/revshell-nc-argv.yaml#0` */
  id: string;
  file: string;
  doc: number;
  class: CorpusClass;
  kind: string;
  floor: Verdict;
  ceiling: Verdict;
  why: string;
  /** A known detection gap (attacks only): the rule that misses it and why. */
  gap?: string;
  /** Rules that must fire on the object (`kql-*` with the kql profile); empty when the entry names none. */
  rules: string[];
  object: KubeObject;
}

interface IndexRow {
  file: string;
  doc: number;
  class: CorpusClass;
  floor?: Verdict;
  ceiling?: Verdict;
  why: string;
  gap?: string;
  rules?: unknown;
}

const DEFAULT_BOUNDS: Record<CorpusClass, { floor: Verdict; ceiling: Verdict }> = {
  attack: { floor: 'deny', ceiling: 'deny' },
  benign: { floor: 'allow', ceiling: 'warn' },
  infrastructure: { floor: 'warn', ceiling: 'deny' },
};

function objectsOf(file: string): KubeObject[] {
  const parsed = parseManifest(readFileSync(`${CORPUS_DIR}${file}`, 'utf8'));
  if (!parsed.ok) throw new Error(`${file}: ${JSON.stringify(parsed.problems)}`);
  return parsed.objects.map((o) => o.object);
}

/** Every scored corpus object with its expectation, in index order. Throws when index and files disagree. */
export function loadCorpus(): CorpusEntry[] {
  const rows = parse(readFileSync(`${CORPUS_DIR}index.yaml`, 'utf8')) as IndexRow[];
  const objects = new Map<string, KubeObject>();
  for (const dir of CLASSES) {
    for (const name of readdirSync(`${CORPUS_DIR}${dir}`).sort()) {
      if (!name.endsWith('.yaml')) continue;
      const file = `${dir}/${name}`;
      objectsOf(file).forEach((object, doc) => {
        if (extractPodTemplate(object) !== undefined) objects.set(`${file}#${doc}`, object);
      });
    }
  }
  const entries: CorpusEntry[] = [];
  for (const row of rows) {
    const id = `${row.file}#${row.doc}`;
    const object = objects.get(id);
    if (!object) throw new Error(`index.yaml: ${id} is not a scored object in the corpus`);
    if (!row.file.startsWith(`${row.class}/`))
      throw new Error(`index.yaml: ${id} is filed outside ${row.class}/`);
    if (entries.some((e) => e.id === id)) throw new Error(`index.yaml: ${id} is listed twice`);
    if (row.gap !== undefined && row.class !== 'attack')
      throw new Error(`index.yaml: ${id}: only attacks have gaps`);
    const rules = row.rules ?? [];
    if (!Array.isArray(rules) || !rules.every((r): r is string => typeof r === 'string'))
      throw new Error(`index.yaml: ${id}: rules must be a list of rule ids`);
    objects.delete(id);
    entries.push({
      id,
      file: row.file,
      doc: row.doc,
      class: row.class,
      kind: typeof object.kind === 'string' ? object.kind : '',
      floor: row.floor ?? DEFAULT_BOUNDS[row.class].floor,
      ceiling: row.ceiling ?? DEFAULT_BOUNDS[row.class].ceiling,
      why: row.why,
      ...(row.gap === undefined ? {} : { gap: row.gap }),
      rules,
      object,
    });
  }
  if (objects.size > 0) throw new Error(`index.yaml misses ${[...objects.keys()].join(', ')}`);
  return entries;
}
