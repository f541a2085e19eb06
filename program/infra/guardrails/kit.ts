/** The guardrails' shared helpers: resource types, what a check receives, and the lookups every part's checks use. */
import * as fs from 'fs';
import * as path from 'path';
import { MOCK_ACCOUNT, RegisteredResource } from './mock-run';
import { artifactFolder } from '../features/shared-resources/shared-resources';
import { DEPLOY_ACTION } from '../parts/stages';
import { DeployStageSettings, PipelineSettings } from '../settings';

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

export const pipelineOf = (resources: RegisteredResource[]) => one(resources, TYPES.pipeline).inputs;
/** The Docker build's project and log group (deploy stages have their own). */
export const buildProjectOf = (resources: RegisteredResource[]) => one(resources, TYPES.project, 'build');
export const stageOf = (resources: RegisteredResource[], name: string): any => {
  const found = pipelineOf(resources).stages.filter((s: any) => s.name === name);
  if (found.length !== 1) throw new Error(`expected exactly one pipeline stage named ${name}, found ${found.length}`);
  return found[0];
};
/** A deploy stage's approval and deploy actions (the approval undefined when it has none). */
export const deployActionsOf = (resources: RegisteredResource[], stage: DeployStageSettings) => {
  const actions: any[] = stageOf(resources, stage.name).actions;
  const approvals = actions.filter(a => a.category === 'Approval');
  const deploys = actions.filter(a => a.name === DEPLOY_ACTION);
  expect({ stage: stage.name, approvals: approvals.length, deploys: deploys.length, actions: actions.length })
    .toEqual({ stage: stage.name, approvals: stage.manualApproval ? 1 : 0, deploys: 1, actions: stage.manualApproval ? 2 : 1 });
  return { approval: approvals[0], deploy: deploys[0] };
};
/** A deploy stage's resources, by the logical names stages.ts gives them. */
export const deployResource = (resources: RegisteredResource[], type: string, stage: DeployStageSettings, suffix = '') =>
  one(resources, type, `deploy-${stage.name}${suffix}`);
/** Every resource of a policy's statements that allow `action`, one entry per grant. */
export const grantsOf = (policy: RegisteredResource, action: string): string[] => statementsOf(policy)
  .filter(s => s.Effect === 'Allow' && asList(s.Action).includes(action)).flatMap(s => asList(s.Resource));
/** The policy of the role that reads `secrets`: the build's, or a deploy stage's. */
export const secretReaders = (resources: RegisteredResource[], settings: PipelineSettings) => [
  { policy: one(resources, TYPES.policy, 'build-policy'), secrets: settings.build.secrets },
  ...settings.stages.map(stage => ({ policy: deployResource(resources, TYPES.policy, stage, '-policy'), secrets: stage.secrets })),
];
export const serviceOf = (arn: string) => arn.split(':')[2];
/** The execution-notification rule and its target (the drift check has rules of its own). */
export const executionsRuleOf = (resources: RegisteredResource[]) => one(resources, TYPES.rule, 'executions');
/** Whether `policy` is some role's permissions boundary. */
export const isBoundary = (resources: RegisteredResource[], policy: RegisteredResource) =>
  resources.some(r => r.type === TYPES.role && r.inputs.permissionsBoundary === `arn:aws:iam::${MOCK_ACCOUNT}:policy/${policy.inputs.name}`);
export const topicArnOf = (resources: RegisteredResource[]) => statementsOf(one(resources, TYPES.topicPolicy))[0].Resource;
export const actionsOf = (resources: RegisteredResource[]): any[] => pipelineOf(resources).stages.flatMap((s: any) => s.actions);
export const sourceActionOf = (resources: RegisteredResource[]) => actionsOf(resources).find(a => a.category === 'Source');
export const bucketArnOf = (resources: RegisteredResource[]) => `arn:aws:s3:::${pipelineOf(resources).artifactStores[0].location}`;
/** The artifact objects the roles are granted: the whole bucket of the stack's own, the pipeline's folder of a shared one. */
export const artifactObjectsOf = (resources: RegisteredResource[], settings: PipelineSettings) =>
  `${bucketArnOf(resources)}/${settings.shared?.artifactBucket ? `${artifactFolder(pipelineOf(resources).name)}/` : ''}*`;
export const allows = (statements: Array<Record<string, any>>, action: string, resource: string) => statements.some(s =>
  s.Effect === 'Allow' && asList(s.Action).includes(action) && asList(s.Resource).includes(resource));
export const dependsOn = (resources: RegisteredResource[], dependent: RegisteredResource, type: string, name?: string) =>
  expect({ dependent: dependent.name, waitsFor: dependent.dependencies })
    .toEqual({ dependent: dependent.name, waitsFor: expect.arrayContaining([one(resources, type, name).urn]) });
export const lifecycleRules = (resources: RegisteredResource[]): any[] => one(resources, TYPES.lifecycle).inputs.rules;
export const keyStatementForEvents = (resources: RegisteredResource[]) => JSON.parse(one(resources, TYPES.key).inputs.policy).Statement
  .find((st: any) => st.Principal?.Service === 'events.amazonaws.com');
/** The bucket's configuration resources, in the order S3 must receive them. */
export const BUCKET_CONFIGURATION = [TYPES.versioning, TYPES.encryption, TYPES.publicAccess, TYPES.ownership, TYPES.lifecycle, TYPES.bucketPolicy];
/**
 * The entries of a block list under `key` in the managed buildspec. Read as
 * text: consumer repos have no YAML parser of their own (projen bundles its).
 */
export function yamlList(text: string, key: string): string[] {
  const block = new RegExp(`^([ \\t]*)${key}:[ \\t]*\\n((?:\\1[ \\t]+-[^\\n]*\\n?)+)`, 'm').exec(text);
  if (!block) throw new Error(`the buildspec has no block list "${key}"`);
  return block[2].split('\n').map(line => line.replace(/^\s*-\s*/, '').trim().replace(/^(["'])(.*)\1$/, '$2')).filter(Boolean);
}
/** The entries of a block map under `key` (`name: value` lines indented below it); none when the key is absent. */
export function yamlMap(text: string, key: string): Record<string, string> {
  const block = new RegExp(`^([ \\t]*)${key}:[ \\t]*\\n((?:\\1[ \\t]+[^\\s-][^\\n]*\\n?)+)`, 'm').exec(text);
  if (!block) return {};
  const unquote = (value: string) => value.trim().replace(/^(["'])(.*)\1$/, '$2');
  return Object.fromEntries(block[2].split('\n').filter(line => line.trim()).map(line => {
    const [name, ...value] = line.split(': ');
    return [unquote(name), unquote(value.join(': '))];
  }));
}
export const readBuildspec = (settings: PipelineSettings, repoRoot: string) => fs.readFileSync(path.join(repoRoot, settings.build.buildspec), 'utf-8');
/** Every managed buildspec with the secrets its role is granted: the build's, then each deploy stage's. */
export const buildspecsWithSecrets = (settings: PipelineSettings, repoRoot: string) => [
  { file: settings.build.buildspec, text: readBuildspec(settings, repoRoot), secrets: settings.build.secrets },
  ...settings.stages.map(stage => ({ file: stage.buildspec, text: fs.readFileSync(path.join(repoRoot, stage.buildspec), 'utf-8'), secrets: stage.secrets })),
];

/**
 * The pipeline's promises, one check each, on what the mocked engine
 * registered. A failure names the promise that broke.

/** One part's (or feature's) promises: named checks on the registered resources, and on the repository's managed files. */
export interface GuardrailPart {
  /** How the test output titles this part's checks. */
  readonly part: string;
  readonly checks: Record<string, Check>;
  readonly fileChecks?: Record<string, FileCheck>;
}
