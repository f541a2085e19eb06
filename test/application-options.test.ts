import * as fs from 'fs';
import * as path from 'path';
import { Logger } from 'projen';
import { REPO_ROOT, tempDir } from './helpers';
import { APPLICATION_REJECTED_OPTIONS } from '../src/application-options';
import { CicdPipelineProject, CicdPipelineProjectOptions } from '../src/cicd-pipeline-project';
import * as nodeSupport from '../src/node-support';
import { PipelineConfigError } from '../src/validation';

const BASE = { name: 'web-app', defaultReleaseBranch: 'main', githubRepository: 'acme/web-app' };

/** The problems the project type reports for `extra`, or [] when it accepts them. Nothing is written either way. */
function problemsOf(extra: Record<string, unknown>, env: Record<string, string> = {}): readonly string[] {
  const outdir = tempDir('app-options');
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    new CicdPipelineProject({ ...BASE, outdir, ...extra } as CicdPipelineProjectOptions);
    return [];
  } catch (error) {
    if (error instanceof PipelineConfigError) {
      expect(fs.readdirSync(outdir)).toEqual([]);
      return error.problems;
    }
    throw error;
  } finally {
    process.env = saved;
  }
}

/**
 * Inherited projen options that would turn the application back into a
 * published library (a release workflow with an NPM_TOKEN job for a private
 * package, an npm tarball of infra/, a PyPI publish job) are rejected, each
 * naming the option, in the one error that lists every other problem.
 */
describe('options that do not fit an application', () => {
  const cases: Array<[string, unknown, string]> = [
    ['release', true, 'not released'],
    ['releaseToNpm', true, 'not released'],
    ['releaseBranches', { beta: { majorVersion: 2 } }, 'not released'],
    ['releaseTrigger', {}, 'not released'],
    ['majorVersion', 1, 'not released'],
    ['package', true, 'not packed'],
    ['entrypoint', 'lib/index.js', "Dockerfile's CMD"],
    ['entrypointTypes', 'lib/index.d.ts', 'typings'],
    ['npmAccess', 'public', 'never published'],
    ['npmTrustedPublishing', true, 'never published'],
    ['publishToPypi', { distName: 'web-app', module: 'web_app' }, 'publishes nothing'],
    ['publishToMaven', { javaPackage: 'x', mavenGroupId: 'x', mavenArtifactId: 'x' }, 'publishes nothing'],
    ['publishToNuget', { dotNetNamespace: 'X', packageId: 'X' }, 'publishes nothing'],
    ['publishToGo', { moduleName: 'github.com/acme/x' }, 'publishes nothing'],
  ];

  test.each(cases)('%s is rejected, naming the option', (option, value, why) => {
    expect(problemsOf({ [option]: value })).toEqual([expect.stringMatching(new RegExp(`^${option}: does not apply to an application: .*${why}.*; remove it$`))]);
  });

  test('the value the type sets itself (release: false, package: false, entrypoint: "") is accepted', () => {
    expect(problemsOf({ release: false, releaseToNpm: false, package: false, entrypoint: '', npmProvenance: false })).toEqual([]);
  });

  test('they are reported with every other problem, in one error, before anything is written', () => {
    const problems = problemsOf({ release: true, releaseToNpm: true, pipeline: { environments: ['Prod'] } });
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^release: does not apply/),
      expect.stringMatching(/^releaseToNpm: does not apply/),
      expect.stringMatching(/^pipeline\.environments\[0\]: "Prod"/),
    ]));
    expect(problems).toHaveLength(3);
  });

  test('in a .projenrc.py they are spelled in snake_case', () => {
    expect(problemsOf({ releaseToNpm: true, publishToPypi: {} }, { JSII_AGENT: 'Python/3.12.0' }))
      .toEqual([expect.stringMatching(/^release_to_npm: /), expect.stringMatching(/^publish_to_pypi: /)]);
  });

  test('the README names every rejected option, beside the pipeline\'s own options', () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf-8');
    const section = readme.slice(readme.indexOf('**The pipeline\'s own options come first.**'), readme.indexOf('Every option, with its default, is in'));
    for (const option of [...APPLICATION_REJECTED_OPTIONS, 'pipeline', 'githubRepository', 'pulumiProject', 'projenrcPython', 'pythonExec']) {
      expect({ option, named: section.includes(`\`${option}\``) }).toEqual({ option, named: true });
    }
  });

  test('every rejected option is one projen or jsii really has (no typo that would never match)', () => {
    const projen = ['typescript/typescript.d.ts', 'javascript/node-project.d.ts', 'javascript/node-package.d.ts', 'release/release.d.ts', 'cdk/jsii-project.d.ts']
      .map(file => fs.readFileSync(require.resolve(`projen/lib/${file}`), 'utf-8')).join('\n');
    for (const option of APPLICATION_REJECTED_OPTIONS) {
      expect({ option, declared: new RegExp(`readonly ${option}\\?:`).test(projen) }).toEqual({ option, declared: true });
    }
  });
});

describe('warnings that do not stop the synth', () => {
  let warn: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());
  const warnings = (fragment: string) => warn.mock.calls.map(args => args.join(' ')).filter(m => m.includes(fragment));

  test('on Node.js 20 the synth warns once that Node.js 22 or later is needed', () => {
    jest.spyOn(nodeSupport, 'currentNodeVersion').mockReturnValue('20.19.2');
    new CicdPipelineProject({ ...BASE, outdir: tempDir('node20') });
    expect(warnings('Node.js 20.19.2')).toEqual([expect.stringContaining('needs Node.js 22 or later')]);
  });

  test('on a supported Node.js it says nothing about Node', () => {
    for (const version of ['22.0.0', '24.21.0', '26.1.0']) expect(nodeSupport.nodeSupportWarning(version)).toBeUndefined();
    new CicdPipelineProject({ ...BASE, outdir: tempDir('node24') });
    expect(warnings('Node.js')).toEqual([]);
  });

  test('a pipeline branch other than defaultReleaseBranch warns that upgrades land on the default branch', () => {
    new CicdPipelineProject({ ...BASE, outdir: tempDir('branch'), pipeline: { branch: 'release' } });
    expect(warnings('pipeline.branch')).toEqual([
      'pipeline.branch "release" is not defaultReleaseBranch "main": upgrade and self-mutation pull requests land on "main", ' +
      'so an upgrade reaches this pipeline only when "main" is merged into "release".',
    ]);
  });

  test('the pipeline on the default branch (set or implied) gives no branch warning', () => {
    new CicdPipelineProject({ ...BASE, outdir: tempDir('branch-ok'), pipeline: { branch: 'main' } });
    new CicdPipelineProject({ ...BASE, defaultReleaseBranch: 'trunk', outdir: tempDir('branch-trunk') });
    expect(warnings('pipeline.branch')).toEqual([]);
  });
});
