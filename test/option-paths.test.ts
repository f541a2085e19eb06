import { Logger, Testing } from 'projen';
import { tempDir } from './helpers';
import { CicdPipelineProject, CicdPipelineProjectOptions } from '../src/cicd-pipeline-project';
import { resolvePipeline } from '../src/pipeline-model';
import { PipelineProps } from '../src/pipeline-props';
import { OptionPath, PipelineConfigError, optionStyle } from '../src/validation';

/**
 * Every problem names the option the user wrote and should change: a
 * top-level `githubRepository` is not `pipeline.repository`, a default derived
 * from another option is that option's problem, and in a Python repository the
 * path reads as `.projenrc.py` spells it.
 */

/** The error a call throws; fails if it throws nothing or something else. */
function configError(run: () => unknown): PipelineConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof PipelineConfigError) return error;
    throw new Error(`expected a PipelineConfigError, got ${String(error)}`);
  }
  throw new Error('expected a PipelineConfigError, but nothing was thrown');
}

/** The option path of each problem ("path: message"). */
const pathsOf = (error: PipelineConfigError) => error.problems.map(problem => problem.slice(0, problem.indexOf(': ')));

function newProject(options: Partial<CicdPipelineProjectOptions>) {
  return new CicdPipelineProject({ name: 'web-app', defaultReleaseBranch: 'main', outdir: tempDir('paths'), ...options } as CicdPipelineProjectOptions);
}

/** Runs `body` as if inside jsii's Python runtime, which starts the kernel with JSII_AGENT=Python/<version>. */
function asPython<T>(body: () => T): T {
  const saved = process.env.JSII_AGENT;
  process.env.JSII_AGENT = 'Python/3.11.7';
  try {
    return body();
  } finally {
    if (saved === undefined) delete process.env.JSII_AGENT;
    else process.env.JSII_AGENT = saved;
  }
}

describe('a default derived from another option is that option\'s problem', () => {
  test('a 300-character name is reported once, at pipeline.name, not again as the Project tag', () => {
    const error = configError(() => resolvePipeline({ repository: 'acme/app', name: 'a'.repeat(300) }));
    expect(pathsOf(error)).toEqual(['pipeline.name']);
  });

  test('a name that breaks the derived AWS names is reported at pipeline.name only', () => {
    const error = configError(() => resolvePipeline({ repository: 'acme/app', name: 'sthree' }));
    expect(pathsOf(error)).toEqual(['pipeline.name']);
  });

  test('a name too long for every derived name is reported at pipeline.name, not again at each deploy stage\'s name', () => {
    const error = configError(() => resolvePipeline({ repository: 'acme/app', name: 'a'.repeat(60), stages: [{ name: 'dev', commands: ['x'] }] }));
    expect(pathsOf(error)).toEqual(['pipeline.name']);
  });

  test('an invalid repository owner is reported at pipeline.repository, not as the Team tag it defaults', () => {
    const error = configError(() => resolvePipeline({ repository: 'ac<me/app' }));
    expect(pathsOf(error)).toEqual(['pipeline.repository']);
  });

  test('a name derived from the repository names the repository option it came from', () => {
    const error = configError(() => resolvePipeline({ repository: 'acme/---' }));
    expect(error.problems).toEqual([expect.stringMatching(/^pipeline\.name: cannot be derived from the repository name "---" \(pipeline\.repository\); set it/)]);
  });

  test('a Project tag the user set is still checked at pipeline.tags.project', () => {
    const error = configError(() => resolvePipeline({ repository: 'acme/app', tags: { project: 'x'.repeat(257) } }));
    expect(pathsOf(error)).toEqual(['pipeline.tags.project']);
  });
});

describe('CicdPipelineProject: the repository comes from githubRepository or pipeline.repository', () => {
  test('pipeline.repository null is rejected like branch null, not replaced by the placeholder', () => {
    const error = configError(() => newProject({ pipeline: { repository: null } as unknown as PipelineProps }));
    expect(error.problems).toEqual(['pipeline.repository: must be a string (got null)']);
  });

  test('githubRepository null is rejected, at githubRepository', () => {
    const error = configError(() => newProject({ githubRepository: null as unknown as string }));
    expect(error.problems).toEqual(['githubRepository: must be a string (got null)']);
  });

  test.each([
    ['acme', 'must be "owner/name"'],
    ['acme/app.git', 'ends in ".git"'],
    ['ac_me/app', 'owner "ac_me" is not a GitHub account name'],
  ])('a bad githubRepository %j is reported as githubRepository, an option the user wrote', (githubRepository, fragment) => {
    const error = configError(() => newProject({ githubRepository }));
    expect(pathsOf(error)).toEqual(['githubRepository']);
    expect(error.problems[0]).toContain(fragment);
    expect(error.message).not.toContain('pipeline.repository');
  });

  test('a name that cannot be derived from githubRepository says where the repository came from', () => {
    const error = configError(() => newProject({ githubRepository: 'acme/---' }));
    expect(error.problems).toEqual([expect.stringContaining('pipeline.name: cannot be derived from the repository name "---" (githubRepository)')]);
  });

  test('pipeline null is rejected (not read as "no pipeline options"), together with a bad githubRepository', () => {
    const error = configError(() => newProject({ githubRepository: 'acme', pipeline: null as unknown as PipelineProps }));
    expect(pathsOf(error)).toEqual(['pipeline', 'githubRepository']);
  });

  test('a conflict between the two is reported with every other problem, in one error naming .projenrc.ts', () => {
    const error = configError(() => newProject({ githubRepository: 'acme/one', pipeline: { repository: 'acme/two', branch: 'refs/heads/main' } }));
    expect(error.problems).toEqual([
      'githubRepository: "acme/one" conflicts with pipeline.repository "acme/two"; set one of them',
      expect.stringMatching(/^pipeline\.branch: "refs\/heads\/main" is a full git ref/),
    ]);
    expect(error.message).toMatch(/^Invalid pipeline configuration in \.projenrc\.ts \(2 problems\); nothing was written:/);
  });
});

describe('option paths in the user\'s language', () => {
  test('OptionPath renames option segments for Python and keeps map keys and indexes as written', () => {
    const path = OptionPath.of('pipeline.codeBuild').option('environmentVariables').key('myVar_X').index(2);
    expect(path.format('typescript')).toBe('pipeline.codeBuild.environmentVariables.myVar_X[2]');
    expect(path.format('python')).toBe('pipeline.code_build.environment_variables.myVar_X[2]');
    expect(OptionPath.of('pipeline.tags').option('custom').key('CostCentreOwner').format('python')).toBe('pipeline.tags.custom.CostCentreOwner');
  });

  test('the Python runtime is recognised by the JSII_AGENT its kernel process gets', () => {
    expect(optionStyle()).toBe('typescript');
    expect(asPython(() => optionStyle())).toBe('python');
  });

  test('resolvePipeline in Python style spells every path as .projenrc.py does, keys untouched', () => {
    const props = {
      repository: 'acme/app',
      registry: { keepImages: 0 },
      codeBuild: { environmentVariables: { API_TOKEN: 'x' }, timeoutMinutes: 1 },
      artifacts: { noncurrentVersionExpiryDays: 0 },
      tags: { costCenter: '', custom: { 'aws:Owner': 'me' } },
      notifications: { emails: ['team@acme..example'] },
      connectionArn: 'arn:aws:nothing',
      filePaths: ['../x'],
    };
    const error = configError(() => resolvePipeline(props, { style: 'python', file: '.projenrc.py' }));
    expect(pathsOf(error)).toEqual([
      'pipeline.file_paths[0]',
      'pipeline.connection_arn',
      'pipeline.code_build.timeout_minutes',
      'pipeline.code_build.environment_variables.API_TOKEN',
      'pipeline.registry.keep_images',
      'pipeline.artifacts.noncurrent_version_expiry_days',
      'pipeline.notifications.emails[0]',
      'pipeline.tags.cost_center',
      'pipeline.tags.custom.aws:Owner',
    ]);
    expect(error.message).toMatch(/^Invalid pipeline configuration in \.projenrc\.py \(9 problems\)/);
  });

  test('deploy stage and secret paths are snake_case for Python, stage indexes and variable names as written', () => {
    const props = {
      repository: 'acme/app',
      executionMode: 'SERIAL',
      codeBuild: { secrets: { NPM_TOKEN: 'npm_abc' } },
      stages: [
        { name: 'prod', commands: [], assumeRoleArn: 'role/x', rollbackOnFailure: 1, manualApproval: { emails: ['x'] } },
        { name: 'dev', commands: ['x'], environmentVariables: { DB_PASSWORD: 'x' }, secrets: { DbPass: 'hunter2' } },
      ],
    };
    const error = configError(() => resolvePipeline(props as any, { style: 'python', file: '.projenrc.py' }));
    expect(pathsOf(error)).toEqual([
      'pipeline.code_build.secrets.NPM_TOKEN',
      'pipeline.stages[0].commands',
      'pipeline.stages[0].manual_approval.emails[0]',
      'pipeline.stages[0].assume_role_arn',
      'pipeline.stages[0].rollback_on_failure',
      'pipeline.stages[1].environment_variables.DB_PASSWORD',
      'pipeline.stages[1].secrets.DbPass',
      'pipeline.execution_mode',
    ]);
  });

  test('an unknown option lists the known ones in snake_case for Python', () => {
    const error = configError(() => resolvePipeline({ repository: 'acme/app', registry: { keep: 1 } } as PipelineProps, { style: 'python' }));
    expect(error.problems).toEqual(['pipeline.registry.keep: is not an option (known: keep_images, untagged_expiry_days)']);
  });

  test('a Map in Python style is described as a dict to write', () => {
    const error = configError(() => resolvePipeline({ repository: 'acme/app', codeBuild: { environmentVariables: new Map() as any } }, { style: 'python' }));
    expect(error.problems).toEqual([
      'pipeline.code_build.environment_variables: must be a map of strings (got a Map); write it as a dict, e.g. {"NAME": "value"}',
    ]);
  });

  test('a project run from Python (JSII_AGENT) names .projenrc.py and github_repository', () => {
    const error = configError(() => asPython(() => newProject({ githubRepository: 'acme', pipeline: { registry: { keepImages: 0 } } as PipelineProps })));
    expect(error.problems).toEqual([
      expect.stringMatching(/^github_repository: must be "owner\/name"/),
      'pipeline.registry.keep_images: must be from 1 to 10000 (got 0)',
    ]);
    expect(error.message).toMatch(/^Invalid pipeline configuration in \.projenrc\.py \(2 problems\)/);
  });

  test('a project with projenrcPython (as `projen new --projenrc-python` creates it, from Node) uses Python paths too', () => {
    const error = configError(() => newProject({ projenrcPython: true, githubRepository: 'acme/one', pipeline: { repository: 'acme/two' } }));
    expect(error.problems).toEqual(['github_repository: "acme/one" conflicts with pipeline.repository "acme/two"; set one of them']);
    expect(error.message).toContain('in .projenrc.py');
  });

  test('generated files name the configured projenrc, whichever language runs the synth (so both write the same files)', () => {
    const driftCheck = (project: CicdPipelineProject) => Testing.synth(project)['.github/workflows/build.yml'] as string;
    expect(driftCheck(newProject({ githubRepository: 'acme/app' }))).toContain('change .projenrc.ts and run npx projen');
    expect(asPython(() => driftCheck(newProject({ githubRepository: 'acme/app' })))).toContain('change .projenrc.ts and run npx projen');
    expect(asPython(() => driftCheck(newProject({ githubRepository: 'acme/app', projenrcPython: true })))).toContain('change .projenrc.py and run npx projen');
  });

  test('the placeholder-repository warning names the option and the projenrc in the user\'s language', () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      newProject({});
      asPython(() => newProject({ projenrcPython: true }));
      const messages = warn.mock.calls.map(args => args.join(' ')).filter(m => m.includes('placeholder'));
      expect(messages).toEqual([
        expect.stringContaining("set `githubRepository: 'owner/name'` (or pipeline.repository) in .projenrc.ts"),
        expect.stringContaining('set `github_repository="owner/name"` (or pipeline.repository) in .projenrc.py'),
      ]);
    } finally {
      warn.mockRestore();
    }
  });
});
