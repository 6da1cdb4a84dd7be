/**
 * encoded-payload — the container decodes a hidden payload and runs it.
 * Reads: every command of every container (argv, `sh -c` scripts, substitutions, decoded payloads,
 * lifecycle hooks and exec probes) and the inline code of interpreters.
 * Looks for: a decoder (`base64 -d`, `openssl base64 -d`, `xxd -r -p`, `printf '\x…'`,
 * `echo -e '\x…'`) piped into an interpreter that runs its stdin (`| sh`, `| gunzip | bash`,
 * `| python3`); a decoding substitution run as code (`eval "$(echo … | base64 -d)"`,
 * `sh -c "$(printf '\x…')"`, `bash <(… | base64 -d)`, and `X=$(… | base64 -d); eval "$X"`, which the
 * command model expands); a decoded file that is then run; interpreter one-liners that decode and
 * evaluate (`exec(base64.b64decode(…))`, `eval(base64_decode(…))`, `eval(decode_base64(…))`,
 * `eval(Buffer.from(…,'base64')…)`, PowerShell `-EncodedCommand`).
 * What the payload does is judged by the other rules: the command model parses decoded text, so a
 * reverse shell inside base64 is also a `reverse-shell` finding. This rule scores the act of
 * hiding code from the reader of the manifest.
 * Why: T1027/T1140 — obfuscation defeats reviews and keyword filters such as the seed KQL's.
 * Benign look-alikes: `base64 -d secret > file` and `echo $CERT | base64 -d > tls.crt` (decoded to a
 * file that is never run); `eval "$(ssh-agent -s)"` and other `eval` of a substitution that
 * decodes nothing.
 */
import {
  argumentPath,
  commandSources,
  describe,
  describePipeline,
  EvidenceByPath,
  executedSubstitutions,
  executesStdin,
  inlineCode,
  isDecoder,
  languageOf,
  redirectTargets,
  WrittenFiles,
  type CommandSite,
  type CommandSource,
  type Language,
  writerOfExecutedFile,
} from '../commands.js';
import type { SimpleCommand } from '../../workload/types.js';
import type { Evidence, Rule } from '../types.js';

/** A decoding step inside a substitution's text. */
const DECODING_TEXT =
  /\bbase64\s+(?:-[a-zA-Z]*[dD]\b|--decode\b)|\bxxd\s+-[a-zA-Z]*r|\bopenssl\s+(?:base64|enc)\b|\\x[0-9a-fA-F]{2}/;
const HEX_ESCAPES = /\\x[0-9a-fA-F]{2}.{0,8}\\x[0-9a-fA-F]{2}|\\[0-3][0-7]{2}.{0,8}\\[0-3][0-7]{2}/;
const POWERSHELL_ENCODED = /^-(?:e|ec|en|enc|enco|encod|encode|encoded|encodedc|encodedco|encodedcommand)$/i;

/** Inline code that decodes and evaluates, per language: both patterns must match. */
const DECODE_EVAL: Partial<Record<Language, readonly [RegExp, RegExp]>> = {
  python: [
    /b(?:64|32|16|85)decode|\bcodecs\.decode\b|bytes\.fromhex|\bzlib\.decompress\b|\bmarshal\.loads\b/,
    /\bexec\(|\beval\(|\bos\.system\b|\bsubprocess\b|\bos\.popen\b|\bcompile\(/,
  ],
  perl: [/decode_base64|\bpack\s*\(?\s*["']H|\bunpack\s*\(?\s*["']u/, /\beval\b|\bsystem\b|\bexec\b|`/],
  ruby: [/Base64|\bunpack1?\(|\.pack\(/, /\beval\b|\bsystem\b|\bexec\b|instance_eval|`/],
  php: [
    /base64_decode|gzinflate|gzuncompress|str_rot13|hex2bin|convert_uudecode/,
    /\beval\b|\bassert\b|\bsystem\b|\bexec\b|passthru|shell_exec|proc_open|create_function/,
  ],
  node: [/['"](?:base64|hex)['"]|\batob\(/, /\beval\(|new Function|child_process|\bvm\.run/],
  powershell: [/FromBase64String/i, /\biex\b|Invoke-Expression|Start-Process/i],
};

/** Whether the command writes decoded text: `base64 -d`, `xxd -r -p`, or `printf`/`echo -e` of hex escapes. */
function isDecodingCommand(command: SimpleCommand): boolean {
  if (isDecoder(command)) return true;
  if (command.program !== 'printf' && command.program !== 'echo') return false;
  return (
    (command.program === 'printf' || command.argv.some((arg) => /^-[nE]*e[nE]*$/.test(arg))) &&
    HEX_ESCAPES.test(command.argv.slice(1).join(' '))
  );
}

function isDecodeEvalCode(language: Language, command: SimpleCommand, code: string): boolean {
  if (language === 'powershell' && command.argv.some((arg) => POWERSHELL_ENCODED.test(arg))) return true;
  const patterns = DECODE_EVAL[language];
  return patterns !== undefined && patterns[0].test(code) && patterns[1].test(code);
}

/** Evidence that one command source runs a decoded payload. */
export function findEncodedPayloads(source: CommandSource): Evidence[] {
  const evidence = new EvidenceByPath();
  const decodedFiles = new WrittenFiles<CommandSite>();
  for (const site of source.sites) {
    const { command } = site;
    if (command.pipelinePosition === 0 && site.pipeline.length > 1) {
      const first = site.pipeline.findIndex((member) => isDecodingCommand(member));
      if (first >= 0 && site.pipeline.slice(first + 1).some((member) => executesStdin(member))) {
        evidence.add(site.path, () => describePipeline(site.pipeline));
      }
    }
    const word = executedSubstitutions(command).find((text) => DECODING_TEXT.test(text));
    if (word !== undefined) {
      evidence.add(argumentPath(site, Math.max(0, command.argv.indexOf(word))), () => describe(command));
    }
    const language = languageOf(command.program);
    if (language !== undefined && language !== 'shell') {
      const code = inlineCode(command);
      if (code !== undefined && isDecodeEvalCode(language, command, code)) {
        evidence.add(argumentPath(site, Math.max(0, command.argv.indexOf(code))), () => describe(command));
      }
    }
    const writer = writerOfExecutedFile(command, decodedFiles);
    if (writer !== undefined) evidence.add(site.path, () => describe(writer.command));
    if (isDecodingCommand(command)) {
      for (const file of redirectTargets(command)) decodedFiles.add(file, site);
    }
  }
  return evidence.list();
}

export const encodedPayload: Rule = {
  id: 'encoded-payload',
  profile: 'default',
  weight: 7,
  technique: 'T1027',
  description: 'Container decodes a base64/hex payload and runs it (base64 -d | sh, eval "$(… | base64 -d)")',
  reason: 'runs an encoded payload',
  guide: 'obfuscation',
  doc: {
    reads:
      'container command/args, sh -c scripts, substitutions, hooks and exec probes; interpreter inline code',
    why: 'obfuscated code (T1027, decoded at run time T1140) hides the payload from reviews and keyword filters',
    benign:
      'decoding a secret or certificate to a file that is never run, and eval of non-decoding substitutions',
  },
  check(workload) {
    return commandSources(workload).flatMap(findEncodedPayloads);
  },
};
