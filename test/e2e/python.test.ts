import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'projen';
import { newConsumer, pythonWithWheel, run, runFailing } from './harness';
import { buildRelease } from './releases';
import { CicdPipelineProject, CicdPipelineProjectOptions } from '../../src';
import { PROJENRC_RUNNER } from '../../src/python-projenrc';
import { FULL_PROPS, REPO_ROOT, tempDir } from '../helpers';

/**
 * Files that record which projenrc a project uses, and so legitimately differ
 * between a `.projenrc.ts` and a `.projenrc.py` repo.
 */
const PROJENRC_FILES: Record<string, string> = {
  '.projen/tasks.json': 'the default task runs ts-node .projenrc.ts, or python .projenrc.py',
  '.projen/deps.json': 'projen is recorded as a devenv dependency of the Python projenrc too',
  '.projen/files.json': 'lists the managed files, among them projenrc/tsconfig.json for a TypeScript projenrc only',
  '.gitignore': 'un-ignores the projenrc file itself (.projenrc.py or .projenrc.ts and projenrc/tsconfig.json)',
  '.gitattributes': 'marks projenrc/tsconfig.json as generated for a TypeScript projenrc only',
  '.eslintrc.json': 'lints .projenrc.ts (allowDefaultProject) for a TypeScript projenrc only',
  '.npmignore': 'ignores /.projenrc.ts and /projenrc for a TypeScript projenrc only',
  'package.json': 'the projen scripts differ only in what the default task runs; ts-node is a TypeScript projenrc dependency',
  'projenrc/tsconfig.json': 'the tsconfig that ts-node uses for .projenrc.ts',
  'README.md': 'the written-once README tells a Python user how to set up the venv',
  '.github/workflows/build.yml': 'sets up Python and installs requirements-dev.txt before the build, and names .projenrc.py in its message',
  '.github/workflows/upgrade.yml': 'sets up Python and installs requirements-dev.txt before the upgrade',
  'requirements-dev.txt': 'what .projenrc.py imports, pinned (a Python projenrc only)',
  'PIPELINE.md': 'the guide names the projenrc the options are written in, and spells the options as it does',
};

/** The same project in both languages: every nested struct of PipelineProps is used. */
const PYTHON_PROJENRC = `
from cicd_pipeline_type import (
    ArtifactProps, BuildComputeType, BuildImage, CicdPipelineProject, CodeBuildProps, NotificationProps,
    PipelineExecutionState, PipelineProps, RegistryProps, TagProps,
)

project = CicdPipelineProject(
    name="payments",
    default_release_branch="main",
    projenrc_python=PROJENRC_PYTHON,
    pipeline=PipelineProps(
        repository="acme-corp/payments.api",
        branch="release/2026",
        file_paths=["src/**", "Dockerfile"],
        connection_arn="${FULL_PROPS.connectionArn}",
        name="payments",
        environments=["dev", "staging", "prod"],
        code_build=CodeBuildProps(
            compute_type=BuildComputeType.MEDIUM,
            image=BuildImage.AMAZON_LINUX_2023_5_0,
            dockerfile="docker/Dockerfile",
            context="app",
            timeout_minutes=45,
            log_retention_days=90,
            pre_build_commands=["npm ci"],
            post_build_commands=["echo done"],
            environment_variables={"NODE_ENV": "production"},
        ),
        registry=RegistryProps(keep_images=50, untagged_expiry_days=3),
        artifacts=ArtifactProps(noncurrent_version_expiry_days=14, force_destroy=True),
        notifications=NotificationProps(
            emails=["ops@acme.example", "dev@acme.example"],
            states=[PipelineExecutionState.FAILED, PipelineExecutionState.STOPPED],
        ),
        tags=TagProps(team="payments", project="checkout", cost_center="cc-1234",
                      custom={"DataClass": "internal", "Owner": "ops@acme.example"}),
    ),
)
project.synth()
`;

const TS_OPTIONS: CicdPipelineProjectOptions = { name: 'payments', defaultReleaseBranch: 'main', pipeline: FULL_PROPS };

/**
 * Every file under `dir` (outside node_modules and .git), path → content. The
 * projen marker names the projenrc ("edit .projenrc.py"): it is read as the
 * TypeScript one so that a file differs only where its content does.
 */
function readTree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      if (['node_modules', '.git', '.venv'].includes(entry.name)) continue;
      const child = path.posix.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else files[child] = fs.readFileSync(path.join(dir, child), 'utf-8').split('edit .projenrc.py and run').join('edit .projenrc.ts and run');
    }
  };
  walk('');
  return files;
}

describe('the Python package', () => {
  let venvPython: string;
  let tarball: string;

  beforeAll(() => {
    // The working tree's own version: the settings carry it (the fleet tag), and the TypeScript side synthesizes with it.
    const release = buildRelease(JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf-8')).version, { python: true });
    tarball = release.tarball;
    venvPython = pythonWithWheel(release.wheel!);
  });

  const runPython = (dir: string, script: string) => {
    fs.writeFileSync(path.join(dir, '.projenrc.py'), script);
    return run(dir, venvPython, ['.projenrc.py'], { PROJEN_DISABLE_POST: 'true' });
  };

  test('.projenrc.py synthesizes the same repo as the equivalent .projenrc.ts (but the projenrc records)', () => {
    const pyDir = tempDir('py');
    runPython(pyDir, PYTHON_PROJENRC.replace('PROJENRC_PYTHON', 'True'));
    const tsDir = tempDir('ts');
    process.env.PROJEN_DISABLE_POST = 'true';
    new CicdPipelineProject({ ...TS_OPTIONS, outdir: tsDir }).synth();

    const py = readTree(pyDir);
    const ts = readTree(tsDir);
    delete py['.projenrc.py'];
    const differing = [...new Set([...Object.keys(py), ...Object.keys(ts)])].filter(f => py[f] !== ts[f]).sort();
    expect(differing.filter(f => !(f in PROJENRC_FILES))).toEqual([]);
    expect(py['infra/pipeline-settings.json']).toBe(ts['infra/pipeline-settings.json']);
    expect(py['buildspec.yml']).toBe(ts['buildspec.yml']);
    expect(JSON.parse(py['.projen/tasks.json']).tasks.default.steps).toEqual([{ execArgs: ['python', PROJENRC_RUNNER, '.projenrc.py'] }]);
    expect(fs.existsSync(path.join(pyDir, '.projenrc.ts'))).toBe(false);
  });

  test('with projenrc_python=False the Python file builds exactly the .projenrc.ts repo', () => {
    const pyDir = tempDir('py-as-ts');
    runPython(pyDir, PYTHON_PROJENRC.replace('PROJENRC_PYTHON', 'False'));
    const tsDir = tempDir('ts');
    const expected = Testing.synth(new CicdPipelineProject({ ...TS_OPTIONS, outdir: tsDir }));
    const py = readTree(pyDir);
    for (const file of ['infra/pipeline-settings.json', 'buildspec.yml', 'tagging-policy.json', 'package.json', '.projen/tasks.json']) {
      expect({ file, content: JSON.parse(JSON.stringify(tryParse(py[file]))) }).toEqual({ file, content: tryParse(expected[file]) });
    }
  });

  test('a validation error reaches Python as an exception naming the options as .projenrc.py spells them', () => {
    const dir = tempDir('py-bad');
    fs.writeFileSync(path.join(dir, '.projenrc.py'), [
      'from cicd_pipeline_type import CicdPipelineProject, PipelineProps, RegistryProps, TagProps',
      'CicdPipelineProject(name="x", default_release_branch="main", pipeline=PipelineProps(',
      '    repository="acme", registry=RegistryProps(keep_images=-1), tags=TagProps(custom={"aws:x": "y"}))).synth()',
    ].join('\n'));
    const out = runFailing(dir, venvPython, ['.projenrc.py']);
    // The kernel runs with JSII_AGENT=Python/<version>: paths in snake_case, the file is .projenrc.py.
    expect(out).toContain('RuntimeError: Invalid pipeline configuration in .projenrc.py (3 problems); nothing was written');
    expect(out).toContain('pipeline.repository: must be "owner/name"');
    expect(out).toContain('pipeline.registry.keep_images: must be from 1 to 10000 (got -1)');
    expect(out).toContain('pipeline.tags.custom.aws:x: tag key must not start with "aws:"');
    expect(fs.readdirSync(dir)).toEqual(['.projenrc.py']);
  });

  test('through the default task\'s runner, a validation error prints once, without the jsii traceback', () => {
    const dir = tempDir('py-once');
    fs.writeFileSync(path.join(dir, '.projenrc.py'), [
      'from cicd_pipeline_type import CicdPipelineProject, PipelineProps, RegistryProps',
      'CicdPipelineProject(name="x", default_release_branch="main", release_to_npm=True,',
      '    pipeline=PipelineProps(repository="acme/x", registry=RegistryProps(keep_images=-1))).synth()',
    ].join('\n'));
    // The runner from the packed library, where a consumer's default task finds it (node_modules/cicd-pipeline-type/...).
    const runner = path.join(tempDir('runner'), 'package', PROJENRC_RUNNER.replace('node_modules/cicd-pipeline-type/', ''));
    run(path.dirname(tarball), 'tar', ['-xzf', tarball, '-C', path.dirname(path.dirname(path.dirname(runner)))]);
    const out = runFailing(dir, venvPython, [runner, '.projenrc.py']);
    expect(out.match(/Invalid pipeline configuration in \.projenrc\.py \(2 problems\); nothing was written/g)).toHaveLength(1);
    expect(out).toContain('  - release_to_npm: does not apply to an application');
    expect(out).toContain('  - pipeline.registry.keep_images: must be from 1 to 10000 (got -1)');
    expect(out).not.toMatch(/Traceback|jsii[/\\]_|JavaScriptError/);
    expect(fs.readdirSync(dir)).toEqual(['.projenrc.py']);
  });

  test('a wrong type (a number for the repository) gives a clear error', () => {
    const dir = tempDir('py-type');
    fs.writeFileSync(path.join(dir, '.projenrc.py'), [
      'from cicd_pipeline_type import PipelineProps',
      'PipelineProps(repository=42)',
    ].join('\n'));
    expect(runFailing(dir, venvPython, ['.projenrc.py'])).toMatch(/type of argument repository must be str; got int instead|repository.*str/);
  });

  test('`projen new --from <tgz> --projenrc-python` writes a .projenrc.py that runs', () => {
    const dir = newConsumer(tarball, ['--projenrc-python', '--no-post']);
    expect(fs.existsSync(path.join(dir, '.projenrc.ts'))).toBe(false);
    const projenrc = fs.readFileSync(path.join(dir, '.projenrc.py'), 'utf-8');
    expect(projenrc).toContain('from cicd_pipeline_type import CicdPipelineProject');
    expect(projenrc).toContain('projenrc_python=True');
    // The supply-chain gate of a new repository, in jsii's Python spelling (PipelineProps(**pipeline) takes snake_case).
    expect(projenrc).toContain('pipeline={"supply_chain":{"critical_threshold":0,"high_threshold":0}}');
    expect(fs.readFileSync(path.join(dir, 'README.md'), 'utf-8')).toContain('python3 -m venv .venv');
    const before = fs.readFileSync(path.join(dir, 'infra/pipeline-settings.json'), 'utf-8');
    run(dir, venvPython, ['.projenrc.py'], { PROJEN_DISABLE_POST: 'true' });
    expect(fs.readFileSync(path.join(dir, 'infra/pipeline-settings.json'), 'utf-8')).toBe(before);
  });
});

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
