/**
 * Upstash accepts the script shebang flag `allow-key-locking` (used by every `@upstash/ratelimit`
 * script: `#!lua flags=allow-key-locking`); redis-server rejects it ("Unexpected flag in script
 * shebang"). The local server drops that flag before Redis sees the script, and maps the SHA1 of the
 * script as sent to the SHA1 Redis knows, so `EVALSHA <sha of the original>` works after one `EVAL`,
 * as it does on Upstash.
 */
import { createHash } from 'node:crypto';

const UPSTASH_ONLY_FLAGS = new Set(['allow-key-locking']);
/** SHA1 of a script as the client sent it → SHA1 of the script Redis ran. */
const translatedShas = new Map<string, string>();

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/** The script with Upstash-only shebang flags removed (unchanged when it has none). */
export function redisCompatibleScript(script: string): string {
  const match = /^#!lua([^\n]*)(\n|$)/.exec(script);
  if (!match) return script;
  const flagsMatch = /\bflags=([^\s]*)/.exec(match[1]);
  if (!flagsMatch) return script;
  const flags = flagsMatch[1].split(',').filter((f) => f.length > 0);
  const kept = flags.filter((f) => !UPSTASH_ONLY_FLAGS.has(f));
  if (kept.length === flags.length) return script;
  const shebang = `#!lua${match[1].replace(flagsMatch[0], kept.length > 0 ? `flags=${kept.join(',')}` : '').trimEnd()}`;
  const translated = shebang + script.slice(match[0].length - match[2].length);
  translatedShas.set(sha1(script), sha1(translated));
  return translated;
}

/** Rewrites EVAL / EVALSHA / SCRIPT LOAD (command names already upper-cased) for redis-server. */
export function rewriteScriptCommand(args: string[]): string[] {
  const [name] = args;
  if ((name === 'EVAL' || name === 'EVAL_RO') && args.length > 1) {
    return [name, redisCompatibleScript(args[1]), ...args.slice(2)];
  }
  if ((name === 'EVALSHA' || name === 'EVALSHA_RO') && args.length > 1) {
    const sha = args[1].toLowerCase();
    return [name, translatedShas.get(sha) ?? args[1], ...args.slice(2)];
  }
  if (name === 'SCRIPT' && (args[1] ?? '').toUpperCase() === 'LOAD' && args.length > 2) {
    return [name, args[1], redisCompatibleScript(args[2]), ...args.slice(3)];
  }
  return args;
}
