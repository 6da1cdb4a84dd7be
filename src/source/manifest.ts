/**
 * Manifest text → Kubernetes objects with where they came from (file, document index, line).
 *
 * Accepts what people feed `kubectl apply -f`: multi-document YAML, JSON, `kind: List` (and the
 * typed `*List` kinds such as `CronJobList`), `helm template` output (the `# Source:` comment
 * before each document names the chart template) and `kustomize build` output (plain multi-doc).
 *
 * Document index: the 0-based position of the object in the file's stream of objects. Every
 * non-empty YAML document takes one index, except a List, whose items take one index each (a
 * List's own document takes none). Empty documents (`---` with only comments, as helm emits for
 * templates that render nothing) take none. So `[Job, List{a, b}, CronJob]` gives 0, 1, 2, 3.
 */
import { LineCounter, parseAllDocuments, isMap, isSeq, type Document, type Node, type Tags } from 'yaml';
import type { KubeObject } from '../workload/types.js';

interface ManifestObject {
  /** The object as decoded (a plain JSON value). */
  object: KubeObject;
  /** See the file comment: position in the file's stream of objects, List items expanded. */
  document: number;
  /** 1-based line where the object starts (its first key, after comments and `---`). */
  line: number;
  /** The template named by a `# Source:` comment (`helm template` output), when present. */
  template?: string;
  /** 1-based line of a JSON path inside this object (`spec.template.spec.containers[0].args[1]`), or the object's line. */
  lineOf(path: string): number;
}

interface ManifestProblem {
  line: number;
  column: number;
  message: string;
}

export type ParsedManifest =
  { ok: true; objects: ManifestObject[] } | { ok: false; problems: ManifestProblem[] };

/**
 * kubectl decodes YAML with sigs.k8s.io/yaml (go-yaml v2, YAML 1.1): `privileged: yes` is `true`
 * there, so it must be here or a manifest would score differently than the object the API server
 * stores. Timestamps and sexagesimal numbers stay strings, as they do in kubectl's YAML→JSON step.
 */
function kubectlTags(tags: Tags): Tags {
  return tags.filter((tag) => {
    if (typeof tag !== 'object') return true;
    if (tag.tag === 'tag:yaml.org,2002:timestamp') return false;
    return !('format' in tag && tag.format === 'TIME');
  });
}

const SOURCE_COMMENT = /^\s*Source:\s*(\S.*?)\s*$/m;

function isListKind(value: unknown): boolean {
  return typeof value === 'string' && value.endsWith('List');
}

function isObjectRecord(value: unknown): value is KubeObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `a.b[0].c` → ['a', 'b', 0, 'c']. Keys with dots (labels) cannot be told apart; callers fall back to the object's line. */
function pathSegments(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of path.split('.')) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!match) return [];
    if (match[1]) out.push(match[1]);
    for (const index of (match[2] ?? '').matchAll(/\[(\d+)\]/g)) out.push(Number(index[1]));
  }
  return out;
}

function nodeAt(root: Node | null | undefined, segments: readonly (string | number)[]): Node | undefined {
  let node: unknown = root;
  for (const segment of segments) {
    if (isMap(node)) node = node.get(segment, true);
    else if (isSeq(node) && typeof segment === 'number') node = node.get(segment, true);
    else return undefined;
  }
  return (node ?? undefined) as Node | undefined;
}

function lineAt(counter: LineCounter, node: Node | undefined): number | undefined {
  const offset = node?.range?.[0];
  return offset === undefined ? undefined : counter.linePos(offset).line;
}

/** The `# Source:` comment helm writes above each rendered document. */
function helmTemplate(doc: Document.Parsed): string | undefined {
  const comment = [doc.commentBefore, doc.contents?.commentBefore].filter(Boolean).join('\n');
  return SOURCE_COMMENT.exec(comment)?.[1];
}

/** Parses every document of a file. A syntax error anywhere fails the whole file, with the line of each problem. */
export function parseManifest(text: string): ParsedManifest {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, {
    lineCounter,
    version: '1.1',
    customTags: kubectlTags,
    uniqueKeys: true,
    prettyErrors: false,
  });
  const list = Array.isArray(docs) ? docs : [];
  const problems: ManifestProblem[] = [];
  for (const doc of list) {
    for (const error of doc.errors) {
      const pos = error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
      problems.push({ line: pos.line, column: pos.col, message: error.message.split('\n')[0] ?? error.code });
    }
  }
  if (!Array.isArray(docs)) {
    // parseAllDocuments returns an EmptyStream for text with no documents at all.
    return { ok: true, objects: [] };
  }
  if (problems.length > 0) return { ok: false, problems };

  const objects: ManifestObject[] = [];
  for (const doc of list) {
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      const line = lineAt(lineCounter, doc.contents ?? undefined) ?? 1;
      return { ok: false, problems: [{ line, column: 1, message: (error as Error).message }] };
    }
    if (value === null || value === undefined) continue;
    const template = helmTemplate(doc);
    const root = doc.contents;
    const push = (object: unknown, node: Node | undefined): void => {
      const line = lineAt(lineCounter, node) ?? 1;
      objects.push({
        object: isObjectRecord(object) ? object : { value: object },
        document: objects.length,
        line,
        ...(template === undefined ? {} : { template }),
        lineOf: (path) => lineAt(lineCounter, nodeAt(node, pathSegments(path))) ?? line,
      });
    };
    if (isObjectRecord(value) && isListKind(value.kind) && Array.isArray(value.items)) {
      const itemsNode = isMap(root) ? root.get('items', true) : undefined;
      value.items.forEach((item: unknown, index) => {
        push(item, isSeq(itemsNode) ? (itemsNode.get(index, true) ?? undefined) : undefined);
      });
    } else {
      push(value, root ?? undefined);
    }
  }
  return { ok: true, objects };
}
