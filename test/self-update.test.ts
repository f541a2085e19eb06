import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Logger, Testing } from 'projen';
import * as YAML from 'yaml';
import { FULL_PROPS, SELF_UPDATE_CLOUD, SELF_UPDATE_S3, settingsFor, tempDir } from './helpers';
import { FILE_GUARDRAILS, GUARDRAILS, GuardrailRun, TYPES, one, statementsOf } from '../program/infra/guardrails';
import { MOCK_ACCOUNT, MOCK_REGION, RegisteredResource, runUnderMocks } from '../program/infra/guardrails/mock-run';
import { CicdPipelineProject, PipelineProps } from '../src';
import { RECOMMENDED_NODE_MAJOR, SUPPORTED_NODE_MAJORS } from '../src/node-support';
import { resolvePipeline } from '../src/pipeline-model';
import { SelfUpdateModel } from '../src/self-update-model';
import { PipelineConfigError } from '../src/validation';
import { pinnedVersions } from '../src/versions';

/**
 * Issue 11: the deployed pipeline keeps itself current. `selfUpdate` is
 * validated like every other option; under the mocks, the self-update stage,
 * the drift check and the permissions boundary are what the issue promises;
 * the managed buildspecs restart the pipeline only when its definition
 * changed; and the guardrails fail on each promise broken.
 */

const REPO = 'acme/web-app';
const S3: PipelineProps = { repository: REPO, selfUpdate: SELF_UPDATE_S3 };

/** The problems `resolvePipeline` reports; fails if it accepts the props or throws anything else. */
function problemsOf(props: unknown): readonly string[] {
  try {
    resolvePipeline(props as PipelineProps);
  } catch (error) {
    if (error instanceof PipelineConfigError) return error.problems;
    throw error;
  }
  throw new Error(`accepted: ${JSON.stringify(props)}`);
}
const selfUpdateOf = (selfUpdate: unknown) => resolvePipeline({ repository: REPO, selfUpdate } as PipelineProps).selfUpdate as SelfUpdateModel;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const UUID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const TOKEN = 'pul-0123456789abcdef0123456789abcdef01234567';
const KEY = 'awskms://alias/pulumi-state';

describe('selfUpdate is validated at synth, each problem naming its option', () => {
  test.each<[string, unknown, string, string]>([
    ['not an object', 'yes', 'pipeline.selfUpdate', 'must be an object'],
    ['a typo in an option', { backendURL: 's3://acme-state', secretsProvider: KEY }, 'pipeline.selfUpdate.backendURL', 'is not an option'],
    ['no backend', { secretsProvider: KEY }, 'pipeline.selfUpdate.backendUrl', 'is required'],
    ['a backend that is not a string', { backendUrl: 42 }, 'pipeline.selfUpdate.backendUrl', 'must be a string'],
    ['a Google Cloud Storage backend', { backendUrl: 'gs://acme-state' }, 'pipeline.selfUpdate.backendUrl', 'must be "s3://<bucket>[/<prefix>]" or Pulumi Cloud'],
    ['a file backend', { backendUrl: 'file:///var/state' }, 'pipeline.selfUpdate.backendUrl', 'must be "s3://'],
    ['a bucket with capitals and "_"', { backendUrl: 's3://Acme_State', secretsProvider: KEY }, 'pipeline.selfUpdate.backendUrl', 'bucket "Acme_State" must be 3 to 63'],
    ['a bucket of 2 characters', { backendUrl: 's3://ab', secretsProvider: KEY }, 'pipeline.selfUpdate.backendUrl', 'must be 3 to 63'],
    ['a bucket of 64 characters', { backendUrl: `s3://${'a'.repeat(64)}`, secretsProvider: KEY }, 'pipeline.selfUpdate.backendUrl', 'must be 3 to 63'],
    ['a bucket with two adjacent dots', { backendUrl: 's3://acme..state', secretsProvider: KEY }, 'pipeline.selfUpdate.backendUrl', 'two adjacent dots'],
    ['a bucket named like an IP address', { backendUrl: 's3://192.168.10.1', secretsProvider: KEY }, 'pipeline.selfUpdate.backendUrl', 'IP address'],
    ['a bucket with a reserved prefix', { backendUrl: 's3://xn--state', secretsProvider: KEY }, 'pipeline.selfUpdate.backendUrl', 'starts with "xn--"'],
    ['a bucket with a reserved suffix', { backendUrl: 's3://state--ol-s3', secretsProvider: KEY }, 'pipeline.selfUpdate.backendUrl', 'ends with "--ol-s3"'],
    ['a prefix with an empty segment', { backendUrl: 's3://acme-state/a//b', secretsProvider: KEY }, 'pipeline.selfUpdate.backendUrl', 'no empty, "." or ".." segment'],
    ['a prefix with ".."', { backendUrl: 's3://acme-state/../other', secretsProvider: KEY }, 'pipeline.selfUpdate.backendUrl', 'no empty, "." or ".." segment'],
    ['a prefix with a space', { backendUrl: 's3://acme-state/my state', secretsProvider: KEY }, 'pipeline.selfUpdate.backendUrl', 'prefix "my state"'],
    ['an AWS profile (CodeBuild has none)', { backendUrl: 's3://acme-state?profile=ci', secretsProvider: KEY }, 'pipeline.selfUpdate.backendUrl', 'names an AWS profile'],
    ['a custom endpoint', { backendUrl: 's3://acme-state?endpoint=minio.local', secretsProvider: KEY }, 'pipeline.selfUpdate.backendUrl', 'query parameter "endpoint" is not supported'],
    ['a region that is none', { backendUrl: 's3://acme-state?region=mars', secretsProvider: KEY }, 'pipeline.selfUpdate.backendUrl', 'region "mars" is not an AWS region'],
    ['Pulumi Cloud over http', { backendUrl: 'http://pulumi.acme.example', accessTokenSecretArn: 'x' }, 'pipeline.selfUpdate.backendUrl', 'must use https://'],
    ['Pulumi Cloud\'s console instead of its API', { backendUrl: 'https://app.pulumi.com' }, 'pipeline.selfUpdate.backendUrl', 'the backend is its API, "https://api.pulumi.com"'],
    ['credentials in the URL', { backendUrl: 'https://me:secret@api.pulumi.com' }, 'pipeline.selfUpdate.backendUrl', 'must not carry credentials'],
    ['a path after the API', { backendUrl: 'https://api.pulumi.com/api/stacks' }, 'pipeline.selfUpdate.backendUrl', 'no path, query or fragment'],
    ['no secrets provider with S3', { backendUrl: 's3://acme-state' }, 'pipeline.selfUpdate.secretsProvider', 'is required with an S3 backend'],
    ['the passphrase provider', { backendUrl: 's3://acme-state', secretsProvider: 'passphrase' }, 'pipeline.selfUpdate.secretsProvider', 'needs PULUMI_CONFIG_PASSPHRASE'],
    ['a Google Cloud KMS key', { backendUrl: 's3://acme-state', secretsProvider: 'gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k' }, 'pipeline.selfUpdate.secretsProvider', 'must be an AWS KMS key'],
    ['awskms naming no key', { backendUrl: 's3://acme-state', secretsProvider: 'awskms://my-key' }, 'pipeline.selfUpdate.secretsProvider', 'names no KMS key'],
    ['an AWS managed key', { backendUrl: 's3://acme-state', secretsProvider: 'awskms://alias/aws/s3' }, 'pipeline.selfUpdate.secretsProvider', 'is an AWS managed key'],
    ['a key ARN with a bad key id', { backendUrl: 's3://acme-state', secretsProvider: 'awskms:///arn:aws:kms:eu-west-1:111122223333:key/nope' }, 'pipeline.selfUpdate.secretsProvider', 'is not a KMS key id'],
    ['a key ARN in the wrong partition', { backendUrl: 's3://acme-state', secretsProvider: `awskms:///arn:aws-cn:kms:eu-west-1:111122223333:key/${UUID}` }, 'pipeline.selfUpdate.secretsProvider', 'belongs to partition aws, not aws-cn'],
    ['a key ARN and another ?region=', { backendUrl: 's3://acme-state', secretsProvider: `awskms:///arn:aws:kms:eu-west-1:111122223333:key/${UUID}?region=us-east-1` }, 'pipeline.selfUpdate.secretsProvider', 'contradicts the key ARN\'s region eu-west-1'],
    ['a secrets provider with an AWS profile', { backendUrl: 's3://acme-state', secretsProvider: `${KEY}?profile=ci` }, 'pipeline.selfUpdate.secretsProvider', 'names an AWS profile'],
    ['a secrets provider with an unknown parameter', { backendUrl: 's3://acme-state', secretsProvider: `${KEY}?foo=bar` }, 'pipeline.selfUpdate.secretsProvider', 'is not one Pulumi\'s awskms provider takes'],
    ['no token secret with Pulumi Cloud', { backendUrl: 'https://api.pulumi.com' }, 'pipeline.selfUpdate.accessTokenSecretArn', 'is required with Pulumi Cloud'],
    ['a token secret with an S3 backend', { ...SELF_UPDATE_S3, accessTokenSecretArn: SELF_UPDATE_CLOUD.accessTokenSecretArn }, 'pipeline.selfUpdate.accessTokenSecretArn', 'is only for Pulumi Cloud'],
    ['a partial secret ARN (no 6-character suffix)', { backendUrl: 'https://api.pulumi.com', accessTokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:pulumi/token' }, 'pipeline.selfUpdate.accessTokenSecretArn', 'is a partial ARN'],
    ['a Parameter Store ARN', { backendUrl: 'https://api.pulumi.com', accessTokenSecretArn: 'arn:aws:ssm:eu-west-1:111122223333:parameter/pulumi-token' }, 'pipeline.selfUpdate.accessTokenSecretArn', 'is not a Secrets Manager secret ARN'],
    ['a secret ARN in the wrong partition', { backendUrl: 'https://api.pulumi.com', accessTokenSecretArn: 'arn:aws:secretsmanager:cn-north-1:111122223333:secret:token-AbC123' }, 'pipeline.selfUpdate.accessTokenSecretArn', 'belongs to partition aws-cn'],
    ['a schedule in words', { ...SELF_UPDATE_S3, driftSchedule: 'daily' }, 'pipeline.selfUpdate.driftSchedule', 'must be "rate(<n> <unit>)", "cron(<6 fields>)" or "off"'],
    ['a rate of 1 with a plural unit', { ...SELF_UPDATE_S3, driftSchedule: 'rate(1 days)' }, 'pipeline.selfUpdate.driftSchedule', 'write the unit singular for 1'],
    ['a rate of 2 with a singular unit', { ...SELF_UPDATE_S3, driftSchedule: 'rate(2 hour)' }, 'pipeline.selfUpdate.driftSchedule', 'write the unit plural for 2'],
    ['a rate of 0', { ...SELF_UPDATE_S3, driftSchedule: 'rate(0 minutes)' }, 'pipeline.selfUpdate.driftSchedule', 'at least 1'],
    ['a rate in weeks', { ...SELF_UPDATE_S3, driftSchedule: 'rate(1 week)' }, 'pipeline.selfUpdate.driftSchedule', 'minute(s), hour(s) or day(s)'],
    ['a five-field (Unix) cron', { ...SELF_UPDATE_S3, driftSchedule: 'cron(0 6 * * *)' }, 'pipeline.selfUpdate.driftSchedule', 'six fields'],
    ['a cron with both days given', { ...SELF_UPDATE_S3, driftSchedule: 'cron(0 6 * * * *)' }, 'pipeline.selfUpdate.driftSchedule', 'exactly one of day-of-month and day-of-week must be "?"'],
    ['a cron at hour 25', { ...SELF_UPDATE_S3, driftSchedule: 'cron(0 25 * * ? *)' }, 'pipeline.selfUpdate.driftSchedule', 'hours "25" is not valid'],
    ['"OFF" in capitals', { ...SELF_UPDATE_S3, driftSchedule: 'OFF' }, 'pipeline.selfUpdate.driftSchedule', 'or "off"'],
    // Finding 8: at most hourly, each run being a CLI install, npm ci and a refresh of every resource.
    ['every minute', { ...SELF_UPDATE_S3, driftSchedule: 'rate(1 minute)' }, 'pipeline.selfUpdate.driftSchedule', 'more often than hourly: the drift check must run at most once an hour'],
    ['every 59 minutes', { ...SELF_UPDATE_S3, driftSchedule: 'rate(59 minutes)' }, 'pipeline.selfUpdate.driftSchedule', 'more often than hourly'],
    ['a cron every 15 minutes', { ...SELF_UPDATE_S3, driftSchedule: 'cron(0/15 * * * ? *)' }, 'pipeline.selfUpdate.driftSchedule', 'fires more than once an hour'],
    ['a cron at minutes 0 and 30 of one hour', { ...SELF_UPDATE_S3, driftSchedule: 'cron(0,30 6 * * ? *)' }, 'pipeline.selfUpdate.driftSchedule', 'fires more than once an hour'],
    ['a cron every minute of one hour', { ...SELF_UPDATE_S3, driftSchedule: 'cron(* 6 * * ? *)' }, 'pipeline.selfUpdate.driftSchedule', 'fires more than once an hour'],
    ['a cron minute range', { ...SELF_UPDATE_S3, driftSchedule: 'cron(0-1 6 * * ? *)' }, 'pipeline.selfUpdate.driftSchedule', 'fires more than once an hour'],
    ['a cron step of 0', { ...SELF_UPDATE_S3, driftSchedule: 'cron(0/0 6 * * ? *)' }, 'pipeline.selfUpdate.driftSchedule', 'minutes "0/0" is not valid'],
  ])('%s', (_title, selfUpdate, optionPath, fragment) => {
    expect(problemsOf({ repository: REPO, selfUpdate }))
      .toContainEqual(expect.stringMatching(new RegExp(`^${escape(optionPath)}: .*${escape(fragment)}`, 's')));
  });

  test('a token written in place of the secret\'s ARN is refused without repeating it', () => {
    const problems = problemsOf({ repository: REPO, selfUpdate: { backendUrl: 'https://api.pulumi.com', accessTokenSecretArn: TOKEN } });
    expect(problems).toEqual([expect.stringMatching(/^pipeline\.selfUpdate\.accessTokenSecretArn: looks like a Pulumi access token/)]);
    expect(problems.join('\n')).not.toContain(TOKEN.slice(4));
  });

  test('every problem of the option is reported at once, each at its own path', () => {
    const problems = problemsOf({ repository: REPO, selfUpdate: { backendUrl: 's3://Bad_Bucket', secretsProvider: 'passphrase', driftSchedule: 'hourly' } });
    expect(problems.map(p => p.slice(0, p.indexOf(': ')))).toEqual([
      'pipeline.selfUpdate.backendUrl', 'pipeline.selfUpdate.secretsProvider', 'pipeline.selfUpdate.driftSchedule',
    ]);
  });

  test('in a Python repository the paths read as .projenrc.py spells them', () => {
    const saved = process.env.JSII_AGENT;
    process.env.JSII_AGENT = 'Python/3.11.7';
    try {
      let error: unknown;
      try {
        new CicdPipelineProject({ name: 'web-app', defaultReleaseBranch: 'main', outdir: tempDir('python'), pipeline: { repository: REPO, selfUpdate: { backendUrl: 's3://acme-state' } } });
      } catch (e) {
        error = e;
      }
      expect((error as PipelineConfigError).problems).toContainEqual(expect.stringMatching(/^pipeline\.self_update\.secrets_provider: is required/));
    } finally {
      if (saved === undefined) delete process.env.JSII_AGENT;
      else process.env.JSII_AGENT = saved;
    }
  });

  test('a bad selfUpdate throws in the constructor: nothing is written, an existing folder stays byte-identical', () => {
    const outdir = tempDir('bad-self-update');
    fs.writeFileSync(path.join(outdir, 'package.json'), '{ "name": "hand-written" }\n');
    let project: CicdPipelineProject | undefined;
    expect(() => {
      project = new CicdPipelineProject({
        name: 'web-app', defaultReleaseBranch: 'main', outdir, pipeline: { repository: REPO, selfUpdate: { backendUrl: 'https://api.pulumi.com', accessTokenSecretArn: TOKEN } },
      });
      project.synth();
    }).toThrow(PipelineConfigError);
    expect(project).toBeUndefined();
    expect(fs.readdirSync(outdir)).toEqual(['package.json']);
    expect(fs.readFileSync(path.join(outdir, 'package.json'), 'utf-8')).toBe('{ "name": "hand-written" }\n');
  });
});

describe('accepted forms, and what they render', () => {
  test.each<[string, unknown, Partial<SelfUpdateModel>]>([
    ['a bucket alone, a key id with its region', { backendUrl: 's3://acme-state', secretsProvider: `awskms://${UUID}?region=us-east-1` },
      { backend: { kind: 's3', url: 's3://acme-state', bucket: 'acme-state', prefix: '' }, secretsProvider: { url: `awskms://${UUID}?region=us-east-1`, keyId: UUID, region: 'us-east-1' } }],
    ['a dotted bucket with a prefix and a trailing "/"', { backendUrl: 's3://acme.state/pipelines/ci/', secretsProvider: KEY },
      { backend: { kind: 's3', url: 's3://acme.state/pipelines/ci/', bucket: 'acme.state', prefix: 'pipelines/ci' } }],
    ['a multi-Region key', { backendUrl: 's3://acme-state', secretsProvider: `awskms://mrk-${'0123456789abcdef'.repeat(2)}` },
      { secretsProvider: { url: `awskms://mrk-${'0123456789abcdef'.repeat(2)}`, keyId: `mrk-${'0123456789abcdef'.repeat(2)}` } }],
    ['an alias ARN in another account', { backendUrl: 's3://acme-state', secretsProvider: 'awskms:///arn:aws:kms:eu-west-1:444455556666:alias/platform/pulumi' },
      { secretsProvider: { url: 'awskms:///arn:aws:kms:eu-west-1:444455556666:alias/platform/pulumi', alias: 'alias/platform/pulumi', region: 'eu-west-1', account: '444455556666', partition: 'aws' } }],
    ['Pulumi Cloud with a trailing "/"', { backendUrl: 'https://api.pulumi.com/', accessTokenSecretArn: SELF_UPDATE_CLOUD.accessTokenSecretArn },
      { backend: { kind: 'cloud', url: 'https://api.pulumi.com' }, accessTokenSecretArn: SELF_UPDATE_CLOUD.accessTokenSecretArn }],
    ['a self-hosted Pulumi Cloud on a port', { backendUrl: 'https://pulumi.acme.example:8443', accessTokenSecretArn: SELF_UPDATE_CLOUD.accessTokenSecretArn },
      { backend: { kind: 'cloud', url: 'https://pulumi.acme.example:8443' } }],
    ['the daily default', SELF_UPDATE_S3, { driftSchedule: 'rate(1 day)', driftScheduled: true }],
    ['a working-days cron', { ...SELF_UPDATE_S3, driftSchedule: 'cron(0 6 ? * MON-FRI *)' }, { driftSchedule: 'cron(0 6 ? * MON-FRI *)', driftScheduled: true }],
    ['every 12 hours', { ...SELF_UPDATE_S3, driftSchedule: 'rate(12 hours)' }, { driftSchedule: 'rate(12 hours)', driftScheduled: true }],
    ['off', { ...SELF_UPDATE_S3, driftSchedule: 'off' }, { driftScheduled: false }],
    ['hourly, in minutes', { ...SELF_UPDATE_S3, driftSchedule: 'rate(60 minutes)' }, { driftSchedule: 'rate(60 minutes)' }],
    ['hourly', { ...SELF_UPDATE_S3, driftSchedule: 'rate(1 hour)' }, { driftSchedule: 'rate(1 hour)' }],
    ['a cron at minute 15 of every hour', { ...SELF_UPDATE_S3, driftSchedule: 'cron(15 * * * ? *)' }, { driftSchedule: 'cron(15 * * * ? *)' }],
    ['a cron whose step names one minute (5/59: the next, 64, is past the hour; a step is at most 59)', { ...SELF_UPDATE_S3, driftSchedule: 'cron(5/59 * * * ? *)' }, { driftSchedule: 'cron(5/59 * * * ? *)' }],
  ])('%s', (_title, selfUpdate, expected) => {
    expect(selfUpdateOf(selfUpdate)).toMatchObject(expected);
  });

  test('without selfUpdate nothing of it is rendered: no settings, no buildspecs, no backend in Pulumi.yaml', () => {
    const snap = Testing.synth(new CicdPipelineProject({ name: 'web-app', defaultReleaseBranch: 'main', outdir: tempDir('plain'), githubRepository: REPO }));
    expect(snap['infra/pipeline-settings.json'].selfUpdate).toBeUndefined();
    expect(Object.keys(snap).filter(file => file.endsWith('.buildspec.yml'))).toEqual([]);
    expect(YAML.parse(snap['infra/Pulumi.yaml']).backend).toBeUndefined();
  });

  test('with it: the stack named after the environment, the backend in Pulumi.yaml, both managed buildspecs', () => {
    const snap = Testing.synth(new CicdPipelineProject({ name: 'web-app', defaultReleaseBranch: 'main', outdir: tempDir('self'), pipeline: S3 }));
    const settings = snap['infra/pipeline-settings.json'];
    expect(settings.selfUpdate).toMatchObject({
      stack: '{env}',
      backend: { kind: 's3', bucket: 'acme-pulumi-state', prefix: 'pipelines', region: 'eu-west-1' },
      secretsKey: { alias: 'alias/pulumi-state', region: 'eu-west-1' },
      buildspecs: { update: 'infra/self-update.buildspec.yml', drift: 'infra/drift-check.buildspec.yml' },
    });
    expect(settings.fleet.versionTag).toEqual({ key: 'cicd-pipeline-type:version', value: pinnedVersions().self });
    expect(YAML.parse(snap['infra/Pulumi.yaml']).backend).toEqual({ url: SELF_UPDATE_S3.backendUrl });
    for (const file of ['infra/self-update.buildspec.yml', 'infra/drift-check.buildspec.yml']) {
      const spec = YAML.parse(snap[file]);
      expect(spec.env.variables).toMatchObject({ PULUMI_VERSION: pinnedVersions().pulumi, PULUMI_BACKEND_URL: SELF_UPDATE_S3.backendUrl });
      expect(spec.phases.install.commands[0]).toBe('curl -fsSL https://get.pulumi.com | sh -s -- --version "${PULUMI_VERSION}"');
    }
  });
});

const FIXTURES = path.join(__dirname, 'preview-fixtures');

/**
 * The gate the update build compiles, compiled once here with the command the
 * buildspec runs (the fake `npx` below hands these files to the build instead
 * of compiling again).
 */
let compiledCheck: string | undefined;
function compileCheckOnce(buildspec: string): string {
  if (compiledCheck) return compiledCheck;
  const repo = tempDir('gate-repo');
  fs.mkdirSync(path.join(repo, 'infra', 'features', 'self-update'), { recursive: true });
  for (const file of ['features/self-update/self-update-check.ts', 'features/self-update/self-update-classifier.ts']) {
    fs.copyFileSync(path.join(__dirname, '..', 'program', 'infra', file), path.join(repo, 'infra', file));
  }
  fs.symlinkSync(path.join(__dirname, '..', 'node_modules'), path.join(repo, 'node_modules'));
  const command = YAML.parse(buildspec).phases.build.commands.find((c: string) => c.startsWith('npx --no-install tsc'));
  const out = tempDir('gate-compiled');
  const result = spawnSync('bash', ['--noprofile', '--norc', '-c', `set -e; export PULUMI_PROJECT_DIR=infra SELF_UPDATE_TMP='${out}'; ${command}`], {
    cwd: repo, encoding: 'utf-8', env: { PATH: process.env.PATH },
  });
  if (result.status !== 0) throw new Error(`the gate does not compile as the buildspec compiles it:\n${result.stdout}${result.stderr}`);
  compiledCheck = path.join(out, 'check');
  return compiledCheck;
}

/**
 * Runs a phase of a buildspec in bash, as CodeBuild does (one shell, stop at
 * the first failing command), with fake `aws`, `pulumi` and `npx`. The fake
 * `pulumi preview --json` prints the fixture PREVIEW; the fake `aws` answers
 * the backend's listing from META_KEY, META_VERSION and STACKS_KEY, and keeps
 * what `sns publish` sends.
 */
function runPhase(buildspec: string, env: Record<string, string>, phase: 'build' | 'pre_build' = 'build') {
  const spec = YAML.parse(buildspec);
  const dir = tempDir('build-phase');
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(dir, 'version'), '7');
  // pulumi up bumps the pipeline's version when CHANGES is set (UpdatePipeline increases it by 1).
  fs.writeFileSync(path.join(bin, 'pulumi'), [
    '#!/bin/bash',
    'echo "pulumi $*" >> "$CALLS"',
    'if [ "$1" = preview ] && [ "$2" = --json ]; then cat "$PREVIEW"; exit "${PREVIEW_EXIT:-0}"; fi',
    'if [ "$1" = up ] && [ "$CHANGES" = 1 ]; then echo $(( $(cat "$STATE/version") + 1 )) > "$STATE/version"; fi',
    'exit "${PULUMI_EXIT:-0}"',
  ].join('\n'), { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'aws'), [
    '#!/bin/bash',
    'echo "aws $*" >> "$CALLS"',
    'case "$*" in',
    '  *get-pipeline-execution*) echo "$TRIGGER_DETAIL" ;;',
    '  *get-pipeline\\ *) cat "$STATE/version" ;;',
    '  *start-pipeline-execution*) echo 11111111-2222-3333-4444-555555555555 ;;',
    '  *list-objects-v2*meta.yaml*) echo "${META_KEY:-None}" ;;',
    '  *list-objects-v2*stacks/*) echo "${STACKS_KEY:-None}" ;;',
    '  s3\\ cp*) printf "version: %s\\n" "$META_VERSION" ;;',
    '  sns\\ publish*) while [ $# -gt 0 ]; do if [ "$1" = --message ]; then cat "${2#file://}" > "$STATE/published"; fi; shift; done; exit "${SNS_EXIT:-0}" ;;',
    'esac',
  ].join('\n'), { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'npx'), [
    '#!/bin/bash',
    'echo "npx $*" >> "$CALLS"',
    '[ "$1 $2 $3" = "--no-install tsc --outDir" ] && mkdir -p "$4" && cp -r "$COMPILED_CHECK"/. "$4"/',
  ].join('\n'), { mode: 0o755 });
  const variables = Object.entries<string>(spec.env.variables).map(([k, v]) => `export ${k}='${v}'`);
  const script = ['set -e', ...variables, ...spec.phases[phase].commands].join('\n');
  const result = spawnSync('bash', ['--noprofile', '--norc', '-c', script], {
    encoding: 'utf-8',
    env: {
      PATH: `${bin}:${process.env.PATH}`,
      CALLS: path.join(dir, 'calls'),
      STATE: dir,
      COMPILED_CHECK: phase === 'build' && spec.phases.build.commands.some((c: string) => c.startsWith('npx')) ? compileCheckOnce(buildspec) : '',
      PREVIEW: path.join(FIXTURES, 'update-allowed.json'),
      // What the program sets on the project, and CodePipeline on the action.
      PIPELINE_NAME: 'web-app-dev',
      PULUMI_STACK: 'organization/web-app/dev',
      UPDATE_ROLE_NAME: 'web-app-dev-update',
      NOTIFICATION_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:web-app-dev-notifications',
      PIPELINE_EXECUTION_ID: 'aaaaaaaa-0000-0000-0000-000000000000',
      // A push started this execution (the trigger names the connection).
      TRIGGER_DETAIL: 'arn:aws:codestar-connections:eu-west-1:123456789012:connection/x',
      ...env,
    },
  });
  const calls = fs.existsSync(path.join(dir, 'calls')) ? fs.readFileSync(path.join(dir, 'calls'), 'utf-8').trim().split('\n') : [];
  const published = fs.existsSync(path.join(dir, 'published')) ? fs.readFileSync(path.join(dir, 'published'), 'utf-8') : undefined;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls, published };
}
const runBuildPhase = (buildspec: string, env: Record<string, string>) => runPhase(buildspec, env);
const ups = (calls: string[]) => calls.filter(call => call.startsWith('pulumi up'));

describe('the self-update buildspec restarts the pipeline only when its definition changed', () => {
  const snap = Testing.synth(new CicdPipelineProject({ name: 'web-app', defaultReleaseBranch: 'main', outdir: tempDir('restart'), pipeline: S3 }));
  const update = snap['infra/self-update.buildspec.yml'] as string;
  const starts = (calls: string[]) => calls.filter(call => call.includes('start-pipeline-execution'));

  test('it runs pulumi up on the stack that deployed the pipeline, without prompts', () => {
    const { status, calls } = runBuildPhase(update, {});
    expect(status).toBe(0);
    expect(calls).toContain('pulumi up --yes --non-interactive --diff --stack organization/web-app/dev --cwd infra');
  });

  test('an update that changes nothing never restarts (no loop)', () => {
    const { status, stdout, calls } = runBuildPhase(update, { CHANGES: '0' });
    expect(status).toBe(0);
    expect(starts(calls)).toEqual([]);
    expect(stdout).toMatch(/definition is unchanged \(version 7\)/);
  });

  test('an update that changes the definition starts exactly one fresh execution', () => {
    const { status, stdout, calls } = runBuildPhase(update, { CHANGES: '1' });
    expect(status).toBe(0);
    expect(starts(calls)).toEqual(['aws codepipeline start-pipeline-execution --name web-app-dev --query pipelineExecutionId --output text']);
    expect(stdout).toMatch(/changed \(version 7 to 8\)/);
  });

  test('an execution the self-update started may not restart again: it fails, and starts nothing', () => {
    const { status, stderr, calls } = runBuildPhase(update, {
      CHANGES: '1', TRIGGER_DETAIL: 'arn:aws:sts::123456789012:assumed-role/web-app-dev-update/AWSCodeBuild-0b3e5a8e',
    });
    expect(status).not.toBe(0);
    expect(starts(calls)).toEqual([]);
    expect(stderr).toMatch(/not restarting it again/);
  });

  test('a failed pulumi up stops the build before any restart', () => {
    const { status, calls } = runBuildPhase(update, { CHANGES: '1', PULUMI_EXIT: '1' });
    expect(status).not.toBe(0);
    expect(starts(calls)).toEqual([]);
  });

  test('the drift check previews the same stack with --refresh --expect-no-changes, and changes nothing', () => {
    const { status, calls } = runBuildPhase(snap['infra/drift-check.buildspec.yml'], {});
    expect(status).toBe(0);
    expect(calls).toEqual(['pulumi preview --refresh --expect-no-changes --non-interactive --diff --stack organization/web-app/dev --cwd infra']);
  });
});

describe('the update stage applies only what its role may make, and stops before anything else (never half-applied)', () => {
  const snap = Testing.synth(new CicdPipelineProject({ name: 'web-app', defaultReleaseBranch: 'main', outdir: tempDir('gate'), pipeline: S3 }));
  const update = snap['infra/self-update.buildspec.yml'] as string;

  test('the preview of the same stack comes first, then the gate, then pulumi up', () => {
    const { status, calls } = runBuildPhase(update, {});
    expect(status).toBe(0);
    const order = ['pulumi preview --json', 'npx --no-install tsc', 'pulumi up'].map(start => calls.findIndex(call => call.startsWith(start)));
    expect(order.every((index, i) => index >= 0 && (i === 0 || index > order[i - 1]))).toBe(true);
    expect(calls).toContain('pulumi preview --json --non-interactive --stack organization/web-app/dev --cwd infra');
  });

  test.each(['new-role', 'key-policy', 'bucket-policy', 'topic-policy', 'boundary', 'trust-policy', 'delete-bucket', 'replace-key', 'remove-stage'])(
    'a preview with %s stops before pulumi up, in the log and through the topic, asking for npx projen deploy', (name) => {
      const { status, stderr, calls, published } = runBuildPhase(update, { PREVIEW: path.join(FIXTURES, `${name}.json`), CHANGES: '1' });
      expect(status).not.toBe(0);
      expect(ups(calls)).toEqual([]);
      expect(calls.filter(call => call.includes('start-pipeline-execution'))).toEqual([]);
      expect(stderr).toMatch(/stopped before changing anything[\s\S]*Run `npx projen deploy` as a person/);
      expect(calls).toContainEqual(expect.stringMatching(
        /^aws sns publish --topic-arn arn:aws:sns:eu-west-1:123456789012:web-app-dev-notifications --subject Pipeline self-update stopped: a person must run npx projen deploy --message file:\/\//));
      expect(published).toMatch(/stopped before changing anything/);
      expect(stderr).toContain(published!.trimEnd());
    });

  test('a topic it cannot publish to still stops the build, with the message in the log', () => {
    const { status, stderr, calls } = runBuildPhase(update, { PREVIEW: path.join(FIXTURES, 'trust-policy.json'), SNS_EXIT: '255' });
    expect(status).not.toBe(0);
    expect(ups(calls)).toEqual([]);
    expect(stderr).toMatch(/Could not publish this to the notification topic/);
    expect(stderr).toMatch(/trust policy/);
  });

  test('a preview that fails shows its diagnostics and stops before the gate and pulumi up', () => {
    const { status, stdout, calls } = runBuildPhase(update, { PREVIEW: path.join(FIXTURES, 'no-change.json'), PREVIEW_EXIT: '255' });
    expect(status).not.toBe(0);
    expect(stdout).toContain('"changeSummary"');
    expect(calls.filter(call => call.startsWith('npx') || call.startsWith('pulumi up'))).toEqual([]);
  });

  test('a preview with no changes goes on to pulumi up, which changes nothing and restarts nothing', () => {
    const { status, calls, published } = runBuildPhase(update, { PREVIEW: path.join(FIXTURES, 'no-change.json'), CHANGES: '0' });
    expect(status).toBe(0);
    expect(ups(calls)).toHaveLength(1);
    expect(published).toBeUndefined();
  });
});

describe('an S3 backend in Pulumi\'s legacy layout stops both builds in pre_build with the upgrade to run', () => {
  const snap = Testing.synth(new CicdPipelineProject({ name: 'web-app', defaultReleaseBranch: 'main', outdir: tempDir('layout'), pipeline: S3 }));
  const cloud = Testing.synth(new CicdPipelineProject({
    name: 'web-app', defaultReleaseBranch: 'main', outdir: tempDir('layout-cloud'), pipeline: { repository: REPO, selfUpdate: SELF_UPDATE_CLOUD },
  }));
  const buildspecs = ['infra/self-update.buildspec.yml', 'infra/drift-check.buildspec.yml'];
  const logins = (calls: string[]) => calls.filter(call => call.startsWith('pulumi login'));

  test.each(buildspecs)('%s: stacks but no meta.yaml is the legacy layout: stop before login, naming pulumi state upgrade', (file) => {
    const { status, stderr, calls } = runPhase(snap[file], { META_KEY: 'None', STACKS_KEY: 'pipelines/.pulumi/stacks/dev.json' }, 'pre_build');
    expect(status).not.toBe(0);
    expect(logins(calls)).toEqual([]);
    expect(stderr).toContain('is in Pulumi\'s legacy layout');
    expect(stderr).toContain('pulumi login s3://acme-pulumi-state/pipelines?region=eu-west-1 && pulumi state upgrade');
    expect(stderr).toContain('pipelines/.pulumi/stacks/<project>/<stack>.json');
    expect(calls).toContain('aws s3api list-objects-v2 --bucket acme-pulumi-state --prefix pipelines/.pulumi/meta.yaml --max-items 1 --query Contents[0].Key --output text');
  });

  test.each(buildspecs)('%s: a meta.yaml of version 0 is the legacy layout too', (file) => {
    const { status, stderr } = runPhase(snap[file], { META_KEY: 'pipelines/.pulumi/meta.yaml', META_VERSION: '0' }, 'pre_build');
    expect(status).not.toBe(0);
    expect(stderr).toContain('pulumi state upgrade');
  });

  test.each<[string, Record<string, string>]>([
    ['the project layout (meta.yaml of version 1)', { META_KEY: 'pipelines/.pulumi/meta.yaml', META_VERSION: '1', STACKS_KEY: 'pipelines/.pulumi/stacks/web-app/dev.json' }],
    ['an empty backend (the CLI creates the project layout)', { META_KEY: 'None', STACKS_KEY: 'None' }],
  ])('%s goes on to login and the plugin', (_title, env) => {
    for (const file of buildspecs) {
      const { status, calls } = runPhase(snap[file], env, 'pre_build');
      expect({ file, status }).toEqual({ file, status: 0 });
      expect(logins(calls)).toEqual(['pulumi login s3://acme-pulumi-state/pipelines?region=eu-west-1']);
    }
  });

  test('Pulumi Cloud has no layout to check', () => {
    const { status, calls } = runPhase(cloud['infra/self-update.buildspec.yml'], {}, 'pre_build');
    expect(status).toBe(0);
    expect(calls.filter(call => call.startsWith('aws'))).toEqual([]);
  });
});

describe('the consumer\'s file guardrails hold the Node line and the gate, and fail when either is undone', () => {
  const snap = Testing.synth(new CicdPipelineProject({ name: 'web-app', defaultReleaseBranch: 'main', outdir: tempDir('file-guardrails'), pipeline: S3 }));
  const repoWith = (edit: (file: string, text: string) => string) => {
    const dir = tempDir('guardrail-repo');
    fs.mkdirSync(path.join(dir, 'infra'));
    for (const file of ['infra/self-update.buildspec.yml', 'infra/drift-check.buildspec.yml']) fs.writeFileSync(path.join(dir, file), edit(file, snap[file]));
    return dir;
  };
  const guardrailRun = { settings: settingsFor(S3), environment: 'dev', resources: [], beforeAuthorization: [] };
  test.each<[string, (file: string, text: string) => string]>([
    ['the self-update and drift builds run on a Node.js line the installed @pulumi/pulumi supports',
      (file, text) => file.includes('drift') ? text.replace(/nodejs: "?\d+"?/, 'nodejs: 20') : text],
    ['the self-update previews the stack and stops before pulumi up on a change only a person may make',
      (file, text) => file.includes('self-update') ? text.replace(/^.*self-update-check\.js.*$/m, '      - "true"') : text],
  ])('%s', (promise, breakIt) => {
    const check = FILE_GUARDRAILS[promise];
    expect(() => check(guardrailRun, repoWith((_file, text) => text))).not.toThrow();
    expect(() => check(guardrailRun, repoWith(breakIt))).toThrow();
  });
});

describe('the update and drift builds run on the repository\'s default Node.js line', () => {
  test.each(['infra/self-update.buildspec.yml', 'infra/drift-check.buildspec.yml'])('%s asks CodeBuild for the default line, which the pinned @pulumi/pulumi accepts', (file) => {
    const snap = Testing.synth(new CicdPipelineProject({ name: 'web-app', defaultReleaseBranch: 'main', outdir: tempDir('node'), pipeline: S3 }));
    const runtime = YAML.parse(snap[file]).phases.install['runtime-versions'].nodejs;
    expect(runtime).toBe(RECOMMENDED_NODE_MAJOR);
    expect(SUPPORTED_NODE_MAJORS).toContain(runtime);
    const pulumiFloor = Number(/>=\s*(\d+)/.exec(JSON.parse(fs.readFileSync(require.resolve('@pulumi/pulumi/package.json'), 'utf-8')).engines.node)![1]);
    expect(runtime).toBeGreaterThanOrEqual(pulumiFloor);
  });
});

describe('under the mocks', () => {
  let s3: RegisteredResource[];
  let cloud: RegisteredResource[];
  beforeAll(async () => {
    s3 = await runUnderMocks(settingsFor(S3), 'dev');
    cloud = await runUnderMocks(settingsFor({ ...FULL_PROPS, selfUpdate: SELF_UPDATE_CLOUD }), 'dev');
  });
  const logical = (resources: RegisteredResource[]) => resources.map(r => r.urn.split('::').slice(2).join('::')).sort();
  const grants = (resources: RegisteredResource[], policy: string) => statementsOf(one(resources, TYPES.policy, policy));

  test('self-update adds exactly these logical resources, and renames none of the others', async () => {
    const plain = logical(await runUnderMocks(settingsFor({ repository: REPO }), 'dev'));
    const added = logical(s3).filter(urn => !plain.includes(urn));
    expect(logical(s3).filter(urn => plain.includes(urn))).toEqual(plain);
    const component = 'cicd-pipeline-type:index:CicdPipeline$';
    expect(added).toEqual([
      'aws:cloudwatch/eventRule:EventRule::drift-failures', 'aws:cloudwatch/eventRule:EventRule::drift-schedule',
      'aws:cloudwatch/eventTarget:EventTarget::drift-failures-to-topic', 'aws:cloudwatch/eventTarget:EventTarget::drift-schedule-target',
      'aws:cloudwatch/logGroup:LogGroup::drift-check-logs', 'aws:cloudwatch/logGroup:LogGroup::self-update-logs',
      'aws:codebuild/project:Project::drift-check', 'aws:codebuild/project:Project::self-update',
      // Issue 17: one boundary per role kind.
      'aws:iam/policy:Policy::boundary-build', 'aws:iam/policy:Policy::boundary-drift-check', 'aws:iam/policy:Policy::boundary-drift-schedule',
      'aws:iam/policy:Policy::boundary-pipeline', 'aws:iam/policy:Policy::boundary-self-update', 'aws:iam/policy:Policy::drift-check-pipeline-policy', 'aws:iam/policy:Policy::drift-check-policy',
      'aws:iam/policy:Policy::drift-schedule-policy', 'aws:iam/policy:Policy::self-update-pipeline-policy', 'aws:iam/policy:Policy::self-update-policy',
      'aws:iam/policy:Policy::self-update-projects-policy', 'aws:iam/rolePolicyAttachment:RolePolicyAttachment::self-update-projects-policy-attachment',
      'aws:iam/role:Role::drift-check-role', 'aws:iam/role:Role::drift-schedule-role', 'aws:iam/role:Role::self-update-role',
      'aws:iam/rolePolicyAttachment:RolePolicyAttachment::drift-check-pipeline-policy-attachment',
      'aws:iam/rolePolicyAttachment:RolePolicyAttachment::drift-check-policy-attachment',
      'aws:iam/rolePolicyAttachment:RolePolicyAttachment::drift-schedule-policy-attachment',
      'aws:iam/rolePolicyAttachment:RolePolicyAttachment::self-update-pipeline-policy-attachment',
      'aws:iam/rolePolicyAttachment:RolePolicyAttachment::self-update-policy-attachment',
    ].map(urn => component + urn).sort());
  });

  test('the stages are Source → UpdatePipeline → Build', () => {
    expect(one(s3, TYPES.pipeline).inputs.stages.map((stage: any) => stage.name)).toEqual(['Source', 'UpdatePipeline', 'Build']);
  });

  test('the update project is told the stack, the pipeline and its own role; Pulumi Cloud\'s token comes from Secrets Manager', () => {
    const variables = (resources: RegisteredResource[]) => one(resources, TYPES.project, 'self-update').inputs.environment.environmentVariables;
    expect(variables(s3)).toEqual([
      { name: 'PULUMI_STACK', value: 'organization/web-app/dev', type: 'PLAINTEXT' },
      { name: 'ENVIRONMENT_SUFFIX', value: 'dev', type: 'PLAINTEXT' },
      { name: 'PIPELINE_NAME', value: 'web-app-dev', type: 'PLAINTEXT' },
      { name: 'UPDATE_ROLE_NAME', value: 'web-app-dev-update', type: 'PLAINTEXT' },
      { name: 'NOTIFICATION_TOPIC_ARN', value: `arn:aws:sns:${MOCK_REGION}:${MOCK_ACCOUNT}:web-app-dev-notifications`, type: 'PLAINTEXT' },
    ]);
    expect(variables(cloud)).toContainEqual({ name: 'PULUMI_ACCESS_TOKEN', value: SELF_UPDATE_CLOUD.accessTokenSecretArn, type: 'SECRETS_MANAGER' });
  });

  test('issue 17: CreateRole, PutRolePolicy, AttachRolePolicy and UpdateAssumeRolePolicy are granted nowhere: a new role is a person\'s deploy', () => {
    const statements = [...grants(s3, 'self-update-pipeline-policy'), ...grants(s3, 'self-update-policy'), ...grants(s3, 'self-update-projects-policy')];
    for (const action of ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:AttachRolePolicy', 'iam:UpdateAssumeRolePolicy']) {
      const granting = statements.filter(s => s.Effect === 'Allow' && [].concat(s.Action).includes(action as never)).map(s => s.Sid);
      expect({ action, granting }).toEqual({ action, granting: [] });
    }
  });

  test('the backend gives this stack\'s state files only: another repository\'s stack in the same bucket is out of reach', () => {
    const objects = grants(s3, 'self-update-policy').filter(s => [].concat(s.Action).includes('s3:PutObject' as never)).flatMap(s => [].concat(s.Resource));
    expect(objects.sort()).toEqual([
      'arn:aws:s3:::acme-pulumi-state/pipelines/.pulumi/*/web-app/dev.*',
      'arn:aws:s3:::acme-pulumi-state/pipelines/.pulumi/*/web-app/dev/*',
    ]);
  });

  test('the drift schedule targets the read-only drift project', () => {
    const target = one(s3, TYPES.target, 'drift-schedule-target').inputs;
    expect(target.arn).toBe(`arn:aws:codebuild:${MOCK_REGION}:${MOCK_ACCOUNT}:project/web-app-dev-drift`);
    expect(one(s3, TYPES.rule, 'drift-schedule').inputs).toMatchObject({ scheduleExpression: 'rate(1 day)', state: 'ENABLED' });
    expect(one(cloud, TYPES.rule, 'drift-schedule').inputs.state).toBe('DISABLED');
  });

  test('with selfUpdate, a stack named otherwise than its environment is refused with the fix', async () => {
    await expect(runUnderMocks(settingsFor(S3), 'dev', { stack: 'staging' }))
      .rejects.toThrow(/the stack of environment "dev" must be named "dev".*pulumi stack select --create dev/);
    await expect(runUnderMocks(settingsFor({ repository: REPO }), 'dev', { stack: 'staging' })).resolves.toBeDefined();
  });

  /** A copy of `resources` with `change` applied to the registered inputs of `type`/`name`. */
  function mutate(resources: RegisteredResource[], type: string, name: string, change: (inputs: Record<string, any>) => void): RegisteredResource[] {
    const copy: RegisteredResource[] = JSON.parse(JSON.stringify(resources));
    change(one(copy, type, name).inputs);
    return copy;
  }
  const editPolicy = (edit: (statements: any[]) => void) => (inputs: Record<string, any>) => {
    const doc = JSON.parse(inputs.policy);
    edit(doc.Statement);
    inputs.policy = JSON.stringify(doc);
  };
  const run = (resources: RegisteredResource[]): GuardrailRun => ({ settings: settingsFor(S3), environment: 'dev', resources, beforeAuthorization: [] });

  test.each<[string, string, string, (inputs: Record<string, any>) => void]>([
    ['the update role never creates a role, changes a trust, resource policy or boundary, grants, deletes stateful data, rewrites its own grants or tags with other keys: denied in its boundary, granted nowhere in its policy',
      TYPES.policy, 'self-update-pipeline-policy', editPolicy(statements => {
        statements.find(s => s.Sid === 'ManageRoles').Action.push('iam:CreateRole');
      })],
    ['the update role never creates a role, changes a trust, resource policy or boundary, grants, deletes stateful data, rewrites its own grants or tags with other keys: denied in its boundary, granted nowhere in its policy',
      TYPES.policy, 'boundary-self-update', editPolicy(statements => {
        statements.splice(statements.findIndex(s => s.Sid === 'NeverResourcePolicies'), 1);
      })],
    ['the update role never creates a role, changes a trust, resource policy or boundary, grants, deletes stateful data, rewrites its own grants or tags with other keys: denied in its boundary, granted nowhere in its policy',
      TYPES.policy, 'self-update-pipeline-policy', editPolicy(statements => {
        delete statements.find(s => s.Sid === 'ManageRoleTags').Condition;
      })],
    ['the update role reaches only this stack\'s resources (ARNs of this repository\'s names), its state and its secrets key',
      TYPES.policy, 'self-update-pipeline-policy', editPolicy(statements => {
        statements.find(s => s.Sid === 'ManageRoles').Resource.push(`arn:aws:iam::${MOCK_ACCOUNT}:role/another-app-dev-build`);
      })],
    ['the update role changes each CodeBuild project only with that project\'s own role (codebuild:serviceRole)', TYPES.policy, 'self-update-projects-policy',
      editPolicy(statements => {
        statements.find(s => s.Sid === 'ChangeTheBuildProject').Condition.StringEqualsIfExists['codebuild:serviceRole'] = `arn:aws:iam::${MOCK_ACCOUNT}:role/web-app-dev-update`;
      })],
    ['with selfUpdate every role carries the boundary of its own kind, a policy of the program that exists before the role', TYPES.role, 'build-role', inputs => {
      delete inputs.permissionsBoundary;
    }],
    ['with selfUpdate every role carries the boundary of its own kind, a policy of the program that exists before the role', TYPES.role, 'drift-check-role', inputs => {
      inputs.permissionsBoundary = `arn:aws:iam::${MOCK_ACCOUNT}:policy/web-app-dev-boundary-update`;
    }],
    ['each boundary allows nothing outside this stack, its state and its secrets key', TYPES.policy, 'boundary-pipeline', editPolicy(statements => {
      statements.find(s => s.Sid === 'RunTheProjects').Resource.push(`arn:aws:codebuild:${MOCK_REGION}:${MOCK_ACCOUNT}:project/another-app-dev-build`);
    })],
    ['the build\'s ceiling holds no target role, state or stage secret; a deploy stage\'s only its own target and secrets', TYPES.policy, 'boundary-build',
      editPolicy(statements => {
        statements.push({ Sid: 'Escalate', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::444455556666:role/deploy/web-app-deployer' });
      })],
    ['every role\'s own grants fit inside the boundary it carries (a grant outside it would fail in AWS, silently here)', TYPES.policy, 'boundary-build',
      editPolicy(statements => {
        statements.splice(statements.findIndex(s => s.Sid === 'PushImages'), 1);
      })],
    ['the backend gives the roles only this stack\'s state, listing only under its prefix, and only the secrets key',
      TYPES.policy, 'self-update-policy', editPolicy(statements => {
        statements.find(s => s.Sid === 'WriteState').Resource.push('arn:aws:s3:::acme-pulumi-state/pipelines/.pulumi/*/other-app/dev.*');
      })],
    ['the drift check\'s role only reads (Get, List, Describe), besides writing its own logs and checking out the repository',
      TYPES.policy, 'drift-check-policy', editPolicy(statements => {
        statements.find(s => s.Sid === 'ReadState').Action = ['s3:GetObject', 's3:PutObject'];
      })],
    ['the drift check runs on the configured schedule (disabled when off), started by a role that may start only it',
      TYPES.target, 'drift-schedule-target', inputs => {
        inputs.arn = `arn:aws:codebuild:${MOCK_REGION}:${MOCK_ACCOUNT}:project/web-app-dev-build`;
      }],
    ['a failed drift check reaches the notification topic, with a message that says it is about drift', TYPES.target, 'drift-failures-to-topic', inputs => {
      inputs.inputTransformer.inputTemplate = JSON.stringify('Build <build> failed');
    }],
  ])('the guardrail "%s" fails when that promise is broken', (check, type, name, change) => {
    expect(() => GUARDRAILS[check](run(s3))).not.toThrow();
    expect(() => GUARDRAILS[check](run(mutate(s3, type, name, change)))).toThrow();
  });
});

describe('turning selfUpdate off or removing a stage: the backend stays recorded, and the synth says once that a person deploys', () => {
  const STAGES: PipelineProps['stages'] = [{ name: 'staging', commands: ['./deploy.sh staging'] }, { name: 'prod', commands: ['./deploy.sh prod'] }];
  /** Synthesizes into `outdir` as `npx projen` does (the previous files stay on disk), returning projen's warnings. */
  function synthIn(outdir: string, pipeline: PipelineProps, python = false): { warnings: string[]; pulumiYaml: any } {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const saved = process.env.PROJEN_DISABLE_POST;
    process.env.PROJEN_DISABLE_POST = 'true'; // no npm install: only the files matter here
    try {
      new CicdPipelineProject({ name: 'web-app', defaultReleaseBranch: 'main', outdir, pipeline, ...(python ? { projenrcPython: true } : {}) }).synth();
      return {
        warnings: warn.mock.calls.map(args => args.join(' ')),
        pulumiYaml: YAML.parse(fs.readFileSync(path.join(outdir, 'infra', 'Pulumi.yaml'), 'utf-8')),
      };
    } finally {
      warn.mockRestore();
      if (saved === undefined) delete process.env.PROJEN_DISABLE_POST;
      else process.env.PROJEN_DISABLE_POST = saved;
    }
  }
  const personDeploys = /run "npx projen deploy" as a person .*until then the pipeline's UpdatePipeline stage stops on every execution/;

  test('turning selfUpdate off keeps the backend in Pulumi.yaml, warns once, and the next synth is silent', () => {
    const outdir = tempDir('turn-off');
    expect(synthIn(outdir, { ...S3, stages: STAGES }).warnings).toEqual([]);
    const off = synthIn(outdir, { repository: REPO, stages: STAGES });
    expect(off.pulumiYaml.backend).toEqual({ url: SELF_UPDATE_S3.backendUrl });
    expect(off.warnings).toEqual([expect.stringMatching(/^pipeline\.selfUpdate was removed from \.projenrc\.ts: the deployed pipeline's update stage may not delete its own role/)]);
    expect(off.warnings[0]).toMatch(personDeploys);
    expect(off.warnings[0]).toContain(`The backend stays recorded in Pulumi.yaml (${SELF_UPDATE_S3.backendUrl})`);
    const again = synthIn(outdir, { repository: REPO, stages: STAGES });
    expect(again.warnings).toEqual([]);
    expect(again.pulumiYaml.backend).toEqual({ url: SELF_UPDATE_S3.backendUrl });
  });

  test('removing a deploy stage with selfUpdate on names the stage, once', () => {
    const outdir = tempDir('remove-stage');
    synthIn(outdir, { ...S3, stages: STAGES });
    const removed = synthIn(outdir, { ...S3, stages: [STAGES![1]] });
    expect(removed.warnings).toEqual([expect.stringMatching(/^Deploy stage "staging" was removed from pipeline\.stages: the update role may not delete a stage's role/)]);
    expect(removed.warnings[0]).toMatch(personDeploys);
    expect(synthIn(outdir, { ...S3, stages: [STAGES![1]] }).warnings).toEqual([]);
  });

  test('adding a stage or changing the backend warns of nothing here (the update stage stops on the new role itself); the new backend is recorded', () => {
    const outdir = tempDir('add-stage');
    synthIn(outdir, { ...S3, stages: [STAGES![1]] });
    const moved = synthIn(outdir, { ...S3, selfUpdate: { ...SELF_UPDATE_S3, backendUrl: 's3://acme-other-state' }, stages: STAGES });
    expect(moved.warnings).toEqual([]);
    expect(moved.pulumiYaml.backend).toEqual({ url: 's3://acme-other-state' });
  });

  test('in a Python repository the warning names pipeline.self_update and .projenrc.py', () => {
    const outdir = tempDir('turn-off-python');
    synthIn(outdir, S3, true);
    expect(synthIn(outdir, { repository: REPO }, true).warnings).toEqual([expect.stringMatching(/^pipeline\.self_update was removed from \.projenrc\.py/)]);
  });
});

describe('the consumer README explains the fleet', () => {
  const readme: string = Testing.synth(new CicdPipelineProject({ name: 'web-app', defaultReleaseBranch: 'main', outdir: tempDir('readme'), githubRepository: REPO }))['README.md'];
  const fleet = readme.slice(readme.indexOf('## Fleet'), readme.indexOf('\n## ', readme.indexOf('## Fleet') + 5));

  test('bootstrap, the upgrade path, drift, turning it off, and the one command that lists each pipeline with its version', () => {
    expect(fleet).toMatch(/## Fleet/);
    expect(fleet).toMatch(/pulumi stack init dev --secrets-provider/);
    expect(fleet).toMatch(/UpdatePipeline.*restart/is);
    expect(fleet).toMatch(/drift/i);
    expect(fleet).toMatch(/turn .*off/i);
    expect(fleet).toContain('aws resourcegroupstaggingapi get-resources --resource-type-filters codepipeline:pipeline --tag-filters Key=cicd-pipeline-type:version');
  });

  test('the update stage stops before anything is applied on a person\'s change; turning off warns and keeps the backend; the rollback rule', () => {
    expect(fleet).toMatch(/stops the stage \*\*before anything is applied\*\*[\s\S]*npx projen deploy/);
    expect(fleet).toMatch(/backend stays recorded in `infra\/Pulumi\.yaml`/);
    expect(fleet).toMatch(/rolls a stage back only to an execution started in the current pipeline\s+structure version/);
    expect(fleet).toMatch(/pulumi state upgrade/);
  });

  test('a Security model section: who can push, each role\'s can and cannot, each promise naming its test', () => {
    const security = readme.slice(readme.indexOf('## Security model'), readme.indexOf('\n## ', readme.indexOf('## Security model') + 5));
    expect(security).toMatch(/anyone who can push to its branch/);
    for (const role of ['Build role', 'Each deploy stage\'s role', 'Update role', 'Drift-check role', 'Pipeline and events roles']) {
      const bullet = security.slice(security.indexOf(`**${role}`)).split('\n- ')[0];
      expect({ role, namesATest: /`test\/[a-z-]+\.test\.ts`/.test(bullet) }).toEqual({ role, namesATest: true });
    }
    expect(security).toContain('`test/iam-evaluation.test.ts`');
    expect(security).toMatch(/stops the update stage before any change\s+\(`test\/self-update-classifier\.test\.ts`/);
  });
});
