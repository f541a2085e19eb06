import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'projen';
import * as yaml from 'yaml';
import { SELF_UPDATE_S3, snapshotDir, tempDir } from './helpers';
import { CicdPipelineProject, CicdPipelineProjectOptions } from '../src/cicd-pipeline-project';
import { resolvePipeline } from '../src/pipeline-model';
import { PipelineProps } from '../src/pipeline-props';
import { PipelineConfigError } from '../src/validation';

/**
 * Issue 21, bad input round 3: the rules that the options added since the
 * last round lacked, each with the rule it enforces. Every rejection names
 * the option (in .projenrc.py spelling there) and writes nothing.
 */

const REPO = 'acme/app';

function configError(run: () => unknown): PipelineConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof PipelineConfigError) return error;
    throw error;
  }
  throw new Error('expected a PipelineConfigError, but nothing was thrown');
}

const problemsOf = (props: unknown) => configError(() => resolvePipeline(props as PipelineProps)).problems;

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const problemAt = (optionPath: string, fragment: string) =>
  expect.stringMatching(new RegExp(`^${escape(optionPath)}: .*${escape(fragment)}`, 's'));

function newProject(options: Partial<CicdPipelineProjectOptions>, outdir = tempDir('round3')) {
  return new CicdPipelineProject({ name: 'web-app', defaultReleaseBranch: 'main', outdir, ...options } as CicdPipelineProjectOptions);
}

function asPython<T>(body: () => T): T {
  const saved = process.env.JSII_AGENT;
  process.env.JSII_AGENT = 'Python/3.12.1';
  try {
    return body();
  } finally {
    if (saved === undefined) delete process.env.JSII_AGENT;
    else process.env.JSII_AGENT = saved;
  }
}

const parameterArn = (name: string) => `arn:aws:ssm:eu-west-1:111122223333:parameter/${name}`;

describe('Parameter Store names never start with "aws" or "ssm", in any case', () => {
  test.each(['aws/db-password', 'AWS-db', 'ssm/prod/token', 'SsmToken', 'awsome/key'])('%s is refused', name => {
    expect(problemsOf({ repository: REPO, codeBuild: { secrets: { DB: parameterArn(name) } } }))
      .toEqual([problemAt('pipeline.codeBuild.secrets.DB', 'Parameter Store forbids names starting with "aws" or "ssm"')]);
  });

  test('in a stage\'s secrets too', () => {
    expect(problemsOf({ repository: REPO, stages: [{ name: 'prod', commands: ['x'], secrets: { DB: parameterArn('ssm-db') } }] }))
      .toEqual([problemAt('pipeline.stages[0].secrets.DB', 'starts with "ssm"')]);
  });

  test.each(['app/aws/db-password', 'my-ssm/key', 'awe/key', 'db-password'])('%s is accepted', name => {
    expect(resolvePipeline({ repository: REPO, codeBuild: { secrets: { DB: parameterArn(name) } } }).build.secrets['parameter-store'].DB)
      .toBe(parameterArn(name));
  });
});

describe('EventBridge cron: a "#" expression alone in its field, and the documented field ranges', () => {
  const schedule = (driftSchedule: string) => ({ repository: REPO, selfUpdate: { ...SELF_UPDATE_S3, driftSchedule } });
  test.each([
    // EventBridge's own example of an invalid one: "3#1,6#3" is two expressions.
    ['two "#" expressions', 'cron(0 6 ? * 3#1,6#3 *)', 'with a "#" expression the field holds that one expression only'],
    ['a "#" expression beside another day', 'cron(0 6 ? * 3#1,5 *)', 'with a "#" expression the field holds that one expression only'],
    ['a step of 0', 'cron(0/0 6 * * ? *)', 'minutes "0/0" is not valid'],
    ['a step beyond the field', 'cron(0 0/24 * * ? *)', 'hours "0/24" is not valid'],
    ['a weekday nearest day 32', 'cron(0 6 32W * ? *)', 'day-of-month "32W" is not valid'],
    ['a weekday nearest day 0', 'cron(0 6 0W * ? *)', 'day-of-month "0W" is not valid'],
    ['a "#" beyond the fifth week', 'cron(0 6 ? * 2#6 *)', 'day-of-week "2#6" is not valid'],
  ])('%s is refused', (_title, driftSchedule, fragment) => {
    expect(problemsOf(schedule(driftSchedule))).toEqual([problemAt('pipeline.selfUpdate.driftSchedule', fragment)]);
  });

  test.each(['cron(0 6 ? * 3#2 *)', 'cron(0 6 15W * ? *)', 'cron(0 6 31W * ? *)', 'cron(0 0/12 * * ? *)', 'cron(0 6 ? * MON-FRI *)'])('%s is accepted', driftSchedule => {
    expect(resolvePipeline(schedule(driftSchedule)).selfUpdate?.driftSchedule).toBe(driftSchedule);
  });

  test('in .projenrc.py the option is spelled in snake_case', () => {
    const error = configError(() => resolvePipeline(schedule('cron(0 6 ? * 3#1,6#3 *)') as PipelineProps, { style: 'python' }));
    expect(error.problems).toEqual([problemAt('pipeline.self_update.drift_schedule', '"#" expression')]);
  });
});

describe('custom tags never take a key the pipeline sets itself', () => {
  test.each(['cicd-pipeline-type:version', 'CICD-Pipeline-Type:Version', 'managedby'])('%s is refused', key => {
    expect(problemsOf({ repository: REPO, tags: { custom: { [key]: '1.0.0' } } }))
      .toEqual([problemAt(`pipeline.tags.custom.${key}`, 'is a tag the pipeline sets itself')]);
  });

  test('the message lists the fleet version tag among them', () => {
    expect(problemsOf({ repository: REPO, tags: { custom: { 'cicd-pipeline-type:version': 'x' } } })[0]).toContain('cicd-pipeline-type:version)');
  });
});

describe('pulumiProject is a string by Pulumi\'s project-name rules', () => {
  test('a number is refused (it would be a YAML number in Pulumi.yaml), in TypeScript and Python spelling', () => {
    expect(configError(() => newProject({ pulumiProject: 42 as unknown as string })).problems)
      .toEqual(['pulumiProject: must be a string (got number 42)']);
    expect(configError(() => asPython(() => newProject({ pulumiProject: 42 as unknown as string }))).problems)
      .toEqual(['pulumi_project: must be a string (got number 42)']);
  });

  test.each(['', 'my project', 'org/project', 'p'.repeat(101)])('%j is refused', pulumiProject => {
    expect(configError(() => newProject({ pulumiProject })).problems).toEqual([problemAt('pulumiProject', 'is not a Pulumi project name')]);
  });

  test('a valid name is written to Pulumi.yaml as a string', () => {
    const snap = Testing.synth(newProject({ githubRepository: REPO, pulumiProject: 'Shop.Web_1-2' }));
    expect(yaml.parse(snap['infra/Pulumi.yaml']).name).toBe('Shop.Web_1-2');
  });
});

describe('projenrcPython is a boolean', () => {
  test.each<[unknown, string]>([['true', 'a string'], [1, 'number'], [null, 'object']])('%j is refused in .projenrc.ts, not taken as false', (value, got) => {
    const error = configError(() => newProject({ projenrcPython: value as boolean }));
    expect(error.problems).toEqual([`projenrcPython: must be true or false (got ${got})`]);
    expect(error.message).toContain('in .projenrc.ts');
  });

  test('in Python spelling from .projenrc.py', () => {
    expect(configError(() => asPython(() => newProject({ projenrcPython: 'yes' as unknown as boolean }))).problems)
      .toEqual(['projenrc_python: must be true or false (got a string)']);
  });
});

describe('pythonExec is an executable name or path, nothing a shell would split or expand', () => {
  test.each<[unknown, string]>([
    [3, 'must be a string (got number 3)'],
    ['', 'must be the name or path of an executable'],
    ['python3 -u', 'must be the name or path of an executable'],
    ['python;rm -rf ~', 'must be the name or path of an executable'],
    ['$(which python)', 'must be the name or path of an executable'],
    ['-c', 'must be the name or path of an executable'],
  ])('%j is refused', (pythonExec, fragment) => {
    expect(configError(() => newProject({ projenrcPython: true, pythonExec: pythonExec as string })).problems)
      .toEqual([problemAt('python_exec', fragment)]); // a project with projenrcPython reads as .projenrc.py
  });

  test.each(['python3', '.venv/bin/python', '/usr/bin/python3.12', 'py'])('%j is accepted and runs the projenrc', pythonExec => {
    const snap = Testing.synth(newProject({ githubRepository: REPO, projenrcPython: true, pythonExec }));
    const tasks = snap['.projen/tasks.json'].tasks;
    expect(tasks.default.steps).toEqual([{ execArgs: [pythonExec, 'node_modules/cicd-pipeline-type/python-runner/run_projenrc.py', '.projenrc.py'] }]);
    // The upgrade task runs it in a shell command line: a space or shell character there would split or expand it.
    expect(tasks['upgrade:pipeline-type'].steps).toContainEqual({ exec: `${pythonExec} -m pip install -r requirements-dev.txt` });
  });
});

describe('nothing is written for any of them', () => {
  test.each<[string, Partial<CicdPipelineProjectOptions>]>([
    ['a Parameter Store name starting with ssm', { githubRepository: REPO, pipeline: { codeBuild: { secrets: { DB: parameterArn('ssm/db') } } } }],
    ['two "#" in the drift schedule', { githubRepository: REPO, pipeline: { selfUpdate: { ...SELF_UPDATE_S3, driftSchedule: 'cron(0 6 ? * 3#1,6#3 *)' } } }],
    ['the fleet version tag as a custom tag', { githubRepository: REPO, pipeline: { tags: { custom: { 'cicd-pipeline-type:version': 'x' } } } }],
    ['pulumiProject 42', { githubRepository: REPO, pulumiProject: 42 as unknown as string }],
    ['projenrcPython "true"', { githubRepository: REPO, projenrcPython: 'true' as unknown as boolean }],
    ['pythonExec ""', { githubRepository: REPO, projenrcPython: true, pythonExec: '' }],
  ])('%s: the constructor throws and an existing folder stays byte-identical', (_title, options) => {
    const outdir = tempDir('round3-nothing');
    fs.writeFileSync(path.join(outdir, 'package.json'), '{ "name": "hand-written" }\n');
    const before = snapshotDir(outdir);
    let project: CicdPipelineProject | undefined;
    expect(() => {
      project = newProject(options, outdir);
      project.synth();
    }).toThrow(PipelineConfigError);
    expect(project).toBeUndefined();
    expect(snapshotDir(outdir)).toEqual(before);
  });
});
