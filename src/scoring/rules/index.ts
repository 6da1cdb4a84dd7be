import type { Rule } from '../types.js';

/** The default profile's rules, in the order `jobguard rules` lists them. */
export const DEFAULT_RULES: readonly Rule[] = [];
