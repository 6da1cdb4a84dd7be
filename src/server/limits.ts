/**
 * What one review may ask the engine to analyse. The body limit bounds the bytes that arrive; these
 * bound what is done with them: a 2.9 MB object of 30,000 containers, each with a command, fits
 * under the API server's 3 MiB request limit and costs the engine hundreds of megabytes and
 * seconds. An object past any of these is not analysed at all: it is answered as a deny verdict
 * (fail closed) and the message names the limit.
 *
 * The limits sit far above what pod controllers use: no object of the test corpus (benign,
 * infrastructure and attack, several hundred manifests) comes within a tenth of any of them.
 */
export interface AnalysisLimits {
  /** Containers, init containers and ephemeral containers together. */
  containers: number;
  /** `command` and `args` entries together, over every container. */
  commandEntries: number;
  /** Characters in `command`, `args` and env `value`s together, over every container. */
  commandBytes: number;
  /** Nesting of objects and arrays: a 5,000-deep array must not reach code that recurses. */
  depth: number;
}

export const DEFAULT_ANALYSIS_LIMITS: AnalysisLimits = {
  containers: 100,
  commandEntries: 2_000,
  commandBytes: 512 * 1024,
  depth: 64,
};

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The strings a container hands to a program: command, args, and env values. */
function countContainer(container: unknown, totals: { entries: number; bytes: number }): void {
  if (!isRecord(container)) return;
  for (const key of ['command', 'args'] as const) {
    const list = container[key];
    if (!Array.isArray(list)) continue;
    totals.entries += list.length;
    for (const item of list) if (typeof item === 'string') totals.bytes += item.length;
  }
  const env = container.env;
  if (Array.isArray(env)) {
    for (const variable of env)
      if (isRecord(variable) && typeof variable.value === 'string') totals.bytes += variable.value.length;
  }
}

/**
 * The first limit `object` exceeds, worded for the reply ("it holds 30000 containers, more than
 * 100"), or undefined. One iterative pass that stops at the first excess: its cost is bounded by
 * the body, and nothing here recurses.
 */
export function exceededLimit(
  object: unknown,
  limits: AnalysisLimits = DEFAULT_ANALYSIS_LIMITS,
): string | undefined {
  let containers = 0;
  const totals = { entries: 0, bytes: 0 };
  // Two parallel stacks and a key loop: no object per node visited and no entries array per object,
  // since this runs on every review before the engine does.
  const values: unknown[] = [object];
  const depths: number[] = [1];
  while (values.length > 0) {
    const value = values.pop();
    const depth = depths.pop() as number;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > limits.depth) return `it nests deeper than ${limits.depth} levels`;
    if (Array.isArray(value)) {
      for (const item of value as unknown[]) {
        if (typeof item !== 'object' || item === null) continue;
        values.push(item);
        depths.push(depth + 1);
      }
      continue;
    }
    const record = value as Record<string, unknown>;
    for (const key in record) {
      if (!Object.hasOwn(record, key)) continue;
      const child = record[key];
      if (typeof child !== 'object' || child === null) continue;
      if (CONTAINER_LISTS.has(key) && Array.isArray(child)) {
        containers += child.length;
        if (containers > limits.containers) return `it holds more than ${limits.containers} containers`;
        for (const container of child) countContainer(container, totals);
        if (totals.entries > limits.commandEntries)
          return `its containers hold more than ${limits.commandEntries} command and args entries`;
        if (totals.bytes > limits.commandBytes)
          return `its commands, args and env values exceed ${Math.round(limits.commandBytes / 1024)} KiB`;
      }
      values.push(child);
      depths.push(depth + 1);
    }
  }
  return undefined;
}
