import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/**
 * Runs one projen task beside another, in a consumer repository:
 *
 *   node node_modules/cicd-pipeline-type/lib/alongside/run.js <beside> <main> [args for main…]
 *
 * projen's task runner runs a task's steps one after another, and a shell `&` is not portable (projen
 * runs `exec` steps in cmd.exe on Windows), so the test task starts `infra:typecheck` beside its own
 * steps here: `tsc` over the program and the @pulumi/aws typings it imports is a single-threaded
 * ~4–5 s that jest and eslint need not wait for (a hosted runner has 2–4 cores).
 *
 * The main task keeps the terminal; what the task beside it prints is held and printed once both are
 * done, so the two never interleave. The exit code is the main task's if it failed, else the other's:
 * every failure fails the run, and both always finish, so one run reports every problem.
 */

/** This script in a consumer repository, where the project type is a devDependency (for a `.projenrc.py` too). */
export const ALONGSIDE_SCRIPT = 'node_modules/cicd-pipeline-type/lib/alongside/run.js';

/** How to run a projen task from `root`: projen's CLI, or the script `projen eject` leaves in its place. */
export function taskRunner(root: string): string {
  const ejected = path.join(root, 'scripts', 'run-task.cjs');
  if (fs.existsSync(ejected)) return ejected;
  const projen = path.join(root, 'node_modules', 'projen', 'bin', 'projen');
  if (fs.existsSync(projen)) return projen;
  throw new Error(`neither ${projen} nor ${ejected} exists: run it from the repository root, after installing its dependencies`);
}

/** One finished task: how it ended and, for the task beside, what it printed. */
interface Ended {
  readonly code: number;
  readonly printed: ReadonlyArray<{ readonly to: 'stdout' | 'stderr'; readonly chunk: Buffer }>;
}

function ended(child: ChildProcess, held: boolean): Promise<Ended> {
  const printed: Array<{ to: 'stdout' | 'stderr'; chunk: Buffer }> = [];
  if (held) {
    child.stdout?.on('data', (chunk: Buffer) => printed.push({ to: 'stdout', chunk }));
    child.stderr?.on('data', (chunk: Buffer) => printed.push({ to: 'stderr', chunk }));
  }
  return new Promise(resolve => {
    child.on('error', error => {
      printed.push({ to: 'stderr', chunk: Buffer.from(`${error.message}\n`) });
      resolve({ code: 1, printed });
    });
    // A task killed by a signal has no exit code: it failed.
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), printed }));
  });
}

/** Runs `beside` and `main` (with `args`) at once from `root`; resolves to the run's exit code. */
export async function runAlongside(root: string, beside: string, main: string, args: readonly string[]): Promise<number> {
  const runner = taskRunner(root);
  const start = (task: string, taskArgs: readonly string[], held: boolean) =>
    spawn(process.execPath, [runner, task, ...taskArgs], { cwd: root, stdio: held ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
  // Both stay in this process group, as every projen step's processes do: Ctrl-C in a terminal, or a cancelled
  // CI job stopping the group, reaches the tools the two tasks started, not only their projen processes.
  const [besideEnded, mainEnded] = await Promise.all([ended(start(beside, [], true), true), ended(start(main, args, false), false)]);

  process.stderr.write(`👾 ${beside} ran beside ${main}${besideEnded.code === 0 ? '' : `, and failed (exit code ${besideEnded.code})`}:\n`);
  for (const { to, chunk } of besideEnded.printed) (to === 'stdout' ? process.stdout : process.stderr).write(chunk);
  return mainEnded.code !== 0 ? mainEnded.code : besideEnded.code;
}

if (require.main === module) {
  const [beside, main, ...args] = process.argv.slice(2);
  if (!beside || !main) {
    console.error('usage: node alongside/run.js <task beside> <main task> [args for the main task…]');
    process.exitCode = 2;
  } else {
    runAlongside(process.cwd(), beside, main, args).then(
      code => { process.exitCode = code; },
      (error: Error) => { console.error(`alongside: ${error.message}`); process.exitCode = 1; },
    );
  }
}
