import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'projen';
import * as YAML from 'yaml';
import { FULL_PROPS, settingsFor, tempDir } from './helpers';
import { FILE_GUARDRAILS, GUARDRAILS, GuardrailRun, TYPES, asList, one, statementsOf } from '../program/infra/guardrails';
import { MOCK_ACCOUNT, MOCK_REGION, MockConnection, RegisteredResource, runUnderMocks } from '../program/infra/guardrails/mock-run';
import { PIPELINE_COMPONENT_TYPE } from '../program/infra/pipeline';
import { CicdPipelineProject } from '../src';
import { PipelineProps } from '../src/pipeline-props';
import { PipelineConfigError } from '../src/validation';

/**
 * Issue 14: seven defects that passed the mocks, IAM linting and checkov and
 * would only show in a real AWS account. One describe per defect, on what the
 * mocked engine registered or on the rendered files; each test fails on the
 * program before the fix.
 */

const DEFAULTS: PipelineProps = { repository: 'acme/web-app' };
const run = (props: PipelineProps, environment = 'dev', connection?: MockConnection) =>
  runUnderMocks(settingsFor(props), environment, { connection });
const logical = (resources: RegisteredResource[]) => resources.map(r => `${r.type}::${r.name}`).sort();
const component = (resources: RegisteredResource[]) => one(resources, PIPELINE_COMPONENT_TYPE);
/** A deep copy of `resources` with `change` applied to the one of `type`: the guardrails must catch it. */
function mutate(resources: RegisteredResource[], type: string, change: (inputs: Record<string, any>) => void): RegisteredResource[] {
  const copy: RegisteredResource[] = JSON.parse(JSON.stringify(resources));
  change(one(copy, type).inputs);
  return copy;
}
function guardrailRun(resources: RegisteredResource[], props: PipelineProps = DEFAULTS): GuardrailRun {
  return { settings: settingsFor(props), environment: 'dev', resources, beforeAuthorization: [] };
}

describe('1. notifications arrive: the topic key is scoped by the SNS encryption context, not by aws:SourceArn', () => {
  let resources: RegisteredResource[];
  beforeAll(async () => {
    resources = await run(DEFAULTS);
  });

  test('the key lets EventBridge use it only for the topic\'s encryption context, with no source condition', () => {
    const statement = JSON.parse(one(resources, TYPES.key).inputs.policy).Statement
      .find((st: any) => st.Principal?.Service === 'events.amazonaws.com');
    expect(statement.Condition).toEqual({
      StringEquals: { 'kms:EncryptionContext:aws:sns:topicArn': `arn:aws:sns:${MOCK_REGION}:${MOCK_ACCOUNT}:web-app-dev-notifications` },
    });
  });

  test('the topic policy keeps the source condition: only the rule publishes', () => {
    const [publish] = statementsOf(one(resources, TYPES.topicPolicy));
    expect(publish.Condition).toEqual({ ArnEquals: { 'aws:SourceArn': `arn:aws:events:${MOCK_REGION}:${MOCK_ACCOUNT}:rule/web-app-dev-executions` } });
  });

  test('the guardrail fails on the key policy the program had before', () => {
    const before = mutate(resources, TYPES.key, inputs => {
      const policy = JSON.parse(inputs.policy);
      const statement = policy.Statement.find((st: any) => st.Principal?.Service === 'events.amazonaws.com');
      statement.Condition = { ArnEquals: { 'aws:SourceArn': `arn:aws:events:${MOCK_REGION}:${MOCK_ACCOUNT}:rule/web-app-dev-executions` } };
      inputs.policy = JSON.stringify(policy);
    });
    const check = GUARDRAILS['no aws:SourceArn or aws:SourceAccount condition for EventBridge on the topic\'s key (SNS does not support them there)'];
    expect(() => check(guardrailRun(resources))).not.toThrow();
    expect(() => check(guardrailRun(before))).toThrow();
  });
});

describe('2. no pipeline on a PENDING connection: the deploy is two-phase', () => {
  let authorized: RegisteredResource[];
  beforeAll(async () => {
    authorized = await run(DEFAULTS, 'dev', 'AVAILABLE');
  });

  test.each<[string, MockConnection]>([
    ['the first deploy (the connection does not exist yet)', 'absent'],
    ['a deploy before the connection is authorized', 'PENDING'],
  ])('%s creates the connection and everything else, but no pipeline, and says what to do next', async (_, connection) => {
    const resources = await run(DEFAULTS, 'dev', connection);
    expect(resources.filter(r => r.type === TYPES.pipeline)).toEqual([]);
    expect(logical(resources)).toEqual(logical(authorized).filter(r => !r.startsWith(`${TYPES.pipeline}::`)));
    // The role exists already, so IAM has propagated it when the pipeline first assumes it.
    expect(resources.filter(r => r.type === TYPES.role).map(r => r.name).sort()).toEqual(['build-role', 'pipeline-role']);
    const outputs = component(resources).outputs;
    expect(outputs.nextStep).toBe(
      `Authorize the GitHub connection ${outputs.connectionArn} in the AWS console (Developer Tools > Settings > Connections > ` +
      'Update pending connection), then run "npx projen deploy" again: the pipeline is created once the connection is AVAILABLE.');
    expect(outputs.pipelineName).toBeUndefined();
    if (connection === 'PENDING') expect(outputs.connectionStatus).toBe('PENDING');
  });

  test('once the connection is AVAILABLE the pipeline exists, and there is no next step', () => {
    expect(one(authorized, TYPES.pipeline).inputs.name).toBe('web-app-dev');
    expect(component(authorized).outputs).toMatchObject({ pipelineName: 'web-app-dev', connectionStatus: 'AVAILABLE' });
    expect(component(authorized).outputs.nextStep).toBeUndefined();
  });

  test('a connection in ERROR (retried by AWS, only after authorization) keeps the pipeline', async () => {
    expect((await run(DEFAULTS, 'dev', 'ERROR')).filter(r => r.type === TYPES.pipeline)).toHaveLength(1);
  });

  test('a configured connectionArn: the pipeline exists when it is AVAILABLE and waits while it is PENDING', async () => {
    const props: PipelineProps = { repository: 'acme/web-app', connectionArn: FULL_PROPS.connectionArn };
    const available = await run(props, 'dev', 'AVAILABLE');
    expect(one(available, TYPES.pipeline).inputs.stages[0].actions[0].configuration.ConnectionArn).toBe(FULL_PROPS.connectionArn);
    const pending = await run(props, 'dev', 'PENDING');
    expect(pending.filter(r => r.type === TYPES.pipeline)).toEqual([]);
    expect(component(pending).outputs.nextStep).toContain(FULL_PROPS.connectionArn);
  });

  test('a lookup that fails for another reason than "not found" stops the deploy instead of dropping the pipeline', async () => {
    await expect(run(DEFAULTS, 'dev', 'unreadable')).rejects.toThrow(/AccessDenied/);
  });

  test('the consumer README says so before the first deploy', () => {
    const project = new CicdPipelineProject({ name: 'web-app', defaultReleaseBranch: 'main', outdir: tempDir('readme'), githubRepository: 'acme/web-app' });
    const readme: string = Testing.synth(project)['README.md'];
    const before = readme.slice(readme.indexOf('## Before the first deploy'), readme.indexOf('\n## ', readme.indexOf('## Before the first deploy') + 5));
    expect(before).toMatch(/nextStep/);
    expect(before).toMatch(/no pipeline until/i);
    expect(before).toMatch(/deploy.*again/i);
  });
});

describe('3. both service roles meet AWS\'s published minimum, scoped to this stack', () => {
  let resources: RegisteredResource[];
  beforeAll(async () => {
    resources = await run(DEFAULTS);
  });
  const bucketArn = `arn:aws:s3:::web-app-dev-artifacts-${MOCK_ACCOUNT}`;
  const grants = (policy: string) => statementsOf(one(resources, TYPES.policy, policy))
    .flatMap(s => asList(s.Action).flatMap((action: string) => asList(s.Resource).map((resource: string) => `${action} ${resource}`)));

  test('CodePipeline ("Manage the CodePipeline service role"): object and bucket actions on the artifact bucket', () => {
    expect(grants('pipeline-policy')).toEqual(expect.arrayContaining([
      ...['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:PutObjectAcl'].map(a => `${a} ${bucketArn}/*`),
      ...['s3:GetBucketVersioning', 's3:GetBucketAcl', 's3:GetBucketLocation'].map(a => `${a} ${bucketArn}`),
    ]));
  });

  test('CodeBuild ("Allow CodeBuild to interact with other AWS services"): logs on its log group, S3 on the artifact bucket', () => {
    const logGroup = `arn:aws:logs:${MOCK_REGION}:${MOCK_ACCOUNT}:log-group:/aws/codebuild/web-app-dev-build`;
    expect(grants('build-policy')).toEqual(expect.arrayContaining([
      ...['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'].map(a => `${a} ${logGroup}`),
      ...['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'].map(a => `${a} ${bucketArn}/*`),
      ...['s3:GetBucketAcl', 's3:GetBucketLocation'].map(a => `${a} ${bucketArn}`),
    ]));
  });

  test('every S3 grant holds only for a bucket of this account (aws:ResourceAccount, as in AWS\'s policies)', () => {
    for (const policy of ['pipeline-policy', 'build-policy']) {
      for (const statement of statementsOf(one(resources, TYPES.policy, policy)).filter(s => asList(s.Action).some((a: string) => a.startsWith('s3:')))) {
        expect({ policy, sid: statement.Sid, condition: statement.Condition })
          .toEqual({ policy, sid: statement.Sid, condition: { StringEquals: { 'aws:ResourceAccount': MOCK_ACCOUNT } } });
      }
    }
  });
});

describe('4. artifacts expire', () => {
  test('current objects expire after expiryDays, in a rule of their own beside the delete-marker cleanup', async () => {
    const rules = one(await run({ ...DEFAULTS, artifacts: { expiryDays: 12, noncurrentVersionExpiryDays: 5 } }), TYPES.lifecycle).inputs.rules;
    expect(rules).toEqual([
      { id: 'expire-artifacts', status: 'Enabled', filter: {}, expiration: { days: 12 } },
      {
        id: 'expire-old-versions',
        status: 'Enabled',
        filter: {},
        noncurrentVersionExpiration: { noncurrentDays: 5 },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
      },
      // S3: ExpiredObjectDeleteMarker "cannot be specified with Days or Date in a Lifecycle Expiration Policy".
      { id: 'remove-expired-delete-markers', status: 'Enabled', filter: {}, expiration: { expiredObjectDeleteMarker: true } },
    ]);
  });

  test('expiryDays defaults to 30 and is validated like the other day counts', async () => {
    expect(settingsFor(DEFAULTS).artifacts.expiryDays).toBe(30);
    expect(() => settingsFor({ ...DEFAULTS, artifacts: { expiryDays: 0 } })).toThrow(/pipeline\.artifacts\.expiryDays: must be from 1 to 3650 \(got 0\)/);
  });

  test('the guardrail fails on the lifecycle the program had before (no current-version expiry)', async () => {
    const resources = await run(DEFAULTS);
    const before = mutate(resources, TYPES.lifecycle, inputs => {
      inputs.rules = [{ id: 'expire-old-versions', status: 'Enabled', filter: {}, noncurrentVersionExpiration: { noncurrentDays: 30 } }];
    });
    const check = GUARDRAILS['current artifacts expire after the configured days (every run writes new keys)'];
    expect(() => check(guardrailRun(resources))).not.toThrow();
    expect(() => check(guardrailRun(before))).toThrow();
  });
});

describe('5. destroy follows the environment\'s lifecycle', () => {
  const STATEFUL = [TYPES.key, TYPES.bucket, TYPES.versioning, TYPES.encryption, TYPES.publicAccess, TYPES.ownership, TYPES.lifecycle,
    TYPES.bucketPolicy, TYPES.repository, TYPES.ecrLifecycle];
  const destroyBehaviour = (resources: RegisteredResource[]) => ({
    retained: resources.filter(r => r.retainOnDelete).map(r => r.type).sort(),
    bucketForceDestroy: one(resources, TYPES.bucket).inputs.forceDestroy,
    repositoryForceDelete: one(resources, TYPES.repository).inputs.forceDelete,
    keyDeletionWindowInDays: one(resources, TYPES.key).inputs.deletionWindowInDays,
    lifecycle: component(resources).outputs.environmentLifecycle,
  });

  test('a listed environment is long-lived: destroy keeps the key, the bucket with its configuration and the registry', async () => {
    expect(destroyBehaviour(await run(DEFAULTS, 'dev'))).toEqual({
      retained: [...STATEFUL].sort(), bucketForceDestroy: false, repositoryForceDelete: false, keyDeletionWindowInDays: 30, lifecycle: 'long-lived',
    });
  });

  test('an unlisted suffix (a per-PR stack) is ephemeral: destroy empties and deletes everything, the key after 7 days', async () => {
    expect(destroyBehaviour(await run(DEFAULTS, 'pr123'))).toEqual({
      retained: [], bucketForceDestroy: true, repositoryForceDelete: true, keyDeletionWindowInDays: 7, lifecycle: 'ephemeral',
    });
  });

  test('ephemeralEnvironments makes a listed environment ephemeral', async () => {
    const props: PipelineProps = { ...DEFAULTS, environments: ['dev', 'prod'], ephemeralEnvironments: ['dev'] };
    expect(destroyBehaviour(await run(props, 'dev')).retained).toEqual([]);
    expect(destroyBehaviour(await run(props, 'prod')).retained).toEqual([...STATEFUL].sort());
  });

  test('artifacts.forceDestroy still lets a long-lived environment delete its bucket; the key and registry stay', async () => {
    const behaviour = destroyBehaviour(await run({ ...DEFAULTS, artifacts: { forceDestroy: true } }, 'dev'));
    expect(behaviour).toMatchObject({ bucketForceDestroy: true, repositoryForceDelete: false, keyDeletionWindowInDays: 30 });
    expect(behaviour.retained).toEqual([TYPES.ecrLifecycle, TYPES.key, TYPES.repository].sort());
  });

  test('the lifecycle never changes a logical name', async () => {
    expect(logical(await run(DEFAULTS, 'pr123'))).toEqual(logical(await run(DEFAULTS, 'dev')));
  });

  test('ephemeralEnvironments must name listed environments', () => {
    let error: unknown;
    try {
      settingsFor({ ...DEFAULTS, environments: ['dev'], ephemeralEnvironments: ['qa', 'dev', 'dev'] });
    } catch (e) {
      error = e;
    }
    expect((error as PipelineConfigError).problems).toEqual([
      'pipeline.ephemeralEnvironments[0]: "qa" is not in environments (unlisted suffixes are ephemeral already)',
      'pipeline.ephemeralEnvironments[2]: "dev" is listed twice',
    ]);
  });
});

describe('6. the build hands later stages what they read', () => {
  /** Runs every phase's commands in one bash, as CodeBuild runs a version 0.2 buildspec, with fake `aws` and `docker`. */
  function runBuildspec(buildspecYaml: string): { exported: Record<string, string>; files: Record<string, string> } {
    const spec = YAML.parse(buildspecYaml);
    const dir = tempDir('buildspec-run');
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'aws'), [
      '#!/bin/sh',
      'case "$*" in',
      '  *get-login-password*) echo password ;;',
      '  *--query*) echo sha256:0123456789abcdef ;;',
      '  *describe-images*) exit 1 ;;', // the tag is not pushed yet
      'esac',
    ].join('\n'), { mode: 0o755 });
    fs.writeFileSync(path.join(bin, 'docker'), '#!/bin/sh\ncat >/dev/null 2>&1 || true\n', { mode: 0o755 });
    const quote = (value: string) => `'${value.replace(/'/g, '\'\\\'\'')}'`;
    const names: string[] = spec.env['exported-variables'];
    const script = [
      'set -e',
      ...Object.entries<string>(spec.env.variables).map(([k, v]) => `export ${k}=${quote(v)}`),
      ...['pre_build', 'build', 'post_build'].flatMap(phase => spec.phases[phase].commands),
      // What CodeBuild can read: the environment, not the shell's unexported variables.
      ...names.map(name => `printf '%s=%s\\n' ${name} "$(printenv ${name} || true)" >> exported.env`),
    ].join('\n');
    const result = spawnSync('bash', ['--noprofile', '--norc', '-c', script], {
      cwd: dir,
      encoding: 'utf-8',
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        CODEBUILD_RESOLVED_SOURCE_VERSION: '4f2a9c1',
        REPOSITORY_URI: `${MOCK_ACCOUNT}.dkr.ecr.${MOCK_REGION}.amazonaws.com/web-app-dev`,
        REPOSITORY_NAME: 'web-app-dev',
        AWS_DEFAULT_REGION: MOCK_REGION,
      },
    });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    const exported = Object.fromEntries(fs.readFileSync(path.join(dir, 'exported.env'), 'utf-8').trim().split('\n')
      .map(line => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    const files = Object.fromEntries((spec.artifacts.files as string[]).map(file => [file, fs.readFileSync(path.join(dir, file), 'utf-8')]));
    return { exported, files };
  }
  const synthBuildspec = (props: PipelineProps) => Testing.synth(new CicdPipelineProject({
    name: 'web-app', defaultReleaseBranch: 'main', outdir: tempDir('buildspec'), pipeline: props,
  }))['buildspec.yml'] as string;
  const image = `${MOCK_ACCOUNT}.dkr.ecr.${MOCK_REGION}.amazonaws.com/web-app-dev:4f2a9c1`;

  test('IMAGE_TAG, IMAGE_URI and IMAGE_DIGEST are in the build\'s environment at the end (exported, not only assigned)', () => {
    expect(runBuildspec(synthBuildspec(DEFAULTS)).exported).toEqual({
      IMAGE_TAG: '4f2a9c1', IMAGE_URI: image, IMAGE_DIGEST: 'sha256:0123456789abcdef',
    });
  });

  test('imagedefinitions.json (ECS standard deploy) names the container; imageDetail.json (ECS blue/green) stays', () => {
    const { files } = runBuildspec(synthBuildspec({ ...DEFAULTS, codeBuild: { containerName: 'api' } }));
    expect(JSON.parse(files['imagedefinitions.json'])).toEqual([{ name: 'api', imageUri: image }]);
    expect(JSON.parse(files['imageDetail.json'])).toEqual({ ImageURI: image });
    expect(JSON.parse(runBuildspec(synthBuildspec(DEFAULTS)).files['imagedefinitions.json'])[0].name).toBe('web-app');
  });

  test('containerName is validated as an ECS container name', () => {
    expect(() => settingsFor({ ...DEFAULTS, codeBuild: { containerName: 'my app' } }))
      .toThrow(/pipeline\.codeBuild\.containerName: "my app" is not an ECS container name/);
  });

  test('the Build action has a namespace, so later actions can read #{BuildVariables.IMAGE_URI}', async () => {
    const build = one(await run(DEFAULTS), TYPES.pipeline).inputs.stages.find((s: any) => s.name === 'Build').actions[0];
    expect(build.namespace).toBe('BuildVariables');
  });

  test('the file guardrail fails on the buildspec the library wrote before (assignment without export)', () => {
    const check = FILE_GUARDRAILS['every exported build variable is set with export (CodeBuild reads them from the environment)'];
    const repo = (buildspec: string) => {
      const dir = tempDir('guardrail-repo');
      fs.writeFileSync(path.join(dir, 'buildspec.yml'), buildspec);
      return dir;
    };
    const current = synthBuildspec(DEFAULTS);
    const before = current.replace(/export (IMAGE_TAG|IMAGE_URI)=/g, '$1=');
    expect(() => check(guardrailRun([]), repo(current))).not.toThrow();
    expect(() => check(guardrailRun([]), repo(before))).toThrow();
  });
});

describe('7. ordering', () => {
  let resources: RegisteredResource[];
  beforeAll(async () => {
    resources = await run(DEFAULTS);
  });
  const urn = (type: string) => one(resources, type).urn;

  test('the bucket is configured one step at a time: versioning → encryption → public access → ownership → lifecycle → policy', () => {
    const chain = [TYPES.versioning, TYPES.encryption, TYPES.publicAccess, TYPES.ownership, TYPES.lifecycle, TYPES.bucketPolicy];
    for (let i = 1; i < chain.length; i++) {
      expect({ resource: chain[i], waitsFor: one(resources, chain[i]).dependencies })
        .toEqual({ resource: chain[i], waitsFor: expect.arrayContaining([urn(chain[i - 1])]) });
    }
  });

  test('the notification rule, its target and the topic policy come before the pipeline, whose first run they report', () => {
    expect(one(resources, TYPES.pipeline).dependencies).toEqual(expect.arrayContaining([urn(TYPES.rule), urn(TYPES.target), urn(TYPES.topicPolicy)]));
    const rule = one(resources, TYPES.rule);
    expect(rule.dependencies).not.toContain(urn(TYPES.pipeline));
    expect(JSON.parse(rule.inputs.eventPattern).detail.pipeline).toEqual([one(resources, TYPES.pipeline).inputs.name]);
  });
});
