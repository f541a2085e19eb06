import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT, tempDir } from './helpers';
import { ALONGSIDE_SCRIPT, taskRunner } from '../src/alongside/run';

/**
 * The script a consumer's test task runs to start `infra:typecheck` beside jest and eslint
 * (src/alongside/run.ts), run as the consumer runs it: `node …/run.js <beside> <main> [args]`
 * from a repository whose tasks projen's own CLI runs. Each task here is a small Node script.
 */

const SCRIPT = path.join(REPO_ROOT, 'src', 'alongside', 'run.ts');

/** `node -e <code>` as a task's exec step; the code reaches the shell single-quoted, as every step below is free of quotes. */
const nodeStep = (code: string) => ({ exec: `node -e "${code}"` });
/** Waits (up to 20 s) until `file` exists: a task that only ends if the other one started. */
const waitFor = (file: string) => 'const fs = require(\'fs\'); const until = Date.now() + 20000; ' +
  `while (!fs.existsSync('${file}')) { if (Date.now() > until) { console.error('${file} never appeared'); process.exit(3); } }`;

/** A repository whose `.projen/tasks.json` holds `tasks`, with this library's node_modules (and so projen's CLI). */
function repository(tasks: Record<string, { steps: object[] }>): string {
  const dir = tempDir('alongside');
  fs.mkdirSync(path.join(dir, '.projen'));
  fs.writeFileSync(path.join(dir, '.projen', 'tasks.json'), JSON.stringify({
    tasks: Object.fromEntries(Object.entries(tasks).map(([name, task]) => [name, { name, ...task }])),
  }));
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

/** The script as a consumer's task runs it (through ts-node here, the compiled lib/ in a consumer). */
function alongside(dir: string, ...args: string[]) {
  const result = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', SCRIPT, ...args], {
    cwd: dir, encoding: 'utf-8', env: { ...process.env, TS_NODE_PROJECT: path.join(REPO_ROOT, 'test', 'tsconfig.json') },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, all: result.stdout + result.stderr };
}

test('the two tasks run at the same time: each one ends only after the other has started', () => {
  const dir = repository({
    typecheck: { steps: [nodeStep(`require('fs').writeFileSync('beside-started', ''); ${waitFor('main-started')}`)] },
    checks: { steps: [nodeStep(`require('fs').writeFileSync('main-started', ''); ${waitFor('beside-started')}`)] },
  });
  const run = alongside(dir, 'typecheck', 'checks');
  expect(run.all).not.toContain('never appeared');
  expect(run.status).toBe(0);
});

test('the task beside is printed after the main task, never interleaved with it', () => {
  const dir = repository({
    typecheck: { steps: [nodeStep('console.log(\'TYPES-OUT\'); console.error(\'TYPES-ERR\'); require(\'fs\').writeFileSync(\'printed\', \'\')')] },
    // The main task prints only once the other has printed and ended.
    checks: { steps: [nodeStep(`${waitFor('printed')}; console.log('MAIN-DONE')`)] },
  });
  const run = alongside(dir, 'typecheck', 'checks');
  expect(run.status).toBe(0);
  expect(run.stdout.indexOf('MAIN-DONE')).toBeGreaterThan(-1);
  expect(run.stdout.indexOf('MAIN-DONE')).toBeLessThan(run.stdout.indexOf('TYPES-OUT'));
  expect(run.stderr).toContain('👾 typecheck ran beside checks:\n');
  expect(run.stderr.indexOf('👾 typecheck ran beside checks')).toBeLessThan(run.stderr.indexOf('TYPES-ERR'));
});

test('arguments after the two task names reach the main task\'s steps that receive them, verbatim', () => {
  const dir = repository({
    typecheck: { steps: [nodeStep('0')] },
    checks: { steps: [{ exec: 'node print-args.js', receiveArgs: true }] },
  });
  fs.writeFileSync(path.join(dir, 'print-args.js'), 'console.log(JSON.stringify(process.argv.slice(2)))');
  const run = alongside(dir, 'typecheck', 'checks', '--updateSnapshot', '-t', 'guardrails');
  expect(run.status).toBe(0);
  expect(run.stdout).toContain('["--updateSnapshot","-t","guardrails"]');
});

describe('every failure fails the run, and both tasks always finish', () => {
  const failing = (code: number, says: string) => nodeStep(`console.error('${says}'); process.exit(${code})`);
  const passing = (says: string) => nodeStep(`console.log('${says}')`);

  test('the task beside fails: the main task still runs to its end, and the run fails with what the other printed', () => {
    const run = alongside(repository({ typecheck: { steps: [failing(2, 'error TS2322')] }, checks: { steps: [passing('TESTS-PASSED')] } }), 'typecheck', 'checks');
    expect(run.status).not.toBe(0);
    expect(run.stdout).toContain('TESTS-PASSED');
    expect(run.stderr).toMatch(/👾 typecheck ran beside checks, and failed \(exit code \d+\):/);
    expect(run.stderr).toContain('error TS2322');
  });

  test('the main task fails: the run fails, and the task beside still reports', () => {
    const run = alongside(repository({ typecheck: { steps: [passing('TYPES-OK')] }, checks: { steps: [failing(4, 'a test failed')] } }), 'typecheck', 'checks');
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('a test failed');
    expect(run.stdout).toContain('TYPES-OK');
  });

  test('both fail: both are reported', () => {
    const run = alongside(repository({ typecheck: { steps: [failing(2, 'error TS2322')] }, checks: { steps: [failing(4, 'a test failed')] } }), 'typecheck', 'checks');
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('error TS2322');
    expect(run.stderr).toContain('a test failed');
  });

  test('an unknown task fails the run', () => {
    const run = alongside(repository({ checks: { steps: [passing('TESTS-PASSED')] } }), 'no-such-task', 'checks');
    expect(run.status).not.toBe(0);
    expect(run.stdout).toContain('TESTS-PASSED');
  });
});

test('without its two task names it says how to call it, and fails', () => {
  const run = alongside(repository({}));
  expect(run.status).toBe(2);
  expect(run.stderr).toContain('usage: node alongside/run.js <task beside> <main task>');
});

test('tasks run through projen\'s CLI, or the script `projen eject` leaves; with neither it says where it looked', () => {
  const dir = tempDir('alongside-runner');
  expect(() => taskRunner(dir)).toThrow(/node_modules\/projen\/bin\/projen nor .*scripts\/run-task\.cjs exists: run it from the repository root/);
  fs.mkdirSync(path.join(dir, 'node_modules', 'projen', 'bin'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'node_modules', 'projen', 'bin', 'projen'), '');
  expect(taskRunner(dir)).toBe(path.join(dir, 'node_modules', 'projen', 'bin', 'projen'));
  fs.mkdirSync(path.join(dir, 'scripts'));
  fs.writeFileSync(path.join(dir, 'scripts', 'run-task.cjs'), '');
  expect(taskRunner(dir)).toBe(path.join(dir, 'scripts', 'run-task.cjs'));
});

test('the script path a consumer task names is where this file compiles to in the package', () => {
  expect(ALONGSIDE_SCRIPT).toBe('node_modules/cicd-pipeline-type/lib/alongside/run.js');
  expect(path.relative(path.join(REPO_ROOT, 'src'), SCRIPT)).toBe(path.join('alongside', 'run.ts'));
});
