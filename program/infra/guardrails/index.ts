import * as fs from 'fs';
import * as path from 'path';
import { MOCK_ACCOUNT, MOCK_REGION, RegisteredResource, isTaggable, runUnderMocks } from './mock-run';
import { PIPELINE_COMPONENT_TYPE } from '../pipeline';
import { releaseGateGuardrails } from './release-gates';
import { SELF_UPDATE_FILE_GUARDRAILS, selfUpdateGuardrails } from './self-update';
import { SELF_UPDATE_STAGE } from '../features/self-update/self-update';
import { BUILD_VARIABLES_NAMESPACE, SOURCE_ARTIFACT, SOURCE_VARIABLES_NAMESPACE } from '../parts/codepipeline';
import { PARAMETER_STORE_CONTEXT, SECRETS_MANAGER_CONTEXT } from '../parts/secrets';
import { APPROVAL_ACTION, DEPLOY_ACTION, IMAGE_VARIABLES } from '../parts/stages';
import { DeployStageSettings, PipelineSettings, environmentLifecycle } from '../settings';

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
  ecrLifecycle: 'aws:ecr/lifecyclePolicy:LifecyclePolicy',
  key: 'aws:kms/key:Key',
  logGroup: 'aws:cloudwatch/logGroup:LogGroup',
  policy: 'aws:iam/policy:Policy',
  role: 'aws:iam/role:Role',
  attachment: 'aws:iam/rolePolicyAttachment:RolePolicyAttachment',
  rule: 'aws:cloudwatch/eventRule:EventRule',
  target: 'aws:cloudwatch/eventTarget:EventTarget',
  topic: 'aws:sns/topic:Topic',
  topicPolicy: 'aws:sns/topicPolicy:TopicPolicy',
  subscription: 'aws:sns/topicSubscription:TopicSubscription',
  connection: 'aws:codeconnections/connection:Connection',
} as const;

/**
 * Actions that AWS authorizes on `"*"` only (the Service Authorization Reference lists no resource type
 * for them): pushing images needs a registry token, and reading a log group or a subscription.
 */
const ONLY_ON_ANY_RESOURCE = ['ecr:GetAuthorizationToken', 'logs:DescribeLogGroups', 'sns:GetSubscriptionAttributes'];

/** Inline S3 bucket properties that @pulumi/aws v7 deprecates in favour of separate resources. */
const INLINE_BUCKET_PROPERTIES = [
  'versioning', 'serverSideEncryptionConfiguration', 'lifecycleRules', 'policy', 'acl', 'grants', 'loggings',
  'website', 'corsRules', 'replicationConfiguration', 'objectLockConfiguration', 'accelerationStatus',
];

export interface GuardrailOptions {
  /** The environment suffix the program runs with.
   * @default - the first listed environment */
  readonly environment?: string;
  /** Repository root holding buildspec.yml and tagging-policy.json (a consumer repo).
   * @default - only the checks on registered resources run */
  readonly repoRoot?: string;
}

/** What a check looks at: the settings, the stack's suffix and what the mocked engine registered. */
export interface GuardrailRun {
  readonly settings: PipelineSettings;
  readonly environment: string;
  /** Registered with an authorized (AVAILABLE) connection: the steady state. */
  readonly resources: RegisteredResource[];
  /** Registered before the connection is authorized: the first deploy of a new one, or a configured PENDING one. */
  readonly beforeAuthorization: RegisteredResource[];
}

/** A check that fails (throws) when its promise is broken. */
export type Check = (run: GuardrailRun) => void;

/** A check on the repository's rendered files (buildspec, tagging policy), beside the registered resources. */
export type FileCheck = (run: GuardrailRun, repoRoot: string) => void;

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

const pipelineOf = (resources: RegisteredResource[]) => one(resources, TYPES.pipeline).inputs;
/** The Docker build's project and log group (deploy stages have their own). */
const buildProjectOf = (resources: RegisteredResource[]) => one(resources, TYPES.project, 'build');
const stageOf = (resources: RegisteredResource[], name: string): any => {
  const found = pipelineOf(resources).stages.filter((s: any) => s.name === name);
  if (found.length !== 1) throw new Error(`expected exactly one pipeline stage named ${name}, found ${found.length}`);
  return found[0];
};
/** A deploy stage's approval and deploy actions (the approval undefined when it has none). */
const deployActionsOf = (resources: RegisteredResource[], stage: DeployStageSettings) => {
  const actions: any[] = stageOf(resources, stage.name).actions;
  const approvals = actions.filter(a => a.category === 'Approval');
  const deploys = actions.filter(a => a.name === DEPLOY_ACTION);
  expect({ stage: stage.name, approvals: approvals.length, deploys: deploys.length, actions: actions.length })
    .toEqual({ stage: stage.name, approvals: stage.manualApproval ? 1 : 0, deploys: 1, actions: stage.manualApproval ? 2 : 1 });
  return { approval: approvals[0], deploy: deploys[0] };
};
/** A deploy stage's resources, by the logical names stages.ts gives them. */
const deployResource = (resources: RegisteredResource[], type: string, stage: DeployStageSettings, suffix = '') =>
  one(resources, type, `deploy-${stage.name}${suffix}`);
/** Every resource of a policy's statements that allow `action`, one entry per grant. */
const grantsOf = (policy: RegisteredResource, action: string): string[] => statementsOf(policy)
  .filter(s => s.Effect === 'Allow' && asList(s.Action).includes(action)).flatMap(s => asList(s.Resource));
/** The policy of the role that reads `secrets`: the build's, or a deploy stage's. */
const secretReaders = (resources: RegisteredResource[], settings: PipelineSettings) => [
  { policy: one(resources, TYPES.policy, 'build-policy'), secrets: settings.build.secrets },
  ...settings.stages.map(stage => ({ policy: deployResource(resources, TYPES.policy, stage, '-policy'), secrets: stage.secrets })),
];
const serviceOf = (arn: string) => arn.split(':')[2];
/** The execution-notification rule and its target (the drift check has rules of its own). */
const executionsRuleOf = (resources: RegisteredResource[]) => one(resources, TYPES.rule, 'executions');
/** Whether `policy` is some role's permissions boundary. */
const isBoundary = (resources: RegisteredResource[], policy: RegisteredResource) =>
  resources.some(r => r.type === TYPES.role && r.inputs.permissionsBoundary === `arn:aws:iam::${MOCK_ACCOUNT}:policy/${policy.inputs.name}`);
const topicArnOf = (resources: RegisteredResource[]) => statementsOf(one(resources, TYPES.topicPolicy))[0].Resource;
const actionsOf = (resources: RegisteredResource[]): any[] => pipelineOf(resources).stages.flatMap((s: any) => s.actions);
const sourceActionOf = (resources: RegisteredResource[]) => actionsOf(resources).find(a => a.category === 'Source');
const bucketArnOf = (resources: RegisteredResource[]) => `arn:aws:s3:::${one(resources, TYPES.bucket).inputs.bucket}`;
const allows = (statements: Array<Record<string, any>>, action: string, resource: string) => statements.some(s =>
  s.Effect === 'Allow' && asList(s.Action).includes(action) && asList(s.Resource).includes(resource));
const dependsOn = (resources: RegisteredResource[], dependent: RegisteredResource, type: string, name?: string) =>
  expect({ dependent: dependent.name, waitsFor: dependent.dependencies })
    .toEqual({ dependent: dependent.name, waitsFor: expect.arrayContaining([one(resources, type, name).urn]) });
const lifecycleRules = (resources: RegisteredResource[]): any[] => one(resources, TYPES.lifecycle).inputs.rules;
const keyStatementForEvents = (resources: RegisteredResource[]) => JSON.parse(one(resources, TYPES.key).inputs.policy).Statement
  .find((st: any) => st.Principal?.Service === 'events.amazonaws.com');
/** The bucket's configuration resources, in the order S3 must receive them. */
const BUCKET_CONFIGURATION = [TYPES.versioning, TYPES.encryption, TYPES.publicAccess, TYPES.ownership, TYPES.lifecycle, TYPES.bucketPolicy];
/**
 * The entries of a block list under `key` in the managed buildspec. Read as
 * text: consumer repos have no YAML parser of their own (projen bundles its).
 */
function yamlList(text: string, key: string): string[] {
  const block = new RegExp(`^([ \\t]*)${key}:[ \\t]*\\n((?:\\1[ \\t]+-[^\\n]*\\n?)+)`, 'm').exec(text);
  if (!block) throw new Error(`the buildspec has no block list "${key}"`);
  return block[2].split('\n').map(line => line.replace(/^\s*-\s*/, '').trim().replace(/^(["'])(.*)\1$/, '$2')).filter(Boolean);
}
/** The entries of a block map under `key` (`name: value` lines indented below it); none when the key is absent. */
function yamlMap(text: string, key: string): Record<string, string> {
  const block = new RegExp(`^([ \\t]*)${key}:[ \\t]*\\n((?:\\1[ \\t]+[^\\s-][^\\n]*\\n?)+)`, 'm').exec(text);
  if (!block) return {};
  const unquote = (value: string) => value.trim().replace(/^(["'])(.*)\1$/, '$2');
  return Object.fromEntries(block[2].split('\n').filter(line => line.trim()).map(line => {
    const [name, ...value] = line.split(': ');
    return [unquote(name), unquote(value.join(': '))];
  }));
}
const readBuildspec = (settings: PipelineSettings, repoRoot: string) => fs.readFileSync(path.join(repoRoot, settings.build.buildspec), 'utf-8');
/** Every managed buildspec with the secrets its role is granted: the build's, then each deploy stage's. */
const buildspecsWithSecrets = (settings: PipelineSettings, repoRoot: string) => [
  { file: settings.build.buildspec, text: readBuildspec(settings, repoRoot), secrets: settings.build.secrets },
  ...settings.stages.map(stage => ({ file: stage.buildspec, text: fs.readFileSync(path.join(repoRoot, stage.buildspec), 'utf-8'), secrets: stage.secrets })),
];

/**
 * The pipeline's promises, one check each, on what the mocked engine
 * registered. A failure names the promise that broke.
 */
export const GUARDRAILS: Record<string, Check> = {
  // --- Source and trigger --------------------------------------------------
  'the source is the configured GitHub repository and branch, through an AWS CodeStarSourceConnection action': ({ resources, settings }) => {
    const sources = actionsOf(resources).filter(a => a.category === 'Source');
    expect(sources).toHaveLength(1);
    expect(sources[0]).toMatchObject({ owner: 'AWS', provider: 'CodeStarSourceConnection', version: '1' });
    expect(sources[0].configuration.FullRepositoryId).toBe(settings.source.repository);
    expect(sources[0].configuration.BranchName).toBe(settings.source.branch);
  },
  'the source uses the configured connection, or a GitHub connection the program creates': ({ resources, settings }) => {
    const arn = sourceActionOf(resources).configuration.ConnectionArn;
    expect(arn).toMatch(/^arn:aws[a-z-]*:(codeconnections|codestar-connections):/);
    if (settings.source.connectionArn) {
      expect(arn).toBe(settings.source.connectionArn);
      expect(resources.filter(r => r.type === TYPES.connection)).toHaveLength(0);
    } else {
      expect(one(resources, TYPES.connection).inputs.providerType).toBe('GitHub');
    }
  },
  'no OAuth token, no GitHub v1 (ThirdParty) action: every action is owned by AWS': ({ resources }) => {
    expect(JSON.stringify(resources.map(r => r.inputs))).not.toMatch(/OAuthToken|ThirdParty/);
    expect(actionsOf(resources).every(a => a.owner === 'AWS')).toBe(true);
  },
  'the pipeline is V2 (the provider default V1 has no triggers)': ({ resources }) => {
    expect(pipelineOf(resources).pipelineType).toBe('V2');
  },
  'one push trigger on the source action watches the configured branch and file paths': ({ resources, settings }) => {
    const pipeline = pipelineOf(resources);
    expect(pipeline.triggers).toHaveLength(1);
    const [trigger] = pipeline.triggers;
    expect(trigger.providerType).toBe('CodeStarSourceConnection');
    expect(trigger.gitConfiguration.sourceActionName).toBe(sourceActionOf(resources).name);
    expect(trigger.gitConfiguration.pushes[0].branches.includes).toEqual([settings.source.branch]);
    const filePaths = trigger.gitConfiguration.pushes[0].filePaths;
    if (settings.source.filePaths.length > 0) expect(filePaths.includes).toEqual(settings.source.filePaths);
    else expect(filePaths).toBeUndefined();
  },
  'change detection is off, so one push starts one execution': ({ resources }) => {
    expect(sourceActionOf(resources).configuration.DetectChanges).toBe('false');
  },
  'until the connection is authorized there is no pipeline, only everything else and a nextStep that says what to do': ({ resources, beforeAuthorization }) => {
    expect(beforeAuthorization.filter(r => r.type === TYPES.pipeline)).toEqual([]);
    const logical = (list: RegisteredResource[]) => list.filter(r => r.type !== TYPES.pipeline).map(r => `${r.type}::${r.name}`).sort();
    expect(logical(beforeAuthorization)).toEqual(logical(resources));
    const waiting = one(beforeAuthorization, PIPELINE_COMPONENT_TYPE).outputs;
    expect(waiting.nextStep).toContain(waiting.connectionArn);
    expect(waiting.nextStep).toMatch(/authorize.*npx projen deploy/is);
    expect(one(resources, PIPELINE_COMPONENT_TYPE).outputs.nextStep).toBeUndefined();
  },

  // --- Artifacts -----------------------------------------------------------
  'the artifact store is a single S3 store with no region (AWS rejects region on single-region pipelines)': ({ resources }) => {
    const stores = pipelineOf(resources).artifactStores;
    expect(stores).toHaveLength(1);
    expect(stores[0].type).toBe('S3');
    expect(stores[0]).not.toHaveProperty('region');
    expect(stores[0].location).toBe(one(resources, TYPES.bucket).inputs.bucket);
    expect(stores[0].encryptionKey.type).toBe('KMS');
  },
  'the bucket has no inline configuration (deprecated in @pulumi/aws v7): each part is its own resource': ({ resources }) => {
    const bucket = one(resources, TYPES.bucket);
    for (const property of INLINE_BUCKET_PROPERTIES) expect(bucket.inputs).not.toHaveProperty(property);
    for (const type of [TYPES.versioning, TYPES.encryption, TYPES.publicAccess, TYPES.ownership, TYPES.lifecycle, TYPES.bucketPolicy]) {
      expect({ type, bucket: one(resources, type).inputs.bucket }).toEqual({ type, bucket: `${bucket.name}-id` });
    }
  },
  'the bucket is versioned': ({ resources }) => {
    expect(one(resources, TYPES.versioning).inputs.versioningConfiguration).toEqual({ status: 'Enabled' });
  },
  'the bucket encrypts with KMS and a bucket key': ({ resources }) => {
    const [rule] = one(resources, TYPES.encryption).inputs.rules;
    expect(rule.applyServerSideEncryptionByDefault.sseAlgorithm).toBe('aws:kms');
    expect(rule.bucketKeyEnabled).toBe(true);
  },
  'the bucket blocks all public access': ({ resources }) => {
    expect(one(resources, TYPES.publicAccess).inputs).toMatchObject({
      blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
    });
  },
  'the bucket owner owns every object (ACLs disabled)': ({ resources }) => {
    expect(one(resources, TYPES.ownership).inputs.rule.objectOwnership).toBe('BucketOwnerEnforced');
  },
  'current artifacts expire after the configured days (every run writes new keys)': ({ resources, settings }) => {
    const current = lifecycleRules(resources).filter(r => r.expiration?.days !== undefined);
    expect(current).toEqual([expect.objectContaining({ status: 'Enabled', filter: {}, expiration: { days: settings.artifacts.expiryDays } })]);
  },
  'old artifact versions expire and incomplete uploads are aborted': ({ resources, settings }) => {
    const rules = lifecycleRules(resources);
    expect(rules.map(r => r.noncurrentVersionExpiration?.noncurrentDays).filter(Boolean)).toEqual([settings.artifacts.noncurrentVersionExpiryDays]);
    expect(rules.some(r => r.abortIncompleteMultipartUpload?.daysAfterInitiation > 0)).toBe(true);
  },
  'expired delete markers are removed, by a rule of their own (S3 rejects them beside Days)': ({ resources }) => {
    const markers = lifecycleRules(resources).filter(r => r.expiration?.expiredObjectDeleteMarker === true);
    expect(markers).toHaveLength(1);
    expect(markers[0]).toMatchObject({ status: 'Enabled', filter: {} });
    expect(markers[0].expiration).toEqual({ expiredObjectDeleteMarker: true });
  },
  'the bucket is configured one change at a time (S3 aborts concurrent ones)': ({ resources }) => {
    BUCKET_CONFIGURATION.slice(1).forEach((type, i) => dependsOn(resources, one(resources, type), BUCKET_CONFIGURATION[i]));
  },
  'the bucket refuses requests without TLS': ({ resources }) => {
    const [deny] = statementsOf(one(resources, TYPES.bucketPolicy));
    expect(deny).toMatchObject({ Effect: 'Deny', Principal: '*', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
  },

  // --- Destroy -------------------------------------------------------------
  'the key outlives a long-lived environment, and goes 7 days after an ephemeral one': ({ resources, settings, environment }) => {
    const key = one(resources, TYPES.key);
    const longLived = environmentLifecycle(settings, environment) === 'long-lived';
    expect({ retainOnDelete: key.retainOnDelete, deletionWindowInDays: key.inputs.deletionWindowInDays })
      .toEqual(longLived ? { retainOnDelete: true, deletionWindowInDays: 30 } : { retainOnDelete: false, deletionWindowInDays: 7 });
  },
  'the artifact bucket and its configuration outlive a long-lived environment (unless forceDestroy); an ephemeral one is emptied and deleted': ({ resources, settings, environment }) => {
    const disposable = environmentLifecycle(settings, environment) === 'ephemeral' || settings.artifacts.forceDestroy;
    expect(one(resources, TYPES.bucket).inputs.forceDestroy).toBe(disposable);
    for (const type of [TYPES.bucket, ...BUCKET_CONFIGURATION]) {
      expect({ type, retainOnDelete: one(resources, type).retainOnDelete }).toEqual({ type, retainOnDelete: !disposable });
    }
  },
  'the ECR repository and its lifecycle policy outlive a long-lived environment; an ephemeral one is deleted with its images': ({ resources, settings, environment }) => {
    const ephemeral = environmentLifecycle(settings, environment) === 'ephemeral';
    expect(one(resources, TYPES.repository).inputs.forceDelete).toBe(ephemeral);
    for (const type of [TYPES.repository, TYPES.ecrLifecycle]) {
      expect({ type, retainOnDelete: one(resources, type).retainOnDelete }).toEqual({ type, retainOnDelete: !ephemeral });
    }
  },

  // --- Registry ------------------------------------------------------------
  'image tags are immutable': ({ resources }) => {
    expect(one(resources, TYPES.repository).inputs.imageTagMutability).toBe('IMMUTABLE');
  },
  'images are scanned on push': ({ resources }) => {
    expect(one(resources, TYPES.repository).inputs.imageScanningConfiguration.scanOnPush).toBe(true);
  },
  'the registry is KMS-encrypted': ({ resources }) => {
    expect(one(resources, TYPES.repository).inputs.encryptionConfigurations[0].encryptionType).toBe('KMS');
  },
  'untagged images expire and only the configured number of images is kept': ({ resources, settings }) => {
    const rules = JSON.parse(one(resources, TYPES.ecrLifecycle).inputs.policy).rules;
    expect(rules.find((r: any) => r.selection.tagStatus === 'untagged').selection.countNumber).toBe(settings.registry.untaggedExpiryDays);
    expect(rules.find((r: any) => r.selection.tagStatus === 'any').selection.countNumber).toBe(settings.registry.keepImages);
  },

  // --- Build ---------------------------------------------------------------
  'the build runs the managed buildspec on the pipeline\'s artifacts': ({ resources, settings }) => {
    const project = buildProjectOf(resources).inputs;
    expect(project.source).toEqual({ type: 'CODEPIPELINE', buildspec: settings.build.buildspec });
    expect(project.artifacts.type).toBe('CODEPIPELINE');
  },
  'the build runs privileged (docker) on the configured image and compute type': ({ resources, settings }) => {
    expect(buildProjectOf(resources).inputs.environment).toMatchObject({
      computeType: settings.build.computeType, image: settings.build.image, privilegedMode: true, type: 'LINUX_CONTAINER',
    });
  },
  'the build knows the repository URI and name and the account id': ({ resources }) => {
    expect(buildProjectOf(resources).inputs.environment.environmentVariables.map((v: any) => v.name)).toEqual(
      expect.arrayContaining(['REPOSITORY_URI', 'REPOSITORY_NAME', 'AWS_ACCOUNT_ID']));
  },
  'the build stops after the configured timeout': ({ resources, settings }) => {
    expect(buildProjectOf(resources).inputs.buildTimeout).toBe(settings.build.timeoutMinutes);
  },
  'the build caches the source and docker layers': ({ resources }) => {
    expect(buildProjectOf(resources).inputs.cache.modes).toEqual(expect.arrayContaining(['LOCAL_DOCKER_LAYER_CACHE', 'LOCAL_SOURCE_CACHE']));
  },
  'the Build action publishes its variables under the BuildVariables namespace': ({ resources }) => {
    const builds = stageOf(resources, 'Build').actions;
    expect(builds.map((a: any) => a.namespace)).toEqual([BUILD_VARIABLES_NAMESPACE]);
  },
  'build logs go to their log group, kept for the configured days': ({ resources, settings }) => {
    const logs = buildProjectOf(resources).inputs.logsConfig.cloudwatchLogs;
    const logGroup = one(resources, TYPES.logGroup, 'build-logs').inputs;
    expect(logs.status).toBe('ENABLED');
    expect(logs.groupName).toBe(logGroup.name);
    expect(logGroup.retentionInDays).toBe(settings.build.logRetentionDays);
  },

  // --- Notifications -------------------------------------------------------
  'no EventBridge rule listens for CodeCommit (it can never fire for GitHub)': ({ resources }) => {
    // A scheduled rule (the drift check's) has no event pattern.
    for (const rule of resources.filter(r => r.type === TYPES.rule && r.inputs.eventPattern)) {
      expect(JSON.parse(rule.inputs.eventPattern).source).not.toContain('aws.codecommit');
    }
  },
  'the notification rule follows this pipeline\'s executions in the configured states': ({ resources, settings }) => {
    const pattern = JSON.parse(executionsRuleOf(resources).inputs.eventPattern);
    expect(pattern.source).toEqual(['aws.codepipeline']);
    expect(pattern['detail-type']).toEqual(['CodePipeline Pipeline Execution State Change']);
    expect(pattern.detail.pipeline).toEqual([pipelineOf(resources).name]);
    expect(pattern.detail.state).toEqual(settings.notifications.states);
  },
  'the notification rule is enabled with `state` (not the deprecated isEnabled)': ({ resources }) => {
    const rule = executionsRuleOf(resources).inputs;
    expect(rule.state).toBe('ENABLED');
    expect(rule).not.toHaveProperty('isEnabled');
  },
  'the topic is KMS-encrypted and only this stack\'s rules that target it may publish to it (aws:SourceArn on the topic policy)': ({ resources }) => {
    const topic = one(resources, TYPES.topic);
    expect(topic.inputs.kmsMasterKeyId).toBeTruthy();
    const [publish] = statementsOf(one(resources, TYPES.topicPolicy));
    expect(publish).toMatchObject({ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sns:Publish' });
    // The executions rule, and with self-update the drift check's failures: the rules whose target is the topic.
    const publishers = resources.filter(r => r.type === TYPES.target && r.inputs.arn === topicArnOf(resources))
      .map(target => target.inputs.rule);
    expect(publishers).toContain(executionsRuleOf(resources).inputs.name);
    expect(asList(publish.Condition.ArnEquals['aws:SourceArn']).sort())
      .toEqual(publishers.map(name => `arn:aws:events:${MOCK_REGION}:${MOCK_ACCOUNT}:rule/${name}`).sort());
  },
  'no aws:SourceArn or aws:SourceAccount condition for EventBridge on the topic\'s key (SNS does not support them there)': ({ resources }) => {
    const forEvents = keyStatementForEvents(resources);
    expect(JSON.stringify(forEvents.Condition ?? {})).not.toMatch(/aws:SourceArn|aws:SourceAccount|aws:SourceOrgID/i);
  },
  'the topic\'s key lets EventBridge encrypt for this topic only (kms:EncryptionContext:aws:sns:topicArn)': ({ resources }) => {
    const forEvents = keyStatementForEvents(resources);
    expect(forEvents.Action).toEqual(expect.arrayContaining(['kms:GenerateDataKey*', 'kms:Decrypt']));
    // The ARN the program builds from the topic's name must be the ARN AWS gives the topic.
    const topicArn = statementsOf(one(resources, TYPES.topicPolicy))[0].Resource;
    expect(topicArn).toBe(`arn:aws:sns:${MOCK_REGION}:${MOCK_ACCOUNT}:${one(resources, TYPES.topic).inputs.name}`);
    expect(forEvents.Condition).toEqual({ StringEquals: { 'kms:EncryptionContext:aws:sns:topicArn': topicArn } });
  },
  'every configured e-mail address (notifications and approvals) is subscribed once': ({ resources, settings }) => {
    const emails = resources.filter(r => r.type === TYPES.subscription).map(r => r.inputs.endpoint.toLowerCase());
    const configured = [...settings.notifications.emails, ...settings.stages.flatMap(stage => stage.manualApproval?.emails ?? [])];
    expect(emails.sort()).toEqual([...new Set(configured.map(email => email.toLowerCase()))].sort());
  },

  // --- Deploy stages -------------------------------------------------------
  'the stages are Source, UpdatePipeline (with self-update), Build, then the deploy stages in the configured order': ({ resources, settings }) => {
    expect(pipelineOf(resources).stages.map((s: any) => s.name)).toEqual([
      'Source', ...(settings.selfUpdate ? [SELF_UPDATE_STAGE] : []), 'Build', ...settings.stages.map(stage => stage.name),
    ]);
  },
  'the execution mode is the configured one (QUEUED unless set, when there are deploy stages)': ({ resources, settings }) => {
    expect(pipelineOf(resources).executionMode).toBe(settings.executionMode);
  },
  'a stage that asks for approval waits for it before it deploys, and the request goes to the pipeline\'s topic': ({ resources, settings }) => {
    for (const stage of settings.stages) {
      const { approval, deploy } = deployActionsOf(resources, stage);
      if (!approval) continue;
      expect(approval).toMatchObject({ name: APPROVAL_ACTION, owner: 'AWS', provider: 'Manual', version: '1' });
      expect({ stage: stage.name, approvalFirst: approval.runOrder < deploy.runOrder }).toEqual({ stage: stage.name, approvalFirst: true });
      expect(approval.configuration.NotificationArn).toBe(topicArnOf(resources));
    }
  },
  'every approval request shows the commit and the image digest, and links to the commit': ({ resources, settings }) => {
    const commit = `#{${SOURCE_VARIABLES_NAMESPACE}.CommitId}`;
    for (const stage of settings.stages) {
      const { approval } = deployActionsOf(resources, stage);
      if (!approval) continue;
      expect(sourceActionOf(resources).namespace).toBe(SOURCE_VARIABLES_NAMESPACE);
      const { CustomData, ExternalEntityLink } = approval.configuration;
      expect(CustomData).toContain(commit);
      expect(CustomData).toContain(`#{${BUILD_VARIABLES_NAMESPACE}.IMAGE_DIGEST}`);
      expect(ExternalEntityLink).toBe(`https://github.com/${settings.source.repository}/commit/${commit}`);
      // CodePipeline rejects an action configuration value of more than 1000 characters ("Variables reference", limits).
      expect(Math.max(CustomData.length, ExternalEntityLink.length)).toBeLessThanOrEqual(1000);
    }
  },
  'every deploy action receives the image the Build stage exported, and the Build stage\'s artifact': ({ resources, settings }) => {
    const [build] = stageOf(resources, 'Build').actions;
    for (const stage of settings.stages) {
      const { deploy } = deployActionsOf(resources, stage);
      expect(deploy).toMatchObject({ category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' });
      expect(deploy.inputArtifacts).toEqual(expect.arrayContaining([SOURCE_ARTIFACT, ...build.outputArtifacts]));
      expect(deploy.configuration.PrimarySource).toBe(SOURCE_ARTIFACT);
      expect(deploy.configuration.ProjectName).toBe(deployResource(resources, TYPES.project, stage).inputs.name);
      expect(JSON.parse(deploy.configuration.EnvironmentVariables)).toEqual(
        IMAGE_VARIABLES.map(name => ({ name, value: `#{${BUILD_VARIABLES_NAMESPACE}.${name}}`, type: 'PLAINTEXT' })));
    }
  },
  'no deploy stage can build an image: its project is not privileged, runs its own buildspec, and its role cannot push to ECR': ({ resources, settings }) => {
    for (const stage of settings.stages) {
      const project = deployResource(resources, TYPES.project, stage).inputs;
      expect({ stage: stage.name, privilegedMode: project.environment.privilegedMode }).toEqual({ stage: stage.name, privilegedMode: false });
      expect(project.source).toEqual({ type: 'CODEPIPELINE', buildspec: stage.buildspec });
      const actions = statementsOf(deployResource(resources, TYPES.policy, stage, '-policy')).flatMap(st => asList(st.Action));
      expect({ stage: stage.name, ecr: actions.filter((a: string) => a.startsWith('ecr:')) }).toEqual({ stage: stage.name, ecr: [] });
    }
  },
  'each deploy role may assume only its stage\'s target role, and no other role may assume any': ({ resources, settings }) => {
    const targets = new Map(settings.stages.map(stage => [`deploy-${stage.name}-policy`, stage.assumeRoleArn]));
    // A permissions boundary grants nothing: it only lets the deploy roles' own grants hold.
    for (const policy of resources.filter(r => r.type === TYPES.policy && !isBoundary(resources, r))) {
      const target = targets.get(policy.name);
      expect({ policy: policy.name, assumes: grantsOf(policy, 'sts:AssumeRole') }).toEqual({ policy: policy.name, assumes: target ? [target] : [] });
    }
  },
  'deploy roles read the pipeline\'s artifacts and never write them': ({ resources, settings }) => {
    const bucketArn = bucketArnOf(resources);
    for (const stage of settings.stages) {
      const statements = statementsOf(deployResource(resources, TYPES.policy, stage, '-policy'));
      expect(allows(statements, 's3:GetObject', `${bucketArn}/*`)).toBe(true);
      const writes = statements.flatMap(st => asList(st.Action)).filter((a: string) => /^s3:(Put|Delete|Create)/.test(a));
      expect({ stage: stage.name, writes }).toEqual({ stage: stage.name, writes: [] });
    }
  },
  'each deploy stage logs to its own log group, kept for the configured days, which the pipeline key may encrypt': ({ resources, settings }) => {
    const keyLogs = JSON.parse(one(resources, TYPES.key).inputs.policy).Statement
      .find((st: any) => st.Principal?.Service?.startsWith('logs.')).Condition.ArnEquals['kms:EncryptionContext:aws:logs:arn'];
    for (const stage of settings.stages) {
      const logGroup = deployResource(resources, TYPES.logGroup, stage, '-logs').inputs;
      expect(deployResource(resources, TYPES.project, stage).inputs.logsConfig.cloudwatchLogs).toEqual({ groupName: logGroup.name, status: 'ENABLED' });
      expect(logGroup.retentionInDays).toBe(settings.build.logRetentionDays);
      expect(asList(keyLogs)).toContain(`arn:aws:logs:${MOCK_REGION}:${MOCK_ACCOUNT}:log-group:${logGroup.name}`);
    }
  },
  'a stage rolls back on failure exactly when configured (V2 onFailure ROLLBACK)': ({ resources, settings }) => {
    // A stage that retries on failure has onFailure RETRY instead (release-gates-guardrails.ts).
    for (const stage of settings.stages.filter(s => !s.guard?.retryOnFailure)) {
      expect({ stage: stage.name, onFailure: stageOf(resources, stage.name).onFailure })
        .toEqual({ stage: stage.name, onFailure: stage.rollbackOnFailure ? { result: 'ROLLBACK' } : undefined });
    }
  },
  'the pipeline role may publish to its own topic only when a stage asks for approval': ({ resources, settings }) => {
    const approvals = settings.stages.some(stage => stage.manualApproval !== undefined);
    expect(grantsOf(one(resources, TYPES.policy, 'pipeline-policy'), 'sns:Publish')).toEqual(approvals ? [topicArnOf(resources)] : []);
  },

  // --- Secrets -------------------------------------------------------------
  'every secret is granted exactly once, to the role whose buildspec reads it, and to no other': ({ resources, settings }) => {
    for (const { policy, secrets } of secretReaders(resources, settings)) {
      for (const [action, service] of [['secretsmanager:GetSecretValue', 'secretsmanager'], ['ssm:GetParameters', 'ssm']]) {
        const expected = [...new Set(secrets.filter(arn => serviceOf(arn) === service))].sort();
        expect({ policy: policy.name, action, grants: grantsOf(policy, action).sort() }).toEqual({ policy: policy.name, action, grants: expected });
      }
    }
    const pipelineActions = statementsOf(one(resources, TYPES.policy, 'pipeline-policy')).flatMap(st => asList(st.Action));
    expect(pipelineActions.filter((a: string) => /^(secretsmanager|ssm):/.test(a))).toEqual([]);
  },
  'secrets are referenced by ARN: no policy or action configuration holds anything but the configured ARNs': ({ resources, settings }) => {
    const configured = new Set([...settings.build.secrets, ...settings.stages.flatMap(stage => stage.secrets)]);
    for (const arn of configured) expect(arn).toMatch(/^arn:aws[a-z-]*:(secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}|ssm:[a-z0-9-]+:\d{12}:parameter\/.+)$/);
    const referenced = JSON.stringify(resources.map(r => r.inputs)).match(/arn:aws[a-z-]*:(secretsmanager|ssm):[^"\\]*/g) ?? [];
    // With self-update on Pulumi Cloud, its access token is a configured secret too (self-update-guardrails checks its use).
    const token = settings.selfUpdate?.accessTokenSecretArn;
    expect([...new Set(referenced)].filter(arn => !configured.has(arn) && arn !== token)).toEqual([]);
  },
  'kms:Decrypt for secrets works only through Secrets Manager or Parameter Store, and only for the secrets granted': ({ resources, settings }) => {
    for (const { policy, secrets } of secretReaders(resources, settings)) {
      const wildcard = statementsOf(policy).filter(st => asList(st.Resource).some((r: string) => /:kms:[^:]*:[^:]*:key\/\*$/.test(r)));
      const expected = [
        ...(secrets.some(arn => serviceOf(arn) === 'secretsmanager') ? [['secretsmanager', SECRETS_MANAGER_CONTEXT]] : []),
        ...(secrets.some(arn => serviceOf(arn) === 'ssm') ? [['ssm', PARAMETER_STORE_CONTEXT]] : []),
      ];
      expect({ policy: policy.name, statements: wildcard.length }).toEqual({ policy: policy.name, statements: expected.length });
      for (const [service, contextKey] of expected) {
        const statement = wildcard.find(st => st.Condition?.StringEquals?.[contextKey] !== undefined);
        expect(statement).toMatchObject({ Effect: 'Allow', Action: 'kms:Decrypt' });
        const condition = statement!.Condition.StringEquals;
        expect(Object.keys(condition).sort()).toEqual(['kms:ViaService', contextKey].sort());
        for (const endpoint of asList(condition['kms:ViaService'])) expect(endpoint).toMatch(new RegExp(`^${service}\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?$`));
        expect([...asList(condition[contextKey])].sort()).toEqual([...new Set(secrets.filter(arn => serviceOf(arn) === service))].sort());
      }
    }
  },

  // --- Permissions ---------------------------------------------------------
  'the pipeline role has AWS\'s minimum S3 permissions for CodePipeline, on the artifact bucket only': ({ resources }) => {
    const bucketArn = bucketArnOf(resources);
    const statements = statementsOf(one(resources, TYPES.policy, 'pipeline-policy'));
    for (const action of ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:PutObjectAcl']) {
      expect({ action, allowed: allows(statements, action, `${bucketArn}/*`) }).toEqual({ action, allowed: true });
    }
    for (const action of ['s3:GetBucketVersioning', 's3:GetBucketAcl', 's3:GetBucketLocation']) {
      expect({ action, allowed: allows(statements, action, bucketArn) }).toEqual({ action, allowed: true });
    }
  },
  'the build role has AWS\'s minimum S3 and log permissions for CodeBuild, on this stack\'s bucket and log group only': ({ resources }) => {
    const bucketArn = bucketArnOf(resources);
    const statements = statementsOf(one(resources, TYPES.policy, 'build-policy'));
    for (const action of ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject']) {
      expect({ action, allowed: allows(statements, action, `${bucketArn}/*`) }).toEqual({ action, allowed: true });
    }
    for (const action of ['s3:GetBucketAcl', 's3:GetBucketLocation']) {
      expect({ action, allowed: allows(statements, action, bucketArn) }).toEqual({ action, allowed: true });
    }
    const logs = statements.find(st => asList(st.Action).includes('logs:PutLogEvents'))!;
    expect(asList(logs.Action)).toEqual(expect.arrayContaining(['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents']));
    const logGroup = one(resources, TYPES.logGroup, 'build-logs').inputs.name;
    for (const resource of asList(logs.Resource)) expect(resource).toContain(`:log-group:${logGroup}`);
  },
  'the pipeline role may use the connection, under the service prefix of its ARN': ({ resources }) => {
    const statements = statementsOf(one(resources, TYPES.policy, 'pipeline-policy'));
    const connectionArn = sourceActionOf(resources).configuration.ConnectionArn;
    expect(allows(statements, `${connectionArn.split(':')[2]}:UseConnection`, connectionArn)).toBe(true);
  },
  // The build, deploy and update projects; not the drift check's, which its schedule starts.
  'the pipeline role may start and watch only the projects its CodeBuild actions run, each once': ({ resources }) => {
    const policy = one(resources, TYPES.policy, 'pipeline-policy');
    const run = actionsOf(resources).filter(a => a.provider === 'CodeBuild').map(a => a.configuration.ProjectName);
    expect(run).toContain(buildProjectOf(resources).inputs.name);
    const projects = run.map(name => `arn:aws:codebuild:${MOCK_REGION}:${MOCK_ACCOUNT}:project/${name}`).sort();
    for (const action of ['codebuild:StartBuild', 'codebuild:BatchGetBuilds']) {
      expect({ action, projects: grantsOf(policy, action).sort() }).toEqual({ action, projects });
    }
  },
  'no IAM statement allows a "*" resource, except for the actions AWS authorizes on "*" only': ({ resources }) => {
    const policies = resources.filter(r => r.type === TYPES.policy);
    expect(policies.length).toBeGreaterThanOrEqual(2);
    for (const policy of policies) {
      for (const statement of statementsOf(policy).filter(st => st.Effect === 'Allow')) {
        const wildcard = asList(statement.Resource).some((r: string) => r === '*' || /^arn:[^:]*:[^:]*:[^:]*:[^:]*:\*$/.test(r));
        if (wildcard) {
          const others = asList(statement.Action).filter((action: string) => !ONLY_ON_ANY_RESOURCE.includes(action));
          expect({ policy: policy.name, others }).toEqual({ policy: policy.name, others: [] });
        }
      }
    }
  },
  'no IAM statement allows every action of a service (a permissions boundary, which grants nothing, aside)': ({ resources }) => {
    for (const policy of resources.filter(r => r.type === TYPES.policy && !isBoundary(resources, r))) {
      for (const statement of statementsOf(policy)) {
        expect({ policy: policy.name, wildcard: asList(statement.Action).filter((a: string) => a === '*' || a.endsWith(':*')) })
          .toEqual({ policy: policy.name, wildcard: [] });
      }
    }
  },
  'every role is assumed by exactly one service, from this account only': ({ resources }) => {
    const roles = resources.filter(r => r.type === TYPES.role);
    expect(roles.length).toBeGreaterThanOrEqual(2);
    for (const role of roles) {
      const [trust] = JSON.parse(role.inputs.assumeRolePolicy).Statement;
      expect(Object.keys(trust.Principal)).toEqual(['Service']);
      expect(trust.Condition.StringEquals['aws:SourceAccount']).toBe(MOCK_ACCOUNT);
    }
  },

  // --- Creation order ------------------------------------------------------
  'the pipeline waits for its role policy': ({ resources }) => {
    dependsOn(resources, one(resources, TYPES.pipeline), TYPES.attachment, 'pipeline-policy-attachment');
  },
  'the pipeline waits for the bucket\'s whole configuration (versioning to TLS-only policy) before its first artifact': ({ resources }) => {
    const pipeline = one(resources, TYPES.pipeline);
    for (const type of BUCKET_CONFIGURATION) dependsOn(resources, pipeline, type);
  },
  'every build project waits for its role\'s policies': ({ resources }) => {
    dependsOn(resources, buildProjectOf(resources), TYPES.attachment, 'build-policy-attachment');
    // A deploy stage's prefix (`deploy-a-`) may begin another's (`deploy-a-b`): those are checked by exact name below.
    for (const project of resources.filter(r => r.type === TYPES.project && !r.name.startsWith('deploy-'))) {
      const attachments = resources.filter(r => r.type === TYPES.attachment && r.name.startsWith(`${project.name}-`));
      expect({ project: project.name, attachments: attachments.length > 0 }).toEqual({ project: project.name, attachments: true });
      for (const attachment of attachments) dependsOn(resources, project, TYPES.attachment, attachment.name);
    }
  },
  'every deploy project waits for its role policy': ({ resources, settings }) => {
    for (const stage of settings.stages) {
      dependsOn(resources, deployResource(resources, TYPES.project, stage), TYPES.attachment, `deploy-${stage.name}-policy-attachment`);
    }
  },
  'every rule\'s target on the topic waits for the topic policy': ({ resources }) => {
    dependsOn(resources, one(resources, TYPES.target, 'executions-to-topic'), TYPES.topicPolicy);
    for (const target of resources.filter(r => r.type === TYPES.target && r.inputs.arn === topicArnOf(resources))) {
      dependsOn(resources, target, TYPES.topicPolicy);
    }
  },
  'the notification rule, its target and the topic policy exist before the pipeline, so its first run is reported': ({ resources }) => {
    const pipeline = one(resources, TYPES.pipeline);
    dependsOn(resources, pipeline, TYPES.rule, 'executions');
    dependsOn(resources, pipeline, TYPES.target, 'executions-to-topic');
    dependsOn(resources, pipeline, TYPES.topicPolicy);
    expect(executionsRuleOf(resources).dependencies).not.toContain(pipeline.urn);
  },

  // --- Names and tags ------------------------------------------------------
  'every taggable resource carries every required tag with its configured value': ({ resources, settings, environment }) => {
    const required: Record<string, string> = { ...settings.tags, Environment: environment, ManagedBy: 'Pulumi' };
    const taggable = resources.filter(r => isTaggable(r.type));
    expect(taggable.length).toBeGreaterThanOrEqual(10);
    const { key } = settings.fleet.versionTag;
    for (const resource of taggable) {
      // The fleet's version tag is the pipeline's and the build projects' (checked below).
      const { [key]: _version, ...tags } = resource.inputs.tags ?? {};
      expect({ resource: resource.name, tags }).toEqual({ resource: resource.name, tags: required });
    }
  },
  'the pipeline and its build projects carry the type\'s version (fleet view); no other resource does': ({ resources, settings }) => {
    const { key, value } = settings.fleet.versionTag;
    const versioned = resources.filter(r => r.inputs.tags?.[key] !== undefined).map(r => `${r.type}::${r.name}`).sort();
    const expected = resources.filter(r => r.type === TYPES.pipeline || r.type === TYPES.project).map(r => `${r.type}::${r.name}`).sort();
    expect(versioned).toEqual(expected);
    expect(expected.length).toBeGreaterThanOrEqual(2);
    for (const resource of resources.filter(r => r.inputs.tags?.[key] !== undefined)) expect(resource.inputs.tags[key]).toBe(value);
  },
  'physical names are derived from the pipeline name and the environment suffix': ({ resources, settings, environment }) => {
    expect(one(resources, TYPES.bucket).inputs.bucket).toBe(`${settings.name}-${environment}-artifacts-${MOCK_ACCOUNT}`);
    expect(pipelineOf(resources).name).toBe(`${settings.name}-${environment}`);
  },
  'every name fits its AWS limit (S3 bucket 63, IAM role 64)': ({ resources }) => {
    expect(one(resources, TYPES.bucket).inputs.bucket.length).toBeLessThanOrEqual(63);
    for (const role of resources.filter(r => r.type === TYPES.role)) expect(role.inputs.name.length).toBeLessThanOrEqual(64);
  },

  // --- Release gates: stage conditions, alarm reads, notifications (release-gates-guardrails.ts) ---
  ...releaseGateGuardrails({ one, statementsOf, asList, TYPES }),

  // --- Self-update, drift check, permissions boundary (self-update-guardrails.ts) ---
  ...selfUpdateGuardrails({ one, statementsOf, asList, TYPES }),
};

/** The promises about the repository's own managed files, checked where they exist (a consumer repo). */
export const FILE_GUARDRAILS: Record<string, FileCheck> = {
  'the buildspec at the configured path is a version 0.2 spec that logs in to ECR': ({ settings }, repoRoot) => {
    const buildspec = readBuildspec(settings, repoRoot);
    expect(buildspec).toMatch(/^version: "?0\.2"?$/m);
    expect(buildspec).toContain('get-login-password');
  },
  'every exported build variable is set with export (CodeBuild reads them from the environment)': ({ settings }, repoRoot) => {
    const text = readBuildspec(settings, repoRoot);
    const exported = yamlList(text, 'exported-variables');
    expect(exported).toEqual(expect.arrayContaining(['IMAGE_TAG', 'IMAGE_URI', 'IMAGE_DIGEST']));
    for (const name of exported) {
      expect({ name, exportedBy: new RegExp(`(^|[\\s"';&|])export ${name}(=|[\\s"']|$)`, 'm').test(text) }).toEqual({ name, exportedBy: true });
    }
  },
  'the build hands on imagedefinitions.json (ECS standard deploy) and imageDetail.json (ECS blue/green)': ({ settings }, repoRoot) => {
    const text = readBuildspec(settings, repoRoot);
    expect(yamlList(text, 'files')).toEqual(expect.arrayContaining(['imagedefinitions.json', 'imageDetail.json']));
    expect(text).toMatch(/"imageUri".*> imagedefinitions\.json/);
    expect(text).toMatch(/"ImageURI".*> imageDetail\.json/);
  },
  'every deploy stage has its managed buildspec, which never builds or pushes an image': ({ settings }, repoRoot) => {
    for (const stage of settings.stages) {
      const text = fs.readFileSync(path.join(repoRoot, stage.buildspec), 'utf-8');
      expect(text).toMatch(/^version: "?0\.2"?$/m);
      expect({ file: stage.buildspec, docker: text.match(/docker\s+(build|buildx|push|image\s+push)/)?.[0] }).toEqual({ file: stage.buildspec, docker: undefined });
      expect(yamlMap(text, 'variables').DEPLOY_STAGE).toBe(stage.name);
    }
  },
  'buildspecs hold secrets only as references to exactly the ARNs their role may read': ({ settings }, repoRoot) => {
    for (const { file, text, secrets } of buildspecsWithSecrets(settings, repoRoot)) {
      const referenced = [...Object.values(yamlMap(text, 'secrets-manager')), ...Object.values(yamlMap(text, 'parameter-store'))];
      expect({ file, referenced: [...new Set(referenced)].sort() }).toEqual({ file, referenced: [...secrets].sort() });
    }
  },
  'a deploy buildspec assumes exactly its stage\'s target role, and only when it has one': ({ settings }, repoRoot) => {
    for (const stage of settings.stages) {
      const text = fs.readFileSync(path.join(repoRoot, stage.buildspec), 'utf-8');
      expect({ file: stage.buildspec, target: yamlMap(text, 'variables').ASSUME_ROLE_ARN, assumes: text.includes('sts assume-role') })
        .toEqual({ file: stage.buildspec, target: stage.assumeRoleArn, assumes: stage.assumeRoleArn !== undefined });
    }
  },
  'the tagging policy requires exactly the tag values the resources carry': ({ settings, environment }, repoRoot) => {
    const required: Record<string, string> = { ...settings.tags, Environment: environment, ManagedBy: 'Pulumi' };
    const policy = JSON.parse(fs.readFileSync(path.join(repoRoot, 'tagging-policy.json'), 'utf-8'));
    for (const rule of Object.values<any>(policy.tags)) {
      const key = rule.tag_key['@@assign'];
      const values: string[] | undefined = rule.tag_value?.['@@assign'];
      expect(required).toHaveProperty([key]);
      if (values) expect(values).toContain(required[key]);
    }
  },
  ...SELF_UPDATE_FILE_GUARDRAILS,
};

/**
 * Registers one jest test per guardrail, on what the mocked engine
 * registered. Consumer repos run them against their own settings; this
 * library runs them against many.
 */
export function describeGuardrails(title: string, loadSettings: () => PipelineSettings, options: GuardrailOptions = {}): void {
  describe(title, () => {
    let run: GuardrailRun;
    beforeAll(async () => {
      const settings = loadSettings();
      const environment = options.environment ?? settings.environment.listed[0];
      const resources = await runUnderMocks(settings, environment);
      // A configured connection may be PENDING; a created one does not exist before the first deploy.
      const beforeAuthorization = await runUnderMocks(settings, environment, { connection: settings.source.connectionArn ? 'PENDING' : 'absent' });
      run = { settings, environment, resources, beforeAuthorization };
    });

    for (const [promise, check] of Object.entries(GUARDRAILS)) test(promise, () => check(run));
    const repoRoot = options.repoRoot;
    if (repoRoot !== undefined) {
      for (const [promise, check] of Object.entries(FILE_GUARDRAILS)) test(promise, () => check(run, repoRoot));
    }
  });
}
