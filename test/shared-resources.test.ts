import * as fs from 'fs';
import * as path from 'path';
import { FULL_PROPS, PROMOTION_PROPS, SELF_UPDATE_S3, settingsFor, tempDir } from './helpers';
import { platformKeyPolicy } from '../program/infra/features/shared-resources/shared-resources';
import { describeGuardrails } from '../program/infra/guardrails';
import { MOCK_ACCOUNT, MOCK_REGION, runUnderMocks } from '../program/infra/guardrails/mock-run';
import { switchingReport } from '../program/infra/guardrails/shared-resources';
import { CicdPipelineProject } from '../src';
import { renderGuide } from '../src/pipeline-guide';
import { resolvePipeline } from '../src/pipeline-model';
import { PipelineProps } from '../src/pipeline-props';

/** The platform's key (in the mocked stack's account and region) and bucket. */
export const SHARED_KEY_ARN = `arn:aws:kms:${MOCK_REGION}:${MOCK_ACCOUNT}:key/1111aaaa-22bb-33cc-44dd-555566667777`;
export const SHARED_KEY_ALIAS_ARN = `arn:aws:kms:${MOCK_REGION}:${MOCK_ACCOUNT}:alias/platform/pipelines`;
export const SHARED_BUCKET = 'acme-platform-pipeline-artifacts';
const SHARED = { kmsKeyArn: SHARED_KEY_ARN, artifactBucket: SHARED_BUCKET };
/** What sharing both takes out of the stack: its own key, and its bucket with the bucket's configuration. */
const OWN_KEY_AND_BUCKET = [
  'aws:kms/key:Key::key',
  'aws:s3/bucket:Bucket::artifacts',
  'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration::artifacts-lifecycle',
  'aws:s3/bucketOwnershipControls:BucketOwnershipControls::artifacts-ownership',
  'aws:s3/bucketPolicy:BucketPolicy::artifacts-tls-only',
  'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock::artifacts-public-access',
  'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration::artifacts-encryption',
  'aws:s3/bucketVersioning:BucketVersioning::artifacts-versioning',
];

// Every guardrail a consumer runs, with the platform's resources: the promises a shared resource hands to the
// platform are checked as "the stack registers none of it" (shared-resources-guardrails.ts, OWN_*_PROMISES).
describeGuardrails('a pipeline on the platform\'s shared key and bucket', () => settingsFor({ repository: 'acme/web-app', shared: SHARED }));
describeGuardrails('a pipeline on the platform\'s shared key only (by alias ARN), with deploy stages',
  () => settingsFor({ ...PROMOTION_PROPS, shared: { kmsKeyArn: SHARED_KEY_ALIAS_ARN } }), { environment: 'prod' });
describeGuardrails('a pipeline on the platform\'s shared bucket only', () => settingsFor({ repository: 'acme/web-app', shared: { artifactBucket: SHARED_BUCKET } }));
describeGuardrails('a self-updating pipeline with deploy stages on the platform\'s shared key and bucket',
  () => settingsFor({ ...PROMOTION_PROPS, selfUpdate: SELF_UPDATE_S3, shared: SHARED }), { environment: 'prod' });
const consumer = tempDir('consumer-shared');
process.env.PROJEN_DISABLE_POST = 'true';
new CicdPipelineProject({
  name: 'web-app', defaultReleaseBranch: 'main', outdir: consumer, pipeline: { ...FULL_PROPS, name: 'pay', shared: SHARED },
}).synth();
describeGuardrails('a synthesized consumer repository on the platform\'s shared resources',
  () => JSON.parse(fs.readFileSync(path.join(consumer, 'infra', 'pipeline-settings.json'), 'utf-8')), { repoRoot: consumer, environment: 'staging' });

const logical = (urn: string) => urn.split('::').slice(2).join('::');

describe('shared resources under the mocked engine', () => {
  test('with both shared, the stack registers no key and no bucket resource, and nothing else changes logically', async () => {
    const own = await runUnderMocks(settingsFor({ repository: 'acme/web-app' }), 'dev');
    const shared = await runUnderMocks(settingsFor({ repository: 'acme/web-app', shared: SHARED }), 'dev');
    const gone = own.map(r => logical(r.urn)).filter(urn => !shared.some(r => logical(r.urn) === urn));
    expect(gone.map(urn => urn.split('$')[1]).sort()).toEqual(OWN_KEY_AND_BUCKET);
    expect(shared.map(r => logical(r.urn)).filter(urn => !own.some(r => logical(r.urn) === urn))).toEqual([]);
  });

  test('an alias ARN is resolved to its key: IAM grants and log groups name the key ARN, never the alias', async () => {
    const resources = await runUnderMocks(settingsFor({ repository: 'acme/web-app', shared: { kmsKeyArn: SHARED_KEY_ALIAS_ARN } }), 'dev');
    const text = JSON.stringify(resources.map(r => r.inputs));
    expect(text).not.toContain('alias/platform');
    expect(resources.find(r => r.name === 'build-logs')!.inputs.kmsKeyId).toMatch(/:key\//);
  });

  test('the build and pipeline roles reach this pipeline\'s folder of the shared bucket only (CodePipeline\'s first 20 characters)', async () => {
    const resources = await runUnderMocks(settingsFor({ repository: 'acme/web-app', shared: SHARED }), 'dev');
    const objectResources = resources.filter(r => r.type === 'aws:iam/policy:Policy' && ['build-policy', 'pipeline-policy'].includes(r.name))
      .flatMap(r => JSON.parse(r.inputs.policy).Statement).flatMap((s: any) => [s.Resource].flat())
      .filter((resource: string) => resource.startsWith(`arn:aws:s3:::${SHARED_BUCKET}/`));
    expect([...new Set(objectResources)]).toEqual([`arn:aws:s3:::${SHARED_BUCKET}/web-app-dev/*`]);
  });

  describe('deploy-time checks of the platform\'s resources (all problems in one error, nothing registered)', () => {
    const settings = settingsFor({ repository: 'acme/web-app', shared: SHARED });
    test.each([
      ['a disabled key', { keyState: 'Disabled' }, /shared\.kmsKeyArn .* is Disabled, not Enabled/],
      ['a key pending deletion', { keyState: 'PendingDeletion' }, /is PendingDeletion, not Enabled/],
      ['an AWS managed key', { keyManager: 'AWS' as const }, /is an AWS managed key/],
      ['a bucket in another region', { bucketRegion: 'us-east-1' }, /shared\.artifactBucket .* is in us-east-1, the stack in eu-west-1/],
    ])('%s is refused', async (_what, platform, message) => {
      await expect(runUnderMocks(settings, 'dev', { platform })).rejects.toThrow(message);
    });
    test('a key of another region or account is refused before it is looked up', async () => {
      const elsewhere = settingsFor({ repository: 'acme/web-app', shared: { kmsKeyArn: 'arn:aws:kms:us-east-1:444455556666:key/1111aaaa-22bb-33cc-44dd-555566667777' } });
      await expect(runUnderMocks(elsewhere, 'dev')).rejects.toThrow(/is in us-east-1, the stack in eu-west-1[\s\S]*is in account 444455556666, the stack in 123456789012/);
    });
    test('an ephemeral environment whose pipeline name is longer than CodePipeline\'s 20-character folder is refused', async () => {
      await expect(runUnderMocks(settingsFor({ repository: 'acme/web-app', name: 'payments-service', shared: { artifactBucket: SHARED_BUCKET } }), 'pr12345'))
        .rejects.toThrow(/at most 20 characters: "payments-service-pr12345" would share the folder "payments-service-pr1"/);
    });
  });
});

describe('switching an existing stack to shared resources (what a preview will replace, README "Switching")', () => {
  test('both: the key and the bucket with its configuration leave the stack, the ECR repository is replaced (its encryption is fixed)', async () => {
    const report = await switchingReport(settingsFor({ repository: 'acme/web-app', shared: SHARED }), 'dev');
    expect(report.deleted.sort()).toEqual(OWN_KEY_AND_BUCKET);
    expect(report.replaced).toEqual(['aws:ecr/repository:Repository::images']);
  });
  test('the bucket alone replaces nothing: only the bucket and its configuration leave the stack', async () => {
    const report = await switchingReport(settingsFor({ repository: 'acme/web-app', shared: { artifactBucket: SHARED_BUCKET } }), 'dev');
    expect(report.replaced).toEqual([]);
    expect(report.deleted.every(name => name.startsWith('aws:s3/'))).toBe(true);
    expect(report.deleted).toHaveLength(7);
  });
});

describe('the platform key policy the README shows', () => {
  test('is the one the program documents (platformKeyPolicy), statement by statement', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf-8');
    const policy = platformKeyPolicy('aws', 'eu-west-1', '111122223333') as any;
    for (const statement of policy.Statement) expect(readme).toContain(JSON.stringify(statement.Sid));
    const block = /```json\n(\{\n {2}"Version": "2012-10-17",[\s\S]*?)\n```/.exec(readme.slice(readme.indexOf('### The platform\'s key policy')));
    expect(block).not.toBeNull();
    expect(JSON.parse(block![1])).toEqual(policy);
  });
});

describe('bad input: shared resources (option named, nothing written)', () => {
  const problemsOf = (shared: unknown, extra: Partial<PipelineProps> = {}) => {
    try {
      resolvePipeline({ repository: 'acme/web-app', ...extra, shared } as PipelineProps);
      return '';
    } catch (e) {
      return (e as Error).message;
    }
  };
  test.each([
    ['a key id without its ARN', { kmsKeyArn: '1111aaaa-22bb-33cc-44dd-555566667777' }, /pipeline\.shared\.kmsKeyArn: is a key id or alias name without its ARN/],
    ['an alias name without its ARN', { kmsKeyArn: 'alias/platform' }, /pipeline\.shared\.kmsKeyArn: is a key id or alias name without its ARN/],
    ['an AWS managed key alias', { kmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:alias/aws/s3' }, /pipeline\.shared\.kmsKeyArn: names an AWS managed key \(alias\/aws\/s3\)/],
    ['a partition that is not the region\'s', { kmsKeyArn: 'arn:aws:kms:cn-north-1:111122223333:key/1111aaaa-22bb-33cc-44dd-555566667777' }, /region cn-north-1 belongs to partition aws-cn, not aws/],
    ['an account that is not 12 digits', { kmsKeyArn: 'arn:aws:kms:eu-west-1:1111:key/1111aaaa-22bb-33cc-44dd-555566667777' }, /account "1111" is not a 12-digit account id/],
    ['a key ARN with no key id', { kmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/not-a-key' }, /key id "not-a-key" is not a key id/],
    ['another service\'s ARN', { kmsKeyArn: 'arn:aws:s3:::bucket' }, /is not a KMS key or alias ARN/],
    ['a bucket name with capitals', { artifactBucket: 'Platform-Artifacts' }, /pipeline\.shared\.artifactBucket: "Platform-Artifacts" must be lowercase/],
    ['a bucket name too short', { artifactBucket: 'ab' }, /must be 3 to 63 characters/],
    ['a bucket name with adjacent dots', { artifactBucket: 'platform..artifacts' }, /two adjacent dots/],
    ['a bucket name like an IP address', { artifactBucket: '192.168.5.4' }, /IP address/],
    ['a bucket name with a reserved prefix', { artifactBucket: 'xn--platform' }, /begins with "xn--"/],
    ['a bucket name with a reserved suffix', { artifactBucket: 'platform-s3alias' }, /ends with "-s3alias"/],
    ['an unknown key', { bucket: 'x' }, /pipeline\.shared\.bucket/],
  ])('%s is refused', (_what, shared, message) => {
    expect(problemsOf(shared)).toMatch(message);
  });

  test('a key in another partition than the connection is refused', () => {
    expect(problemsOf({ kmsKeyArn: 'arn:aws-cn:kms:cn-north-1:111122223333:key/1111aaaa-22bb-33cc-44dd-555566667777' },
      { connectionArn: FULL_PROPS.connectionArn })).toMatch(/is in partition aws-cn, but the connection \(connectionArn\) is in aws/);
  });

  test('a shared bucket with a pipeline name longer than CodePipeline\'s 20-character folder is refused, per environment', () => {
    const message = problemsOf({ artifactBucket: SHARED_BUCKET }, { name: 'payments-service', environments: ['dev', 'staging'] });
    expect(message).toMatch(/pipeline\.shared\.artifactBucket: needs pipeline names of at most 20 characters[^\n]*"payments-service-staging"/);
    expect(message).not.toMatch(/"payments-service-dev"/);
  });

  test('all problems at once, in Python spelling from .projenrc.py', () => {
    let message = '';
    try {
      resolvePipeline({ repository: 'acme/web-app', shared: { kmsKeyArn: 'alias/aws/s3', artifactBucket: 'ab' } } as PipelineProps, { style: 'python' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/shared\.kms_key_arn/);
    expect(message).toMatch(/shared\.artifact_bucket/);
  });

  test('a bad option writes nothing', () => {
    const outdir = tempDir('shared-bad');
    expect(() => new CicdPipelineProject({
      name: 'web-app', defaultReleaseBranch: 'main', outdir, pipeline: { repository: 'acme/web-app', shared: { kmsKeyArn: 'alias/aws/s3' } },
    })).toThrow(/shared\.kmsKeyArn/);
    expect(fs.existsSync(path.join(outdir, 'infra'))).toBe(false);
  });

  test('a secret pasted as the key ARN is not echoed', () => {
    const message = problemsOf({ kmsKeyArn: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789' });
    expect(message).toMatch(/pipeline\.shared\.kmsKeyArn/);
    expect(message).not.toContain('ghp_abcdefghijklmnopqrstuvwxyz0123456789');
  });
});

describe('the repository\'s pipeline guide (PIPELINE.md) with shared resources', () => {
  test('says before the first deploy which platform resources the pipeline uses, and sets the key\'s region', () => {
    const model = resolvePipeline({ repository: 'acme/web-app', shared: { kmsKeyArn: SHARED_KEY_ARN, artifactBucket: SHARED_BUCKET } });
    const guide = renderGuide({ model, pulumiProject: 'web-app', projenrc: '.projenrc.ts', infraDir: 'infra' });
    const step = guide.indexOf(`the platform's KMS key \`${SHARED_KEY_ARN}\` and the platform's artifact bucket \`${SHARED_BUCKET}\``);
    expect(step).toBeGreaterThan(0);
    expect(step).toBeLessThan(guide.indexOf('run the first deploy'));
    expect(guide).toContain(`pulumi config set aws:region ${MOCK_REGION}`);
  });
  test('without them says nothing of a platform', () => {
    const guide = renderGuide({ model: resolvePipeline({ repository: 'acme/web-app' }), pulumiProject: 'web-app', projenrc: '.projenrc.ts', infraDir: 'infra' });
    expect(guide).not.toContain('the platform\'s');
  });
});
