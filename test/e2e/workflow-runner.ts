import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { tempDir } from '../helpers';

/** What one step of a job did. */
export interface StepRun {
  readonly name: string;
  readonly outcome: 'success' | 'failure' | 'skipped';
  readonly output: string;
  /** Wall time of the step (0 when skipped), so a benchmark can tell where a job's time goes. */
  readonly seconds: number;
}

/** What a job did: its steps in order, and whether it passed as GitHub would report it. */
export interface JobRun {
  readonly passed: boolean;
  readonly steps: StepRun[];
  /** Every step's output, in order, with its name. */
  readonly log: string;
  /** The work tree the job ran in (the checkout). */
  readonly workspace: string;
}

export interface RunJobOptions {
  /** The committed repository the checkout step clones. */
  readonly repo: string;
  /** Path of the workflow file, relative to the repository. */
  readonly workflow: string;
  readonly job: string;
  /**
   * The runner machine's environment (PATH, HOME, registry configuration).
   * The job's and the steps' `env:` are added on top, as on GitHub.
   */
  readonly machineEnv: NodeJS.ProcessEnv;
}

/**
 * Runs one job of a committed GitHub Actions workflow the way a hosted runner
 * does: `run:` steps in order with bash (`-eo pipefail`), the job's and each
 * step's `env:`, `GITHUB_OUTPUT` and `if:` conditions on earlier steps. The
 * actions this project's workflows use are played by their local equivalents:
 * `actions/checkout` clones the committed repository into a fresh directory,
 * `actions/setup-python` puts a fresh virtualenv's Python first on the PATH,
 * `actions/setup-node` checks the Node on the machine's PATH has the
 * requested major version, and `actions/upload-artifact` keeps nothing. Anything else — an
 * unknown action or an expression this runner cannot evaluate — fails loudly
 * instead of being skipped.
 */
export function runJob(options: RunJobOptions): JobRun {
  const workflow = YAML.parse(fs.readFileSync(path.join(options.repo, options.workflow), 'utf-8'));
  const job = workflow.jobs?.[options.job];
  if (!job) throw new Error(`${options.workflow} has no job ${options.job}`);
  const workspace = path.join(tempDir('runner'), 'work');
  const outputs: Record<string, Record<string, string>> = {};
  const steps: StepRun[] = [];
  let pathPrefix: string[] = [];
  let failed = false;

  for (const step of job.steps as any[]) {
    const name: string = step.name ?? step.uses ?? step.run;
    const condition: string = step.if ?? 'success()';
    if (!evaluate(condition, outputs, failed)) {
      steps.push({ name, outcome: 'skipped', output: '', seconds: 0 });
      continue;
    }
    const outputFile = path.join(tempDir('github-output'), 'output');
    fs.writeFileSync(outputFile, '');
    const env: NodeJS.ProcessEnv = {
      ...options.machineEnv,
      ...stringValues(job.env),
      ...stringValues(step.env),
      GITHUB_OUTPUT: outputFile,
      GITHUB_WORKSPACE: workspace,
      GITHUB_ACTIONS: 'true',
    };
    env.PATH = [...pathPrefix, env.PATH].join(path.delimiter);

    const started = process.hrtime.bigint();
    let result: { ok: boolean; output: string };
    if (step.uses) {
      const action = playAction(step, workspace, options.repo, env);
      pathPrefix = [...action.pathPrefix, ...pathPrefix];
      result = action;
    } else if (typeof step.run === 'string') {
      if (step.run.includes('${{')) throw new Error(`step "${name}" uses an expression this runner does not evaluate`);
      const cwd = path.join(workspace, step['working-directory'] ?? '.');
      const script = path.join(tempDir('step'), 'step.sh');
      fs.writeFileSync(script, step.run);
      const shell = step.shell ?? 'bash';
      if (shell !== 'bash') throw new Error(`step "${name}" uses shell ${shell}; this runner only runs bash`);
      const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
        cwd, env, encoding: 'utf-8', maxBuffer: 256 * 1024 * 1024,
      });
      result = { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
    } else {
      throw new Error(`step "${name}" has neither uses nor run`);
    }

    if (step.id) outputs[step.id] = parseOutputs(fs.readFileSync(outputFile, 'utf-8'));
    steps.push({ name, outcome: result.ok ? 'success' : 'failure', output: result.output, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
    if (!result.ok && !step['continue-on-error']) failed = true;
  }
  const log = steps.map(s => `##[${s.outcome}] ${s.name}\n${s.output}`).join('\n');
  return { passed: !failed, steps, log, workspace };
}

function playAction(step: any, workspace: string, repo: string, env: NodeJS.ProcessEnv): { ok: boolean; output: string; pathPrefix: string[] } {
  const action = String(step.uses).split('@')[0];
  const exec = (command: string, args: string[], cwd = workspace) => {
    const r = spawnSync(command, args, { cwd, env, encoding: 'utf-8', maxBuffer: 64 * 1024 * 1024 });
    return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
  };
  switch (action) {
    case 'actions/checkout': {
      fs.mkdirSync(path.dirname(workspace), { recursive: true });
      return { ...exec('git', ['clone', '--quiet', repo, workspace], path.dirname(workspace)), pathPrefix: [] };
    }
    case 'actions/setup-node': {
      const wanted = String(step.with?.['node-version'] ?? '');
      const have = exec('node', ['-p', 'process.versions.node'], path.dirname(workspace)).output.trim();
      const major = /^(\d+)/.exec(wanted)?.[1];
      const ok = !major || have.split('.')[0] === major;
      return { ok, output: ok ? `node ${have}` : `this machine has node ${have}, the workflow wants ${wanted}`, pathPrefix: [] };
    }
    case 'actions/setup-python': {
      const venv = path.join(tempDir('setup-python'), 'python');
      const r = exec('python3', ['-m', 'venv', venv], path.dirname(venv));
      return { ...r, pathPrefix: [path.join(venv, 'bin')] };
    }
    case 'actions/upload-artifact':
      return { ok: true, output: `(artifact ${step.with?.name} not kept)`, pathPrefix: [] };
    default:
      throw new Error(`step "${step.name}" uses ${step.uses}, which this runner cannot play`);
  }
}

/** Evaluates the `if:` forms projen's workflows use: status functions, step outputs, `!` and `&&`. */
function evaluate(expression: string, outputs: Record<string, Record<string, string>>, failed: boolean): boolean {
  const text = expression.replace(/^\$\{\{\s*|\s*\}\}$/g, '').trim();
  return text.split('&&').map(part => part.trim()).every(part => {
    const negated = part.startsWith('!');
    const term = negated ? part.slice(1).trim() : part;
    let value: boolean;
    const output = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(term);
    if (term === 'success()') value = !failed;
    else if (term === 'failure()') value = failed;
    else if (term === 'always()') value = true;
    else if (output) value = Boolean(outputs[output[1]]?.[output[2]]);
    else throw new Error(`this runner cannot evaluate the condition ${JSON.stringify(expression)}`);
    return negated ? !value : value;
  });
}

function parseOutputs(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) result[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return result;
}

function stringValues(env: Record<string, unknown> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(env ?? {}).map(([k, v]) => [k, String(v)]));
}
