import * as fs from 'fs';
import * as path from 'path';
import { MOCK_ACCOUNT, RegisteredResource, isTaggable, runUnderMocks } from './mock-run';
import { PipelineSettings } from './settings';

/** Resource types the pipeline registers, by role. */
export const TYPES = {
  pipeline: 'aws:codepipeline/pipeline:Pipeline',
  project: 'aws:codebuild/project:Project',
  bucket: 'aws:s3/bucket:Bucket',
  versioning: 'aws:s3/bucketVersioning:BucketVersioning',
  encryption: 'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
  publicAccess: 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock',
  ownership: 'aws:s3/bucketOwnershipControls:BucketOwnershipControls',
  lifecycle: 'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration',
  bucketPolicy: 'aws:s3/bucketPolicy:BucketPolicy',
  repository: 'aws:ecr/repository:Repository',
  policy: 'aws:iam/policy:Policy',
  role: 'aws:iam/role:Role',
  attachment: 'aws:iam/rolePolicyAttachment:RolePolicyAttachment',
  rule: 'aws:cloudwatch/eventRule:EventRule',
  topic: 'aws:sns/topic:Topic',
  topicPolicy: 'aws:sns/topicPolicy:TopicPolicy',
  connection: 'aws:codeconnections/connection:Connection',
} as const;

/** Inline S3 bucket properties that @pulumi/aws v7 deprecates in favour of separate resources. */
const INLINE_BUCKET_PROPERTIES = [
  'versioning', 'serverSideEncryptionConfiguration', 'lifecycleRules', 'policy', 'acl', 'grants', 'loggings',
  'website', 'corsRules', 'replicationConfiguration', 'objectLockConfiguration', 'accelerationStatus',
];

export interface GuardrailOptions {
  /** The environment suffix the program runs with.
   * @default - the first listed environment */
  readonly environment?: string;
  /** Repository root holding buildspec.yml and tagging-policy.json (a consumer repo). */
  readonly repoRoot?: string;
}

/** One registered resource of `type` (and `name`), or a failure that says which is missing. */
export function one(resources: RegisteredResource[], type: string, name?: string): RegisteredResource {
  const found = resources.filter(r => r.type === type && (name === undefined || r.name === name));
  if (found.length !== 1) {
    throw new Error(`expected exactly one ${type}${name ? ` named ${name}` : ''}, found ${found.length}`);
  }
  return found[0];
}

export function statementsOf(policy: RegisteredResource): Array<Record<string, any>> {
  const doc = JSON.parse(policy.inputs.policy);
  return doc.Statement;
}

export function asList<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/**
 * Registers jest tests asserting the pipeline's invariants on what the
 * mocked engine registered. Consumer repos run them against their own
 * settings; this library runs them against many.
 */
export function describeGuardrails(title: string, loadSettings: () => PipelineSettings, options: GuardrailOptions = {}): void {
  describe(title, () => {
    let settings: PipelineSettings;
    let environment: string;
    let resources: RegisteredResource[];
    beforeAll(async () => {
      settings = loadSettings();
      environment = options.environment ?? settings.environment.listed[0];
      resources = await runUnderMocks(settings, environment);
    });

    test('the artifact store is a single S3 store with no region (AWS rejects region on single-region pipelines)', () => {
      const stores = one(resources, TYPES.pipeline).inputs.artifactStores;
      expect(stores).toHaveLength(1);
      expect(stores[0].type).toBe('S3');
      expect(stores[0]).not.toHaveProperty('region');
      expect(stores[0].location).toBe(one(resources, TYPES.bucket).inputs.bucket);
      expect(stores[0].encryptionKey.type).toBe('KMS');
    });

    test('the bucket uses separate versioning, encryption, public access, ownership, lifecycle and TLS-only resources', () => {
      const bucket = one(resources, TYPES.bucket);
      for (const property of INLINE_BUCKET_PROPERTIES) expect(bucket.inputs).not.toHaveProperty(property);
      expect(bucket.inputs.forceDestroy).toBe(settings.artifacts.forceDestroy);
      const bucketId = `${bucket.name}-id`;
      expect(one(resources, TYPES.versioning).inputs).toMatchObject({ bucket: bucketId, versioningConfiguration: { status: 'Enabled' } });
      const sse = one(resources, TYPES.encryption).inputs.rules[0];
      expect(sse.applyServerSideEncryptionByDefault.sseAlgorithm).toBe('aws:kms');
      expect(sse.bucketKeyEnabled).toBe(true);
      expect(one(resources, TYPES.publicAccess).inputs).toMatchObject({
        bucket: bucketId, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
      });
      expect(one(resources, TYPES.ownership).inputs.rule.objectOwnership).toBe('BucketOwnerEnforced');
      const rule = one(resources, TYPES.lifecycle).inputs.rules[0];
      expect(rule.noncurrentVersionExpiration.noncurrentDays).toBe(settings.artifacts.noncurrentVersionExpiryDays);
      expect(rule.abortIncompleteMultipartUpload.daysAfterInitiation).toBeGreaterThan(0);
      const [deny] = statementsOf(one(resources, TYPES.bucketPolicy));
      expect(deny).toMatchObject({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    });

    test('the source is the configured GitHub repository and branch through a CodeConnections connection', () => {
      const pipeline = one(resources, TYPES.pipeline);
      const actions = pipeline.inputs.stages.flatMap((s: any) => s.actions);
      const sources = actions.filter((a: any) => a.category === 'Source');
      expect(sources).toHaveLength(1);
      expect(sources[0]).toMatchObject({ owner: 'AWS', provider: 'CodeStarSourceConnection', version: '1' });
      const config = sources[0].configuration;
      expect(config.FullRepositoryId).toBe(settings.source.repository);
      expect(config.BranchName).toBe(settings.source.branch);
      expect(config.DetectChanges).toBe('false');
      expect(config.ConnectionArn).toMatch(/^arn:aws[a-z-]*:(codeconnections|codestar-connections):/);
      if (settings.source.connectionArn) {
        expect(config.ConnectionArn).toBe(settings.source.connectionArn);
        expect(resources.filter(r => r.type === TYPES.connection)).toHaveLength(0);
      } else {
        expect(one(resources, TYPES.connection).inputs.providerType).toBe('GitHub');
      }
      const everything = JSON.stringify(resources.map(r => r.inputs));
      expect(everything).not.toMatch(/OAuthToken|ThirdParty/);
      expect(actions.every((a: any) => a.owner === 'AWS')).toBe(true);
    });

    test('the pipeline is V2 and a push trigger watches the configured branch', () => {
      const pipeline = one(resources, TYPES.pipeline).inputs;
      expect(pipeline.pipelineType).toBe('V2');
      expect(pipeline.triggers).toHaveLength(1);
      const [trigger] = pipeline.triggers;
      expect(trigger.providerType).toBe('CodeStarSourceConnection');
      expect(trigger.gitConfiguration.sourceActionName).toBe(pipeline.stages[0].actions[0].name);
      expect(trigger.gitConfiguration.pushes[0].branches.includes).toEqual([settings.source.branch]);
      const filePaths = trigger.gitConfiguration.pushes[0].filePaths;
      if (settings.source.filePaths.length > 0) expect(filePaths.includes).toEqual(settings.source.filePaths);
      else expect(filePaths).toBeUndefined();
    });

    test('no EventBridge rule listens for CodeCommit, and notifications follow CodePipeline executions', () => {
      const rules = resources.filter(r => r.type === TYPES.rule);
      for (const rule of rules) expect(JSON.parse(rule.inputs.eventPattern).source).not.toContain('aws.codecommit');
      const rule = one(resources, TYPES.rule);
      const pattern = JSON.parse(rule.inputs.eventPattern);
      expect(pattern.source).toEqual(['aws.codepipeline']);
      expect(pattern['detail-type']).toEqual(['CodePipeline Pipeline Execution State Change']);
      expect(pattern.detail.pipeline).toEqual([one(resources, TYPES.pipeline).inputs.name]);
      expect(pattern.detail.state).toEqual(settings.notifications.states);
      expect(rule.inputs.state).toBe('ENABLED');
      expect(rule.inputs).not.toHaveProperty('isEnabled');
      expect(one(resources, TYPES.topic).inputs.kmsMasterKeyId).toBeTruthy();
      const [publish] = statementsOf(one(resources, TYPES.topicPolicy));
      expect(publish).toMatchObject({ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sns:Publish' });
      // The topic's key lets this rule, and only it, encrypt what it publishes.
      const keyPolicy = JSON.parse(one(resources, 'aws:kms/key:Key').inputs.policy).Statement;
      const forEvents = keyPolicy.find((st: any) => st.Principal?.Service === 'events.amazonaws.com');
      expect(forEvents.Action).toEqual(expect.arrayContaining(['kms:GenerateDataKey*', 'kms:Decrypt']));
      expect(forEvents.Condition.ArnEquals['aws:SourceArn']).toMatch(new RegExp(`:rule/${rule.inputs.name}$`));
      const emails = resources.filter(r => r.type === 'aws:sns/topicSubscription:TopicSubscription').map(r => r.inputs.endpoint);
      expect(emails.sort()).toEqual([...settings.notifications.emails].sort());
    });

    test('the pipeline role has every S3 permission CodePipeline needs, on the artifact bucket only', () => {
      const bucketArn = `arn:aws:s3:::${one(resources, TYPES.bucket).inputs.bucket}`;
      const statements = statementsOf(one(resources, TYPES.policy, 'pipeline-policy'));
      const allowed = (action: string, resource: string) => statements.some(s =>
        s.Effect === 'Allow' && asList(s.Action).includes(action) && asList(s.Resource).includes(resource));
      for (const action of ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject']) {
        expect(allowed(action, `${bucketArn}/*`)).toBe(true);
      }
      expect(allowed('s3:GetBucketVersioning', bucketArn)).toBe(true);
      const connectionArn = one(resources, TYPES.pipeline).inputs.stages[0].actions[0].configuration.ConnectionArn;
      expect(allowed(`${connectionArn.split(':')[2]}:UseConnection`, connectionArn)).toBe(true);
      const projectArn = statements.find(s => asList(s.Action).includes('codebuild:StartBuild'))!.Resource;
      expect(projectArn).toMatch(/^arn:aws:codebuild:/);
    });

    test('no IAM statement allows a "*" resource except ecr:GetAuthorizationToken', () => {
      const policies = resources.filter(r => r.type === TYPES.policy);
      expect(policies.length).toBeGreaterThanOrEqual(2);
      for (const policy of policies) {
        for (const statement of statementsOf(policy)) {
          const wildcard = asList(statement.Resource).some((r: string) => r === '*' || /^arn:[^:]*:[^:]*:[^:]*:[^:]*:\*$/.test(r));
          if (wildcard) expect({ policy: policy.name, actions: asList(statement.Action) }).toEqual({ policy: policy.name, actions: ['ecr:GetAuthorizationToken'] });
          expect(asList(statement.Action).some((a: string) => a === '*' || a.endsWith(':*'))).toBe(false);
        }
      }
      // Every role is assumed by exactly one service, from this account only.
      for (const role of resources.filter(r => r.type === TYPES.role)) {
        const [trust] = JSON.parse(role.inputs.assumeRolePolicy).Statement;
        expect(Object.keys(trust.Principal)).toEqual(['Service']);
        expect(trust.Condition.StringEquals['aws:SourceAccount']).toBe(MOCK_ACCOUNT);
      }
    });

    test('resources that need permissions or a finished bucket wait for them (explicit dependencies)', () => {
      const urnOf = (type: string, name?: string) => one(resources, type, name).urn;
      const pipeline = one(resources, TYPES.pipeline);
      for (const needed of [
        urnOf(TYPES.attachment, 'pipeline-policy-attachment'), urnOf(TYPES.versioning), urnOf(TYPES.encryption),
        urnOf(TYPES.publicAccess), urnOf(TYPES.bucketPolicy),
      ]) {
        expect(pipeline.dependencies).toContain(needed);
      }
      expect(one(resources, TYPES.project).dependencies).toContain(urnOf(TYPES.attachment, 'build-policy-attachment'));
      expect(one(resources, 'aws:cloudwatch/eventTarget:EventTarget').dependencies).toContain(urnOf(TYPES.topicPolicy));
    });

    test('the build runs the managed buildspec, privileged for docker, with logs and caches', () => {
      const project = one(resources, TYPES.project).inputs;
      expect(project.source).toEqual({ type: 'CODEPIPELINE', buildspec: settings.build.buildspec });
      expect(project.artifacts.type).toBe('CODEPIPELINE');
      expect(project.environment).toMatchObject({
        computeType: settings.build.computeType, image: settings.build.image, privilegedMode: true, type: 'LINUX_CONTAINER',
      });
      expect(project.environment.environmentVariables.map((v: any) => v.name)).toEqual(
        expect.arrayContaining(['REPOSITORY_URI', 'REPOSITORY_NAME', 'AWS_ACCOUNT_ID']));
      expect(project.buildTimeout).toBe(settings.build.timeoutMinutes);
      expect(project.cache.modes).toEqual(expect.arrayContaining(['LOCAL_DOCKER_LAYER_CACHE', 'LOCAL_SOURCE_CACHE']));
      expect(project.logsConfig.cloudwatchLogs.status).toBe('ENABLED');
      const logGroup = one(resources, 'aws:cloudwatch/logGroup:LogGroup').inputs;
      expect(project.logsConfig.cloudwatchLogs.groupName).toBe(logGroup.name);
      expect(logGroup.retentionInDays).toBe(settings.build.logRetentionDays);
      if (options.repoRoot) {
        const buildspec = fs.readFileSync(path.join(options.repoRoot, settings.build.buildspec), 'utf-8');
        expect(buildspec).toMatch(/^version: "?0\.2"?$/m);
        expect(buildspec).toContain('get-login-password');
      }
    });

    test('the registry scans on push, keeps tags immutable, is KMS-encrypted and expires old images', () => {
      const repository = one(resources, TYPES.repository).inputs;
      expect(repository.imageTagMutability).toBe('IMMUTABLE');
      expect(repository.imageScanningConfiguration.scanOnPush).toBe(true);
      expect(repository.encryptionConfigurations[0].encryptionType).toBe('KMS');
      const rules = JSON.parse(one(resources, 'aws:ecr/lifecyclePolicy:LifecyclePolicy').inputs.policy).rules;
      expect(rules.find((r: any) => r.selection.tagStatus === 'untagged').selection.countNumber).toBe(settings.registry.untaggedExpiryDays);
      expect(rules.find((r: any) => r.selection.tagStatus === 'any').selection.countNumber).toBe(settings.registry.keepImages);
    });

    test('every taggable resource carries every required tag with its configured value', () => {
      const required: Record<string, string> = { ...settings.tags, Environment: environment, ManagedBy: 'Pulumi' };
      const taggable = resources.filter(r => isTaggable(r.type));
      expect(taggable.length).toBeGreaterThanOrEqual(10);
      for (const resource of taggable) {
        expect({ resource: resource.name, tags: resource.inputs.tags }).toEqual({ resource: resource.name, tags: required });
      }
      if (options.repoRoot) {
        const policy = JSON.parse(fs.readFileSync(path.join(options.repoRoot, 'tagging-policy.json'), 'utf-8'));
        for (const rule of Object.values<any>(policy.tags)) {
          const key = rule.tag_key['@@assign'];
          const values: string[] | undefined = rule.tag_value?.['@@assign'];
          expect(required).toHaveProperty([key]);
          if (values) expect(values).toContain(required[key]);
        }
      }
    });

    test('physical names are derived from the pipeline name and the environment suffix', () => {
      const bucket = one(resources, TYPES.bucket).inputs.bucket;
      expect(bucket).toBe(`${settings.name}-${environment}-artifacts-${MOCK_ACCOUNT}`);
      expect(bucket.length).toBeLessThanOrEqual(63);
      expect(one(resources, TYPES.pipeline).inputs.name).toBe(`${settings.name}-${environment}`);
      for (const role of resources.filter(r => r.type === TYPES.role)) expect(role.inputs.name.length).toBeLessThanOrEqual(64);
    });
  });
}
