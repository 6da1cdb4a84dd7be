import { expect } from '@jest/globals';
/**
 * One line per action, with every field a rule reads, so a test compares whole action lists
 * without pages of object literals: `connect#0 tcp 10.0.0.1:4444`, `run argv=[/bin/sh, -i]`.
 * A value prints as its text, `~` when inexact, and its origins in braces.
 */
import type { Action, CodeAnalysis, Language, Value } from '../../src/workload/action.js';
import { literal } from '../../src/workload/value.js';
import { analyzeCode } from '../../src/workload/code/analyze.js';

function show(value: Value): string {
  const origins = value.origins.map((origin) => {
    switch (origin.kind) {
      case 'network':
        return `net:${origin.url}`;
      case 'credential':
        return `cred:${origin.credential}`;
      case 'decoded':
        return `decoded:${origin.encoding}`;
      case 'env':
        return `env:${origin.name}`;
      case 'stdin':
        return 'stdin';
    }
  });
  return `${value.text}${value.exact ? '' : '~'}${origins.length === 0 ? '' : `{${origins.join(',')}}`}`;
}

function line(action: Action): string {
  const loop = action.loop ? ' (loop)' : '';
  switch (action.type) {
    case 'connect': {
      const sends = action.sends.length === 0 ? '' : ` sends=[${action.sends.map(show).join(', ')}]`;
      return `connect#${action.socket} ${action.protocol} ${show(action.host)}:${show(action.port)}${sends}${loop}`;
    }
    case 'listen':
      return `listen#${action.socket} ${show(action.port)}${loop}`;
    case 'stdio':
      return `stdio#${action.socket} fds=${action.fds.join(',')}${action.process === undefined ? '' : ` process=${action.process}`}${loop}`;
    case 'run': {
      const what =
        action.argv !== undefined
          ? `argv=[${action.argv.map(show).join(', ')}]`
          : `shell=${show(action.shell!)}`;
      return `run ${what}${action.stdin === undefined ? '' : ` stdin=${show(action.stdin)}`}${loop}`;
    }
    case 'eval':
      return `eval ${action.language} ${show(action.code)}${loop}`;
    case 'fetch': {
      const headers = action.headers.length === 0 ? '' : ` headers=[${action.headers.map(show).join(', ')}]`;
      const body = action.body === undefined ? '' : ` body=${show(action.body)}`;
      return `fetch ${action.method ?? 'GET'} ${show(action.url)}${headers}${body}${action.insecure === true ? ' insecure' : ''}${loop}`;
    }
    case 'read':
      return `read ${show(action.file)}${loop}`;
    case 'write':
      return `write ${show(action.file)} <- ${show(action.content)}${action.executable === true ? ' (executable)' : ''}${loop}`;
    case 'kube':
      return `kube ${action.verb} ${action.resource}${loop}`;
  }
}

export interface Options {
  env?: Record<string, Value>;
  args?: string[];
  stdin?: Value;
  budget?: number;
}

export function analyze(
  language: Exclude<Language, 'shell'>,
  code: string,
  options: Options = {},
): CodeAnalysis {
  return analyzeCode(language, code, {
    path: 'spec.containers[0].args[1]',
    env: new Map(Object.entries(options.env ?? {})),
    args: (options.args ?? []).map(literal),
    ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
    budget: { left: options.budget ?? 200_000 },
  });
}

/** The action lines of `code`, after checking it met no limit. */
export function lines(language: Exclude<Language, 'shell'>, code: string, options: Options = {}): string[] {
  const analysis = analyze(language, code, options);
  expect(analysis.limits).toEqual([]);
  for (const action of analysis.actions) expect(action.path).toBe('spec.containers[0].args[1]');
  return analysis.actions.map(line);
}
