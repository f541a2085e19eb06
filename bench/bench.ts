/**
 * What the project type costs a consumer, measured as ratios against plain
 * projen in the same run on the same machine (never as absolute goals in tests).
 *
 *   npx projen bench [--runs N] [--no-python] [--no-docker]   (default 5 runs of each; medians are reported)
 *   npx projen bench --only docker [--runs N]                   (the Docker build section alone, see docker.ts)
 *   npx projen bench --only guardrails [--runs N]               (the guardrail rows alone, with their profiles)
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NodePackageManager } from 'projen/lib/javascript';
import { TypeScriptProject } from 'projen/lib/typescript';
import { dockerSection } from './docker';
import { formatCosts, profileGuardrails } from './profile';
import { CicdPipelineProject } from '../src';
import { PROJEN_VERSION, commitAll, git, machineEnv, newConsumer, packLibrary, pythonWithWheel, run } from '../test/e2e/harness';
import { buildRelease } from '../test/e2e/releases';
import { runJob } from '../test/e2e/workflow-runner';
import { REPO_ROOT, tempDir } from '../test/helpers';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;

function seconds(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function middle(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Median wall time of `runs` executions of `fn`, in seconds. */
function median(runs: number, fn: () => void): number {
  return middle(Array.from({ length: runs }, () => seconds(fn)));
}

/**
 * Medians of `subject` and `baseline`, run alternately after one warm-up each,
 * so that drift in the machine's speed falls on both sides of a ratio.
 */
function paired(runs: number, subject: () => void, baseline: () => void): [number, number] {
  subject();
  baseline();
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    a.push(seconds(subject));
    b.push(seconds(baseline));
  }
  return [middle(a), middle(b)];
}

interface Row { readonly what: string; readonly value: string; readonly goal: string; readonly met: boolean | undefined }
const rows: Row[] = [];
/** Keeps a row for the table, and prints it at once so that a long run shows its progress. */
function addRow(row: Row): void {
  rows.push(row);
  console.error(`${row.what}: ${row.value}`);
}
const ratioRow = (what: string, subject: number, baseline: number, goal: number) => addRow({
  what, value: `${(subject / baseline).toFixed(2)}× (${subject.toFixed(2)} s vs ${baseline.toFixed(2)} s)`, goal: `≤ ${goal.toFixed(2)}×`, met: subject / baseline <= goal,
});

/**
 * Turns `selfUpdate` and two deploy stages (the second behind an approval) on in a consumer's
 * `.projenrc.ts`, as a team would, so its resynth and guardrails include their resources and checks.
 * A new repository's `.projenrc.ts` already sets `pipeline` (the supply-chain gate): they join it.
 */
function enableSelfUpdateAndStages(dir: string): void {
  const projenrc = path.join(dir, '.projenrc.ts');
  const options = [
    '    selfUpdate: { backendUrl: \'s3://acme-pulumi-state/pipelines\', secretsProvider: \'awskms://alias/pulumi-state\' },',
    '    stages: [',
    '      { name: \'staging\', commands: [\'./scripts/deploy.sh staging\'] },',
    '      { name: \'prod\', commands: [\'./scripts/deploy.sh prod\'], manualApproval: { emails: [\'release@acme.example\'] } },',
    '    ],',
  ];
  const text = fs.readFileSync(projenrc, 'utf-8');
  const generated = /^ {2}pipeline: \{ (.*) \},$/m.exec(text);
  const pipeline = ['  pipeline: {', ...generated ? [`    ${generated[1]},`] : [], ...options, '  },'].join('\n');
  const edited = generated
    ? text.replace(generated[0], pipeline)
    : text.replace('projenrcTs: true,', `projenrcTs: true,\n${pipeline}`);
  fs.writeFileSync(projenrc, edited.replace('projenrcTs: true,', 'projenrcTs: true,\n  githubRepository: \'acme/app\','));
}

/**
 * `jest infra` as the repository's test task runs it: jest from node_modules/.bin (`npx jest`
 * would add npm's own start, ~0.35 s on this machine, which no build pays).
 */
const guardrailRun = (consumer: string) => () => run(consumer, path.join(consumer, 'node_modules', '.bin', 'jest'), ['--coverage=false', 'infra']);

/** The guardrail run's wall time against its goal, and its profile's top costs. */
function guardrailRows(consumer: string, configuration: string): void {
  const wall = median(RUNS, guardrailRun(consumer));
  addRow({ what: `consumer guardrail tests${configuration} (\`jest infra\`), wall time`, value: `${wall.toFixed(2)} s`, goal: `≤ ${GUARDRAILS_GOAL} s`, met: wall <= GUARDRAILS_GOAL });
  addRow({ what: '… its profile, top costs (`node --cpu-prof`, one run)', value: formatCosts(profileGuardrails(consumer)), goal: 'reported', met: undefined });
}

/** A new consumer with selfUpdate and two stages on, synthesized and committed. */
function selfUpdatingConsumer(tarball: string): string {
  const dir = newConsumer(tarball);
  enableSelfUpdateAndStages(dir);
  run(dir, 'npx', ['projen', '--no-post']);
  commitAll(dir, 'selfUpdate on');
  return dir;
}

const WITH_SELF_UPDATE = ' with selfUpdate and stages on';
/** The goal for a consumer's resynth against plain projen's. */
const RESYNTH_GOAL = 1.05;

const GUARDRAILS_GOAL = 2.5;

/** Median seconds of each step of a job over several runs, by step name. */
function stepMedians(runs: Array<Array<{ name: string; seconds: number }>>): Map<string, number> {
  const byName = new Map<string, number[]>();
  for (const steps of runs) for (const step of steps) byName.set(step.name, [...byName.get(step.name) ?? [], step.seconds]);
  return new Map([...byName].map(([name, times]) => [name, middle(times)]));
}

function plainProjenNew(): string {
  const dir = path.join(tempDir('plain'), 'app');
  fs.mkdirSync(dir);
  git(dir, 'init', '-q', '-b', 'main');
  run(dir, 'npx', ['--yes', `projen@${PROJEN_VERSION}`, 'new', 'typescript', '--package-manager', 'npm']);
  return dir;
}

const onlyArg = process.argv.indexOf('--only');
const ONLY = onlyArg > 0 ? process.argv[onlyArg + 1] : undefined;

function printTable(): void {
  console.log('\n| measure | result | goal | met |\n| --- | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.what} | ${r.value} | ${r.goal} | ${r.met === undefined ? '–' : r.met ? 'yes' : 'NO'} |`);
}

async function main(): Promise<void> {
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}; ${RUNS} runs each`);
  if (ONLY === 'docker') {
    // Docker builds are long: three runs make a median.
    rows.push(...await dockerSection(Math.max(3, runsArg > 0 ? RUNS : 3)));
    printTable();
    return;
  }
  if (ONLY === 'guardrails') {
    // The guardrail rows alone (two new consumers, no baseline repo): a quicker check of the mocked runs and checks.
    const tarball = packLibrary();
    guardrailRows(newConsumer(tarball), '');
    guardrailRows(selfUpdatingConsumer(tarball), WITH_SELF_UPDATE);
    printTable();
    return;
  }

  const tarball = packLibrary();
  const tarballKb = fs.statSync(tarball).size / 1024;
  // Goal raised from 200 kB (README, Benchmark): the shipped program and the generated API docs are most of it.
  addRow({ what: 'packed npm tarball', value: `${tarballKb.toFixed(1)} kB`, goal: '≤ 250 kB', met: tarballKb <= 250 });
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf-8'));
  const bundled = (manifest.bundledDependencies ?? manifest.bundleDependencies ?? []).length + Object.keys(manifest.dependencies ?? {}).length;
  addRow({ what: 'bundled / runtime dependencies', value: String(bundled), goal: '0', met: bundled === 0 });

  // projen new, without the dependency install (its cost is reported on its own below).
  const [newTyped, newPlain] = paired(RUNS, () => {
    const dir = tempDir('typed-new');
    git(dir, 'init', '-q', '-b', 'main');
    run(dir, 'npx', ['--yes', `projen@${PROJEN_VERSION}`, 'new', '--from', `cicd-pipeline-type@file:${tarball}`, '--no-post']);
  }, () => {
    const dir = tempDir('plain-new');
    git(dir, 'init', '-q', '-b', 'main');
    run(dir, 'npx', ['--yes', `projen@${PROJEN_VERSION}`, 'new', 'typescript', '--package-manager', 'npm', '--no-post']);
  });
  addRow({
    what: '`projen new --from <tgz>` vs `projen new typescript` (`--no-post`: no dependency install)',
    value: `${(newTyped / newPlain).toFixed(2)}× (${newTyped.toFixed(2)} s vs ${newPlain.toFixed(2)} s)`,
    goal: 'reported',
    met: undefined,
  });
  // Before it can read an external type's jsii manifest, `projen new --from` runs npm three times
  // (seen with strace): `npm ls projen`, `npm install projen@latest`, `npm install <spec>`. Every
  // external project type pays them; they are replayed alone here and taken out below.
  const fetchType = median(RUNS, () => {
    const dir = tempDir('fetch-type');
    const npmInstall = ['install', '--save', '--save-dev', '-f', '--no-package-lock', '--include=dev', `--prefix=${dir}`];
    try {
      run(dir, 'npm', ['ls', `--prefix=${dir}`, '--depth=0', '--pattern', 'projen']);
    } catch {
      // npm ls exits non-zero on an empty prefix, as it does for projen new.
    }
    run(dir, 'npm', [...npmInstall, 'projen@latest']);
    run(dir, 'npm', [...npmInstall, `cicd-pipeline-type@file:${tarball}`]);
  });
  addRow({ what: '… of which projen\'s own npm steps for any `--from` type (ls, install projen@latest, install <tgz>)', value: `${fetchType.toFixed(2)} s`, goal: 'reported', met: undefined });
  ratioRow('`projen new --from <tgz>` without those npm steps vs `projen new typescript`', newTyped - fetchType, newPlain, 1.3);

  // The type's own cost, without projen's CLI: construct and synthesize a new project in-process.
  process.env.PROJEN_DISABLE_POST = 'true';
  const [synthNewTyped, synthNewPlain] = paired(RUNS,
    () => new CicdPipelineProject({ name: 'app', defaultReleaseBranch: 'main', outdir: tempDir('in-process'), githubRepository: 'acme/app' }).synth(),
    () => new TypeScriptProject({
      name: 'app', defaultReleaseBranch: 'main', outdir: tempDir('in-process'), packageManager: NodePackageManager.NPM,
    }).synth());
  ratioRow('first synth of a new project, in-process (the type\'s own cost, no CLI, no npm)', synthNewTyped, synthNewPlain, 1.3);
  delete process.env.PROJEN_DISABLE_POST;

  // At the depth of the runner's checkout (<tmp>/<dir>/<repo>): package-lock.json records the
  // tarball's file: spec relative to the repository, and a clone elsewhere would rewrite it.
  const consumer = newConsumer(tarball, [], path.join(tempDir('consumer'), 'app'));
  commitAll(consumer, 'new');
  const plain = plainProjenNew();
  commitAll(plain, 'new');

  // The extra install: @pulumi/* (and the type itself) on a warm npm cache.
  const reinstall = (dir: string) => median(Math.min(RUNS, 3), () => {
    fs.rmSync(path.join(dir, 'node_modules'), { recursive: true, force: true });
    run(dir, 'npm', ['ci', '--no-audit', '--no-fund']);
  });
  const installTyped = reinstall(consumer);
  const installPlain = reinstall(plain);
  addRow({
    what: 'dependency install (`npm ci`, warm cache)',
    value: `${installTyped.toFixed(1)} s vs ${installPlain.toFixed(1)} s plain (+${(installTyped - installPlain).toFixed(1)} s for @pulumi/* and the type)`,
    goal: 'reported',
    met: undefined,
  });

  const [synthTyped, synthPlain] = paired(RUNS, () => run(consumer, 'npx', ['projen', '--no-post']), () => run(plain, 'npx', ['projen', '--no-post']));
  ratioRow('consumer resynth `npx projen` vs plain projen repo', synthTyped, synthPlain, RESYNTH_GOAL);

  // What every pull request pays: the repository's own build job, on a fresh clone, as GitHub runs it.
  const stepRuns = new Map<string, Array<Array<{ name: string; seconds: number }>>>();
  const buildJob = (repo: string) => () => {
    const job = runJob({ repo, workflow: '.github/workflows/build.yml', job: 'build', machineEnv: machineEnv() });
    if (!job.passed) throw new Error(`the build job failed in ${repo}:\n${job.log}`);
    stepRuns.set(repo, [...stepRuns.get(repo) ?? [], job.steps]);
  };
  const [ciTyped, ciPlain] = paired(Math.min(RUNS, 3), buildJob(consumer), buildJob(plain));
  ratioRow('consumer CI build job (fresh clone, build.yml as run by GitHub) vs plain projen repo\'s', ciTyped, ciPlain, 1.5);
  // Where the difference goes: each step's median (the warm-up run included), then the parts of the build step that are ours.
  const typedSteps = stepMedians(stepRuns.get(consumer) ?? []);
  const plainSteps = stepMedians(stepRuns.get(plain) ?? []);
  addRow({
    what: '… by step (median s, consumer vs plain)',
    value: [...typedSteps].filter(([name, t]) => t >= 0.5 || (plainSteps.get(name) ?? 0) >= 0.5)
      .map(([name, t]) => `${name}: ${t.toFixed(1)} vs ${(plainSteps.get(name) ?? 0).toFixed(1)}`).join('; '),
    goal: 'reported',
    met: undefined,
  });
  const infraTypecheck = median(Math.min(RUNS, 3), () => run(consumer, 'npx', ['projen', 'infra:typecheck']));
  addRow({ what: '… of the build step: `infra:typecheck` (tsc over infra/ and the @pulumi/aws typings it imports)', value: `${infraTypecheck.toFixed(2)} s`, goal: 'reported', met: undefined });

  guardrailRows(consumer, '');

  // The same consumer with selfUpdate and deploy stages on: more resources, policies and checks (issues 11, 17).
  const selfUpdating = selfUpdatingConsumer(tarball);
  const [synthSelfUpdating, synthPlainAgain] = paired(RUNS,
    () => run(selfUpdating, 'npx', ['projen', '--no-post']), () => run(plain, 'npx', ['projen', '--no-post']));
  ratioRow(`consumer resynth \`npx projen\`${WITH_SELF_UPDATE} vs plain projen repo`, synthSelfUpdating, synthPlainAgain, RESYNTH_GOAL);
  guardrailRows(selfUpdating, WITH_SELF_UPDATE);

  if (!process.argv.includes('--no-python')) {
    const venvPython = pythonWithWheel(buildRelease(JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf-8')).version, { python: true }).wheel!);
    const py = newConsumer(tarball, ['--projenrc-python', '--no-post']);
    const [synthPy, synthTs] = paired(RUNS,
      () => run(py, venvPython, ['.projenrc.py'], { PROJEN_DISABLE_POST: 'true' }),
      () => run(consumer, 'npx', ['ts-node', '--project', 'projenrc/tsconfig.json', '.projenrc.ts'], { PROJEN_DISABLE_POST: 'true' }));
    ratioRow('`.projenrc.py` synth vs `.projenrc.ts` synth', synthPy, synthTs, 2);
  } else {
    addRow({ what: '`.projenrc.py` synth vs `.projenrc.ts` synth', value: 'skipped (--no-python)', goal: '≤ 2.00×', met: undefined });
  }

  if (!process.argv.includes('--no-docker')) rows.push(...await dockerSection(Math.max(3, Math.min(RUNS, 3))));
  printTable();
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
