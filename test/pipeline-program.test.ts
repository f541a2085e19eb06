import * as path from 'path';
import * as pulumi from '@pulumi/pulumi';
import { FULL_PROPS, PROMOTION_PROPS, SELF_UPDATE_CLOUD, SELF_UPDATE_S3, settingsFor, tempDir } from './helpers';
import { describeGuardrails } from '../program/infra/guardrails';
import * as jestClosure from '../program/infra/guardrails/jest-closure';
import { runUnderMocks } from '../program/infra/guardrails/mock-run';
import { loadSettings } from '../program/infra/settings';
import { CicdPipelineProject } from '../src';

// The same invariants every consumer repo runs, here against several configurations.
describeGuardrails('the pipeline with every default', () => settingsFor({ repository: 'acme/web-app' }));
describeGuardrails('the pipeline with every option set (existing codestar-connections ARN)', () => settingsFor(FULL_PROPS), { environment: 'prod' });
describeGuardrails('the pipeline with an existing codeconnections ARN and a longest suffix', () => settingsFor({
  repository: 'acme/a-twenty-char-name-x',
  name: 'abcdefghijklmnopqrst',
  connectionArn: 'arn:aws:codeconnections:us-east-1:111122223333:connection/0b3e5a8e-1111-4222-8333-944455556666',
  environments: ['abcdefghij'],
}));
describeGuardrails('the pipeline of a per-PR (ephemeral) stack', () => settingsFor({ repository: 'acme/web-app' }), { environment: 'pr123' });
describeGuardrails('the pipeline with deploy stages (dev, then prod with approval, target role and rollback) and secrets',
  () => settingsFor(PROMOTION_PROPS), { environment: 'prod' });
describeGuardrails('a self-updating pipeline on an S3 backend (KMS alias, daily drift check)', () => settingsFor({ repository: 'acme/web-app', selfUpdate: SELF_UPDATE_S3 }));
describeGuardrails('a self-updating pipeline on Pulumi Cloud with every option set (key ARN, drift schedule off)',
  () => settingsFor({ ...FULL_PROPS, selfUpdate: SELF_UPDATE_CLOUD }), { environment: 'prod' });
describeGuardrails('a self-updating pipeline with the longest names (the policies\' size)', () => settingsFor({
  repository: 'acme/a-twenty-char-name-x',
  name: 'abcdefghijklmnopqrst',
  environments: ['abcdefghij'],
  selfUpdate: { backendUrl: 's3://state-bucket-of-sixty-three-characters-for-the-longest-arns-xyz/a/long/prefix', secretsProvider: 'awskms://alias/pulumi-state' },
}));
describeGuardrails('an arm64 pipeline with a Lambda deploy stage and an EC2 one', () => settingsFor({
  ...PROMOTION_PROPS,
  codeBuild: { ...PROMOTION_PROPS.codeBuild, architecture: 'arm64' as any },
  stages: [PROMOTION_PROPS.stages![0], { ...PROMOTION_PROPS.stages![1], compute: 'BUILD_GENERAL1_SMALL' as any }],
}), { environment: 'prod' });
describeGuardrails('a self-updating pipeline with deploy stages (the update role manages and passes the stages\' roles)',
  () => settingsFor({ ...PROMOTION_PROPS, selfUpdate: SELF_UPDATE_S3 }), { environment: 'prod' });

// As a consumer repo runs them: its rendered settings and managed files on disk (buildspec, tagging policy).
const consumer = tempDir('consumer');
process.env.PROJEN_DISABLE_POST = 'true'; // no npm install: only the files matter here
new CicdPipelineProject({
  name: 'web-app',
  defaultReleaseBranch: 'main',
  outdir: consumer,
  pipeline: { ...FULL_PROPS, codeBuild: { ...FULL_PROPS.codeBuild, ...PROMOTION_PROPS.codeBuild }, stages: PROMOTION_PROPS.stages },
}).synth();
describeGuardrails('a synthesized consumer repository, its managed files included',
  () => loadSettings(path.join(consumer, 'infra', 'pipeline-settings.json')), { repoRoot: consumer, environment: 'staging' });
const selfUpdating = tempDir('consumer-self-update');
new CicdPipelineProject({
  name: 'web-app', defaultReleaseBranch: 'main', outdir: selfUpdating, pipeline: { ...FULL_PROPS, selfUpdate: SELF_UPDATE_S3 },
}).synth();
describeGuardrails('a synthesized self-updating consumer repository, its managed buildspecs included',
  () => loadSettings(path.join(selfUpdating, 'infra', 'pipeline-settings.json')), { repoRoot: selfUpdating, environment: 'dev' });

/**
 * Every logical resource the program creates. A logical name is part of the
 * URN: renaming one makes `pulumi up` replace the resource (a new bucket, a new
 * ECR repository, lost images). Change this list only together with a Pulumi
 * `aliases` entry on the renamed resource.
 */
const GOLDEN_URNS = [
  'cicd-pipeline-type:index:CicdPipeline::pipeline',
  'cicd-pipeline-type:index:CicdPipeline$aws:kms/key:Key::key',
  'cicd-pipeline-type:index:CicdPipeline$aws:codeconnections/connection:Connection::github',
  'cicd-pipeline-type:index:CicdPipeline$aws:s3/bucket:Bucket::artifacts',
  'cicd-pipeline-type:index:CicdPipeline$aws:s3/bucketVersioning:BucketVersioning::artifacts-versioning',
  'cicd-pipeline-type:index:CicdPipeline$aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration::artifacts-encryption',
  'cicd-pipeline-type:index:CicdPipeline$aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock::artifacts-public-access',
  'cicd-pipeline-type:index:CicdPipeline$aws:s3/bucketOwnershipControls:BucketOwnershipControls::artifacts-ownership',
  'cicd-pipeline-type:index:CicdPipeline$aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration::artifacts-lifecycle',
  'cicd-pipeline-type:index:CicdPipeline$aws:s3/bucketPolicy:BucketPolicy::artifacts-tls-only',
  'cicd-pipeline-type:index:CicdPipeline$aws:ecr/repository:Repository::images',
  'cicd-pipeline-type:index:CicdPipeline$aws:ecr/lifecyclePolicy:LifecyclePolicy::images-lifecycle',
  'cicd-pipeline-type:index:CicdPipeline$aws:cloudwatch/logGroup:LogGroup::build-logs',
  'cicd-pipeline-type:index:CicdPipeline$aws:iam/role:Role::build-role',
  'cicd-pipeline-type:index:CicdPipeline$aws:iam/policy:Policy::build-policy',
  'cicd-pipeline-type:index:CicdPipeline$aws:iam/rolePolicyAttachment:RolePolicyAttachment::build-policy-attachment',
  'cicd-pipeline-type:index:CicdPipeline$aws:codebuild/project:Project::build',
  'cicd-pipeline-type:index:CicdPipeline$aws:iam/role:Role::pipeline-role',
  'cicd-pipeline-type:index:CicdPipeline$aws:iam/policy:Policy::pipeline-policy',
  'cicd-pipeline-type:index:CicdPipeline$aws:iam/rolePolicyAttachment:RolePolicyAttachment::pipeline-policy-attachment',
  'cicd-pipeline-type:index:CicdPipeline$aws:codepipeline/pipeline:Pipeline::pipeline',
  'cicd-pipeline-type:index:CicdPipeline$aws:sns/topic:Topic::notifications',
  'cicd-pipeline-type:index:CicdPipeline$aws:cloudwatch/eventRule:EventRule::executions',
  'cicd-pipeline-type:index:CicdPipeline$aws:sns/topicPolicy:TopicPolicy::notifications-policy',
  'cicd-pipeline-type:index:CicdPipeline$aws:cloudwatch/eventTarget:EventTarget::executions-to-topic',
];

/** `urn:pulumi:<stack>::<project>::<type chain>::<name>` without the stack and project. */
function logical(urn: string): string {
  return urn.split('::').slice(2).join('::');
}

describe('logical names (URNs) are a contract', () => {
  test('the default pipeline creates exactly the golden set of URNs', async () => {
    const resources = await runUnderMocks(settingsFor({ repository: 'acme/web-app' }), 'dev');
    expect(resources.map(r => logical(r.urn)).sort()).toEqual([...GOLDEN_URNS].sort());
    expect(resources.every(r => r.urn.startsWith('urn:pulumi:guardrails::web-app::'))).toBe(true);
  });

  test('an existing connection replaces the created one, and e-mail subscriptions add one resource each', async () => {
    const resources = await runUnderMocks(settingsFor(FULL_PROPS), 'dev');
    const urns = resources.map(r => logical(r.urn));
    expect(urns).not.toContain('cicd-pipeline-type:index:CicdPipeline$aws:codeconnections/connection:Connection::github');
    expect(urns.filter(u => u.includes('TopicSubscription'))).toEqual([
      'cicd-pipeline-type:index:CicdPipeline$aws:sns/topicSubscription:TopicSubscription::notify-ops@acme.example',
      'cicd-pipeline-type:index:CicdPipeline$aws:sns/topicSubscription:TopicSubscription::notify-dev@acme.example',
    ]);
  });

  test('the environment suffix changes physical names, never logical ones', async () => {
    const dev = await runUnderMocks(settingsFor({ repository: 'acme/web-app' }), 'dev');
    const prod = await runUnderMocks(settingsFor({ repository: 'acme/web-app' }), 'prod');
    expect(prod.map(r => logical(r.urn))).toEqual(dev.map(r => logical(r.urn)));
    expect(prod.find(r => r.name === 'pipeline' && r.type.startsWith('aws:'))!.inputs.name).toBe('web-app-prod');
  });
});

describe('the jest stand-in for Pulumi\'s closure serialization (infra/guardrails/jest-closure.ts)', () => {
  // runtime/index.js copies exactly these names from the two modules the consumer's jest maps to the stand-in.
  test('has every function runtime/index.js copies, and each runs Pulumi\'s own code', async () => {
    expect(Object.keys(jestClosure).sort()).toEqual(['computeCodePaths', 'serializeFunction', 'serializeFunctionAsync']);
    const answer = () => 42;
    const ours = await jestClosure.serializeFunction(answer) as pulumi.runtime.SerializedFunction;
    const pulumis = await pulumi.runtime.serializeFunction(answer);
    expect(ours.text).toBe(pulumis.text);
    expect(ours.text).toContain('42');
  });
});

describe('the mocked runs read stacks as `pulumi up` does, and leave jest\'s stack handling as they found it (issue 25)', () => {
  test('jest\'s formatter and frame limit are back after a run, and after a run that fails', async () => {
    const [formatter, limit] = [Error.prepareStackTrace, Error.stackTraceLimit];
    await runUnderMocks(settingsFor({ repository: 'acme/web-app' }), 'dev');
    expect([Error.prepareStackTrace, Error.stackTraceLimit]).toEqual([formatter, limit]);
    await expect(runUnderMocks(settingsFor({ repository: 'acme/web-app' }), 'dev', { connection: 'unreadable' })).rejects.toThrow(/AccessDenied/);
    expect([Error.prepareStackTrace, Error.stackTraceLimit]).toEqual([formatter, limit]);
  });

  test('an error raised during a run keeps its frames (Node\'s 10, not none), so a failing guardrail run says where', async () => {
    const error: Error = await runUnderMocks(settingsFor({ repository: 'acme/web-app' }), 'dev', { connection: 'unreadable' }).then(() => {
      throw new Error('the run was expected to fail');
    }, (e: Error) => e);
    const frames = (error.stack ?? '').split('\n').filter(line => line.startsWith('    at '));
    expect(frames.length).toBeGreaterThan(0);
    expect(error.stack).toContain('mock-run.ts');
  });
});
