import * as fs from 'fs';
import * as path from 'path';
import { commitAll, git, machineEnv, runIn } from './harness';
import { LocalNpmRegistry, LocalPythonIndex } from './registries';
import { NEXT_RELEASE_EDITS, Release, buildRelease } from './releases';
import { runJob } from './workflow-runner';
import { tempDir } from '../helpers';

/**
 * A Python team's repository in its real life: `projen new --projenrc-python`
 * from the registries, the README's virtualenv set-up, its own CI (`build.yml`
 * on a fresh clone, with the Python the workflow sets up) and an upgrade that
 * moves the npm and the PyPI package together.
 */
describe('a Python consumer (.projenrc.py), created from the registries, in its own CI', () => {
  let npm: LocalNpmRegistry;
  let pypi: LocalPythonIndex;
  let v1: Release;
  let repo: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    v1 = buildRelease('0.1.0', { python: true });
    npm = await LocalNpmRegistry.start();
    pypi = await LocalPythonIndex.start();
    npm.publish(v1.tarball);
    pypi.publish(v1.wheel!);
    env = machineEnv({ ...npm.env, ...pypi.env, npm_config_yes: 'true' });
    repo = path.join(tempDir('py-consumer'), 'py-app');
    fs.mkdirSync(repo);
    runIn(env, repo, 'git', ['init', '-q', '-b', 'main']);
    runIn(env, repo, 'npx', ['projen', 'new', '--from', 'cicd-pipeline-type', '--projenrc-python']);
    // The README's set-up: a virtualenv with what .projenrc.py imports, then the first build.
    runIn(env, repo, 'python3', ['-m', 'venv', '.venv']);
    runIn(env, repo, path.join(repo, '.venv/bin/python'), ['-m', 'pip', 'install', '--quiet', '-r', 'requirements-dev.txt']);
    const activated = { ...env, VIRTUAL_ENV: path.join(repo, '.venv'), PATH: `${path.join(repo, '.venv/bin')}${path.delimiter}${env.PATH}` };
    runIn(activated, repo, 'npx', ['projen', 'build']);
    commitAll(repo, 'projen new --projenrc-python');
  });

  afterAll(async () => {
    await npm?.stop();
    await pypi?.stop();
  });

  test('`new` writes a .projenrc.py without the TypeScript switch, a pinned requirements file, and ignores the virtualenv', () => {
    const projenrc = fs.readFileSync(path.join(repo, '.projenrc.py'), 'utf-8');
    expect(projenrc).toContain('from cicd_pipeline_type import CicdPipelineProject');
    expect(projenrc).toContain('projenrc_python=True');
    expect(projenrc).not.toContain('projenrc_ts');
    const requirements = fs.readFileSync(path.join(repo, 'requirements-dev.txt'), 'utf-8');
    const projen = JSON.parse(fs.readFileSync(path.join(repo, 'node_modules/projen/package.json'), 'utf-8')).version;
    expect(requirements).toContain(`projen==${projen}\n`);
    expect(requirements).toContain('cicd-pipeline-type==0.1.0\n');
    expect(JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf-8')).devDependencies['cicd-pipeline-type']).toBe('^0.1.0');
    expect(git(repo, 'status', '--porcelain')).toBe('');
    expect(git(repo, 'ls-files', '.venv')).toBe('');
  });

  test('its build workflow sets up Python, installs the pins and passes on a fresh clone (CI=true)', () => {
    const job = runJob({ repo, workflow: '.github/workflows/build.yml', job: 'build', machineEnv: env });
    expect({ passed: job.passed, log: job.passed ? '' : job.log }).toEqual({ passed: true, log: '' });
    expect(job.steps.map(s => [s.name, s.outcome])).toEqual([
      ['Checkout', 'success'],
      ['Setup Node.js', 'success'],
      ['Install dependencies', 'success'],
      ['Set up Python', 'success'],
      ['Install the projenrc requirements', 'success'],
      ['build', 'success'],
      ['Explain changed managed files', 'success'],
      ['Find mutations', 'success'],
      ['Upload patch', 'skipped'],
      ['Fail build on mutation', 'skipped'],
    ]);
    // The build synthesized with .projenrc.py (the default task, through the runner that prints a configuration
    // error once), not with a TypeScript projenrc.
    expect(job.steps.find(s => s.name === 'build')!.output).toContain('python node_modules/cicd-pipeline-type/python-runner/run_projenrc.py .projenrc.py');
  });

  describe('`npx projen upgrade` (its upgrade.yml job) to the next release of both packages', () => {
    let workspace: string;

    beforeAll(() => {
      const v2 = buildRelease('0.2.0', { python: true, edits: NEXT_RELEASE_EDITS });
      npm.publish(v2.tarball);
      pypi.publish(v2.wheel!);
      const job = runJob({ repo, workflow: '.github/workflows/upgrade.yml', job: 'upgrade', machineEnv: env });
      if (!job.passed) throw new Error(`the upgrade job failed:\n${job.log}`);
      workspace = job.workspace;
    });

    test('package.json and requirements-dev.txt move together', () => {
      expect(JSON.parse(fs.readFileSync(path.join(workspace, 'package.json'), 'utf-8')).devDependencies['cicd-pipeline-type']).toBe('^0.2.0');
      expect(fs.readFileSync(path.join(workspace, 'requirements-dev.txt'), 'utf-8')).toContain('cicd-pipeline-type==0.2.0\n');
    });

    test('the managed files are those of the new Python package (its changed default and moved file)', () => {
      const settings = JSON.parse(fs.readFileSync(path.join(workspace, 'infra/pipeline-settings.json'), 'utf-8'));
      expect(settings.registry.keepImages).toBe(45);
      expect(fs.existsSync(path.join(workspace, 'policies/tagging-policy.json'))).toBe(true);
      expect(fs.existsSync(path.join(workspace, 'tagging-policy.json'))).toBe(false);
    });
  });
});
