import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { buildSync, type BuildOptions } from 'esbuild';
import { deterministicZip } from './deterministic-zip';

/** The repository root: bundles resolve entries and report inputs relative to it. */
export const PROJECT_ROOT = resolve(__dirname, '..', '..');

/** Node.js runtime the bundles target; keep in step with `LAMBDA_RUNTIME`. */
export const BUNDLE_TARGET = 'node24';

export interface LambdaBundle {
  /** Absolute path of the entry file. */
  readonly entry: string;
  /** The minified CommonJS bundle (`index.js` in the archive). */
  readonly code: Buffer;
  /** The deterministic zip archive. */
  readonly zip: Buffer;
  /** Hex sha256 of the zip: names the archive and the asset folder. */
  readonly sha256Hex: string;
  /** Base64 sha256 of the zip: what the AWS provider expects as `source_code_hash`. */
  readonly sha256Base64: string;
  /** Content-addressed path of the zip on disk (written once, never modified). */
  readonly zipPath: string;
}

export interface BundleOptions {
  /** Reuse a bundle built earlier in this process when none of its inputs changed. @default true */
  readonly cache?: boolean;
  /** Where content-addressed archives are written. @default `<os tmpdir>/cache-platform-bundles` */
  readonly outDir?: string;
}

/** esbuild options; `@aws-sdk/*` stays external because the Lambda Node.js runtime ships it. */
function buildOptions(entry: string): BuildOptions & { write: false; metafile: true } {
  return {
    entryPoints: [entry],
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    platform: 'node',
    target: BUNDLE_TARGET,
    format: 'cjs',
    minify: true,
    treeShaking: true,
    sourcemap: false,
    legalComments: 'none',
    charset: 'utf8',
    mainFields: ['module', 'main'],
    external: ['@aws-sdk/*'],
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
    write: false,
    metafile: true,
  };
}

interface CachedBundle {
  readonly bundle: LambdaBundle;
  /** sha256 of every input file esbuild read, to tell whether the bundle is still current. */
  readonly inputs: ReadonlyMap<string, string>;
}

const cache = new Map<string, CachedBundle>();

function fileHash(path: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return undefined;
  }
}

function stillCurrent(cached: CachedBundle): boolean {
  for (const [path, hash] of cached.inputs) if (fileHash(path) !== hash) return false;
  return true;
}

function writeOnce(path: string, content: Buffer): void {
  if (existsSync(path)) return;
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, path); // atomic: a concurrent synth never sees half an archive
}

/**
 * Bundles one Lambda entry with esbuild in memory (minified, Node 22, `@aws-sdk/*` external) and
 * packs it into a deterministic, content-addressed zip. Within a process a bundle is reused while
 * the content of all its inputs is unchanged, so synthesizing three environments builds once.
 */
export function bundleLambda(entryPath: string, options: BundleOptions = {}): LambdaBundle {
  const entry = isAbsolute(entryPath) ? entryPath : resolve(PROJECT_ROOT, entryPath);
  const useCache = options.cache ?? true;
  const outDir = options.outDir ?? join(tmpdir(), 'cache-platform-bundles');
  const cached = useCache ? cache.get(`${outDir}\0${entry}`) : undefined;
  if (cached && stillCurrent(cached)) return cached.bundle;

  if (!existsSync(entry)) throw new Error(`Lambda entry "${entryPath}" does not exist (resolved to ${entry})`);
  const result = buildSync(buildOptions(entry));
  if (result.errors.length > 0 || result.outputFiles.length !== 1) {
    throw new Error(`esbuild failed for ${entryPath}: ${result.errors.map((e) => e.text).join('; ')}`);
  }
  const code = Buffer.from(result.outputFiles[0].contents);
  const zip = deterministicZip([{ name: 'index.js', content: code }]);
  const sha256Hex = createHash('sha256').update(zip).digest('hex');
  const sha256Base64 = createHash('sha256').update(zip).digest('base64');
  mkdirSync(outDir, { recursive: true });
  const zipPath = join(outDir, `${sha256Hex}.zip`);
  writeOnce(zipPath, zip);

  const bundle: LambdaBundle = { entry, code, zip, sha256Hex, sha256Base64, zipPath };
  const inputs = new Map<string, string>();
  for (const input of Object.keys(result.metafile.inputs)) {
    const path = resolve(PROJECT_ROOT, input);
    inputs.set(path, fileHash(path) ?? '');
  }
  cache.set(`${outDir}\0${entry}`, { bundle, inputs });
  return bundle;
}
