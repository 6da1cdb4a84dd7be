/**
 * The language-neutral tree every code parser produces and the interpreter reads.
 *
 * It keeps only what the analysis needs: names and members (to resolve library calls), calls with
 * positional and named arguments, strings with their interpolations, the operators that build
 * strings, literals of lists and maps, functions, loops and the statements that bind names.
 * Everything else parses to `unknown` (its source text kept for readability).
 */

/** The code a node was read from, for its source text. */
export interface Source {
  readonly text: string;
}

interface At {
  /** Source code and offsets of the node, for its text as written. */
  readonly src: Source;
  readonly start: number;
  end: number;
}

export interface Arg {
  /** Keyword or named argument's key (`shell=True`, `-Uri x`, `PeerAddr => h`); positional when absent. */
  readonly key?: Node;
  readonly value: Node;
  /** `*args` / `...args` / `@args`: the items of a list. */
  readonly spread?: boolean;
}

export type Node =
  | (At & { readonly k: 'str'; readonly parts: readonly (string | Node)[]; readonly flavor?: string })
  | (At & { readonly k: 'num'; readonly value: number; readonly text: string })
  /** A bare identifier: a variable in Python/JS/Ruby/Lua, a function or bareword in Perl/PHP/PowerShell. */
  | (At & { readonly k: 'name'; readonly name: string })
  /** A sigilled variable (`$x`, `@x`, `%x`, `$env:X`). */
  | (At & { readonly k: 'var'; readonly name: string; readonly sigil: string })
  | (At & { readonly k: 'member'; readonly object: Node; readonly name: string })
  | (At & { readonly k: 'index'; readonly object: Node; readonly index: Node })
  | (At & {
      readonly k: 'slice';
      readonly object: Node;
      readonly from?: Node;
      readonly to?: Node;
      readonly step?: Node;
    })
  | (At & { readonly k: 'call'; readonly callee: Node; readonly args: readonly Arg[]; readonly block?: Node })
  | (At & { readonly k: 'new'; readonly callee: Node; readonly args: readonly Arg[] })
  | (At & { readonly k: 'binary'; readonly op: string; readonly left: Node; readonly right: Node })
  | (At & { readonly k: 'unary'; readonly op: string; readonly operand: Node })
  | (At & { readonly k: 'list'; readonly items: readonly Node[] })
  | (At & { readonly k: 'map'; readonly entries: readonly (readonly [Node, Node])[] })
  | (At & {
      readonly k: 'func';
      readonly name?: string;
      readonly params: readonly Node[];
      readonly body: readonly Node[];
      /** The function refers to its own name: a recursive retry. */
      readonly recursive?: boolean;
    })
  | (At & { readonly k: 'cond'; readonly test: Node; readonly then: Node; readonly otherwise: Node })
  | (At & { readonly k: 'assign'; readonly target: Node; readonly op: string; readonly value: Node })
  /** A command run by a shell: backticks, `qx{}`, `%x()`. */
  | (At & { readonly k: 'shell'; readonly command: Node })
  /** A comprehension or generator: `expr for target in iter`. */
  | (At & { readonly k: 'comp'; readonly expr: Node; readonly target: Node; readonly iter: Node })
  /** A loop: `for target in iter`, `while test`, `loop do`; `test` and `body` run in the loop. */
  | (At & {
      readonly k: 'loop';
      readonly target?: Node;
      readonly iter?: Node;
      readonly test?: Node;
      readonly body: readonly Node[];
    })
  /** Statements run in order (if/else branches, try, with, class bodies); `binds` from `with x as y`. */
  | (At & { readonly k: 'block'; readonly body: readonly Node[] })
  | (At & { readonly k: 'def'; readonly name: string; readonly func: Node })
  /** `import a.b as c`, `from m import x as y`, `use M`, `import {x as y} from 'm'`. */
  | (At & {
      readonly k: 'import';
      readonly module: string;
      /** Name bound to the module itself. */
      readonly alias?: string;
      /** Names imported from it: [name, bound as]; `*` for all. */
      readonly names: readonly (readonly [string, string])[];
    })
  | (At & { readonly k: 'return'; readonly value?: Node })
  | (At & { readonly k: 'unknown' });

/** A node's own fields, without its position (what a parser fills in). */
export type Fields<N extends Node> = N extends Node ? Omit<N, 'src' | 'start' | 'end'> : never;

/** Source text of a node, cut to `max` characters. */
export function textOf(node: Node, max = 200): string {
  const end = Math.min(node.end, node.start + max);
  return node.src.text.slice(node.start, end);
}
