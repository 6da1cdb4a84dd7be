/**
 * The entry point of the code analysers: what inline interpreter code (`python -c`, `perl -e`,
 * `ruby -e`, `node -e`, `php -r`, `lua -e`, awk programs, `pwsh -c`, and scripts fed to them on
 * stdin) does, as actions of the execution model.
 *
 * Each language has a dialect: its tokenizer and parser into the shared tree, and its library
 * (which calls start processes, fetch URLs, open sockets, evaluate code, read and write files).
 * One interpreter runs every dialect, so data flow, loops, decoding and obfuscation signs behave
 * the same in all of them.
 *
 * Never throws and never runs unbounded: work is charged to the shared budget, nesting is capped,
 * and anything that goes wrong becomes a `limits` entry (which the model treats as fail-closed).
 */
import type { CodeAnalysis, CodeContext, Language } from '../action.js';
import { Interpreter, type Dialect } from './interpreter.js';
import { BUDGET_LIMIT } from './token.js';
import { awk } from './awk.js';
import { lua } from './lua.js';
import { node } from './node.js';
import { php } from './php.js';
import { powershell } from './powershell.js';
import { ruby } from './ruby.js';
import { perl } from './perl.js';
import { python } from './python.js';

const DIALECTS: Readonly<Record<Exclude<Language, 'shell'>, Dialect>> = {
  python,
  node,
  perl,
  ruby,
  php,
  lua,
  awk,
  powershell,
};

/**
 * Longest code analysed; the rest is cut and noted (a budget would stop it sooner anyway).
 * @internal
 */
export const MAX_CODE = 1024 * 1024;

export function analyzeCode(
  language: Exclude<Language, 'shell'>,
  code: string,
  context: CodeContext,
): CodeAnalysis {
  const dialect = DIALECTS[language] as Dialect | undefined;
  if (dialect === undefined) return { actions: [], limits: [`no analyser for ${language}`], obfuscation: [] };
  if (context.budget.left <= 0) return { actions: [], limits: [BUDGET_LIMIT], obfuscation: [] };
  const it = new Interpreter(dialect, context);
  let text = code;
  if (text.length > MAX_CODE) {
    text = text.slice(0, MAX_CODE);
    it.limit(`code over ${MAX_CODE} characters`);
  }
  try {
    it.runProgram(text);
  } catch (error) {
    // A defect in an analyser must not let the code through unread: report it as a limit.
    it.limit(`analyser error: ${error instanceof Error ? error.message.slice(0, 120) : 'unknown'}`);
  }
  return it.result();
}
