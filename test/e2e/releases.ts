import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO_ROOT } from '../helpers';
import { run } from './harness';

/** One release of this library, as the release workflow would publish it. */
export interface Release {
  readonly version: string;
  /** The npm tarball. */
  readonly tarball: string;
  /** The Python wheel, when built. */
  readonly wheel?: string;
}

/** A change a later release makes to the sources: `from` must be found in `file`. */
export interface SourceEdit {
  readonly file: string;
  readonly from: string;
  readonly to: string;
}

export interface ReleaseOptions {
  readonly edits?: SourceEdit[];
  /** Build the wheel too (jsii-pacmak, ~1 min). */
  readonly python?: boolean;
  /** Build from this commit of the repository (an earlier release) instead of the working tree. */
  readonly commit?: string;
}

/**
 * Builds release `version` of this library from the working tree (plus
 * `edits`): compiles it with jsii, packs it, and optionally builds its wheel.
 * Builds are cached for the test run by version, edits and sources, since
 * several suites publish the same releases.
 */
export function buildRelease(version: string, options: ReleaseOptions = {}): Release {
  const edits = options.edits ?? [];
  const files = options.commit ? [] : sourceFiles();
  const hash = crypto.createHash('sha256').update(version).update(JSON.stringify(edits)).update(options.commit ?? '');
  for (const file of files) hash.update(file).update(fs.readFileSync(path.join(REPO_ROOT, file)));
  const out = path.join(os.tmpdir(), 'cicd-pipeline-type-releases', hash.digest('hex').slice(0, 16));
  const tarball = path.join(out, `cicd-pipeline-type-${version}.tgz`);
  const wheelDir = path.join(out, 'python');
  const wheel = () => fs.existsSync(wheelDir) ? fs.readdirSync(wheelDir).find(f => f.endsWith('.whl')) : undefined;
  if (fs.existsSync(tarball) && (!options.python || wheel())) {
    return { version, tarball, ...(wheel() ? { wheel: path.join(wheelDir, wheel()!) } : {}) };
  }

  const dir = path.join(out, 'src');
  fs.rmSync(dir, { recursive: true, force: true });
  if (options.commit) {
    fs.mkdirSync(dir, { recursive: true });
    run(REPO_ROOT, 'bash', ['-c', `git archive --format=tar ${options.commit} | tar -x -C '${dir}'`]);
    fs.rmSync(path.join(dir, 'demo-app'), { recursive: true, force: true });
  }
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.copyFileSync(path.join(REPO_ROOT, file), path.join(dir, file));
  }
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  for (const edit of edits) {
    const full = path.join(dir, edit.file);
    const text = fs.readFileSync(full, 'utf-8');
    if (!text.includes(edit.from)) throw new Error(`${edit.file} no longer contains ${JSON.stringify(edit.from)}: update the test`);
    fs.writeFileSync(full, text.replace(edit.from, edit.to));
  }
  const manifest = path.join(dir, 'package.json');
  fs.writeFileSync(manifest, JSON.stringify({ ...JSON.parse(fs.readFileSync(manifest, 'utf-8')), version }, undefined, 2));

  run(dir, 'npx', ['--no-install', 'jsii', '--silence-warnings=reserved-word']);
  const packed = JSON.parse(run(dir, 'npm', ['pack', '--json', '--pack-destination', out]))[0].filename;
  fs.renameSync(path.join(out, packed), tarball);
  if (options.python) {
    run(dir, 'npx', ['--no-install', 'jsii-pacmak', '--target', 'python', '--outdir', out]);
  }
  return { version, tarball, ...(wheel() ? { wheel: path.join(wheelDir, wheel()!) } : {}) };
}

/** The files a release is built from: what git tracks plus the uncommitted work in the working tree. */
function sourceFiles(): string[] {
  const listed = run(REPO_ROOT, 'git', ['ls-files', '--cached', '--others', '--exclude-standard']).split('\n').filter(Boolean);
  return listed.filter(f => fs.existsSync(path.join(REPO_ROOT, f)) && !f.startsWith('demo-app/')).sort();
}

/**
 * The last release whose program was one flat folder (\`infra/*.ts\`), before issue 22 put it in folders
 * (\`parts/\`, \`features/\`, \`guardrails/\`): an upgrade from it must leave no stale file behind.
 */
export const FLAT_LAYOUT_COMMIT = 'a052c9ce480a35f2ae80c717875ed33b9b095e85';

/** A later release: one default changed and one managed file moved, as a real release might. */
export const NEXT_RELEASE_EDITS: SourceEdit[] = [
  { file: 'src/pipeline-model.ts', from: 'keepImages: (r.keepImages as number | undefined) ?? 30', to: 'keepImages: (r.keepImages as number | undefined) ?? 45' },
  { file: 'src/pipeline-infrastructure.ts', from: "options.taggingPolicyPath ?? 'tagging-policy.json'", to: "options.taggingPolicyPath ?? 'policies/tagging-policy.json'" },
];
