import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { SUPPORTED_NODE_MAJORS } from '../../src/node-support';
import { REPO_ROOT, tempDir } from '../helpers';

/** The projen this library builds against: consumers are created with the same. */
export const PROJEN_VERSION: string = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf-8')).devDependencies.projen;

/**
 * The environment of a developer's machine: without CI=true, which makes
 * projen install a consumer's dependencies with `npm ci` (a new repo has no lockfile yet).
 */
function developerEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra, NO_COLOR: '1' };
  delete env.CI;
  return env;
}

/** Runs a command, failing with its output when it fails. */
export function run(cwd: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  try {
    return execFileSync(command, args, {
      cwd,
      encoding: 'utf-8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: developerEnv(env),
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (e: any) {
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd} (exit ${e.status}):\n${e.stdout}\n${e.stderr}`);
  }
}

/** Runs a command that must fail; returns its combined output. */
export function runFailing(cwd: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  try {
    execFileSync(command, args, { cwd, encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...developerEnv(), ...env } });
  } catch (e: any) {
    return `${e.stdout}\n${e.stderr}`;
  }
  throw new Error(`${command} ${args.join(' ')} succeeded in ${cwd}, but it must fail`);
}

/**
 * Compiles this library and packs it as npm would publish it; returns the
 * absolute path of the tarball.
 */
export function packLibrary(root = REPO_ROOT): string {
  // Every consumer command below finds `node` on the PATH it inherits: it must be a line of the
  // support matrix (npx and projen tasks put node_modules/.bin, with the `node` devDependency, first).
  const node = run(root, 'node', ['-p', 'process.version']).trim();
  if (!SUPPORTED_NODE_MAJORS.includes(Number(/^v(\d+)\./.exec(node)?.[1]))) {
    throw new Error(`The end-to-end runs would use node ${node}, outside the support matrix (${SUPPORTED_NODE_MAJORS.join(', ')}): ` +
      'run them through npx or a projen task, which put node_modules/.bin (and its node) first on PATH');
  }
  run(root, 'npx', ['--no-install', 'jsii', '--silence-warnings=reserved-word']);
  const dest = tempDir('pack');
  const out = JSON.parse(run(root, 'npm', ['pack', '--json', '--pack-destination', dest]));
  return path.join(dest, out[0].filename);
}

/** `projen new --from <tarball>` in a fresh, git-initialised directory (by default a new temp dir). */
export function newConsumer(tarball: string, extraArgs: string[] = [], dir = tempDir('consumer')): string {
  fs.mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  run(dir, 'npx', ['--yes', `projen@${PROJEN_VERSION}`, 'new', '--from', `cicd-pipeline-type@file:${tarball}`, ...extraArgs]);
  return dir;
}

export function git(dir: string, ...args: string[]): string {
  return run(dir, 'git', ['-c', 'user.email=e2e@example.com', '-c', 'user.name=e2e', ...args]);
}

export function commitAll(dir: string, message: string): void {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '--allow-empty', '-m', message);
}

/** A hash of every file under `dir` (outside .git and node_modules): path, mode and content. */
export function treeHash(dir: string): string {
  const hash = crypto.createHash('sha256');
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name === '.git' || entry.name === 'node_modules') continue;
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) {
        walk(child);
      } else {
        const full = path.join(dir, child);
        hash.update(`${child}\0${fs.statSync(full).mode}\0`).update(fs.readFileSync(full));
      }
    }
  };
  walk('');
  return hash.digest('hex');
}

/**
 * A venv with `projen` (the npm version's twin) and this library's `wheel`;
 * returns that venv's python.
 */
export function pythonWithWheel(wheel: string): string {
  const venv = path.join(tempDir('venv'), '.venv');
  run(REPO_ROOT, 'python3', ['-m', 'venv', venv]);
  const python = path.join(venv, 'bin', 'python');
  run(REPO_ROOT, python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `projen==${PROJEN_VERSION}`, wheel]);
  return python;
}

/**
 * The environment of a CI runner or a developer's shell on this machine: the
 * test process's, without what jest and `npm run`/projen add to it (NODE_ENV,
 * npm_* variables, this library's node_modules/.bin on the PATH) and without
 * CI (the workflow's own `env:` sets it). `extra` is the machine's registry
 * configuration.
 */
export function machineEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|INIT_CWD$|NODE_ENV$|JEST_WORKER_ID$|PROJEN_|CI$)/i.test(key)) continue;
    env[key] = value;
  }
  const ownModules = path.join(REPO_ROOT, 'node_modules');
  // The machine's Node is the one the README names (a line of the support matrix): this repository's
  // `node` devDependency, alone in its folder, so that none of this library's other bins leak in.
  const matrixNode = path.join(ownModules, 'node', 'bin');
  const rest = (env.PATH ?? '').split(path.delimiter).filter(p => !p.startsWith(ownModules));
  env.PATH = [matrixNode, ...rest].join(path.delimiter);
  return { ...env, NO_COLOR: '1', ...extra };
}

/** Runs a command in `env` exactly (no variable added or removed), failing with its output. */
export function runIn(env: NodeJS.ProcessEnv, cwd: string, command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'], env, maxBuffer: 256 * 1024 * 1024 });
  } catch (e: any) {
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd} (exit ${e.status}):\n${e.stdout}\n${e.stderr}`);
  }
}

/** Runs a command in `env` that must fail; returns its combined output. */
export function runInFailing(env: NodeJS.ProcessEnv, cwd: string, command: string, args: string[]): string {
  try {
    execFileSync(command, args, { cwd, encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'], env, maxBuffer: 256 * 1024 * 1024 });
  } catch (e: any) {
    return `${e.stdout}\n${e.stderr}`;
  }
  throw new Error(`${command} ${args.join(' ')} succeeded in ${cwd}, but it must fail`);
}
