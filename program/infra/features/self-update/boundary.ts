import * as iam from '@pulumi/aws/iam';
import * as pulumi from '@pulumi/pulumi';
import { STATE_SIDS } from './backend';
import { SplitStatements, connectionActions, connectionArns, ownLogsStatement } from './stack-access';
import { StackArns } from './stack-arns';
import { updateRoleDenies } from './update-role-never';
import { ECR_PUSH_ACTIONS } from '../../parts/build';
import { PipelineKey } from '../../parts/key';
import { useKeyStatement } from '../../parts/roles';
import { secretReadStatements } from '../../parts/secrets';
import { GithubSource } from '../../parts/source';
import { Scope } from '../../scope';
import { DeployStageSettings, PipelineSettings, StageNameKey } from '../../settings';
import { gateStatements } from '../release-gates/release-gates';
import { NEW_SIGNING_PROFILES, signingCeiling, signingProfilePattern, verificationCeiling } from '../supply-chain/signing';
import { scanStatements } from '../supply-chain/supply-chain';

/** Each role kind's ceiling; the threat model and the update role's denies are in update-role-never.ts. */

export interface BoundaryArgs {
  readonly arns: StackArns;
  readonly key: PipelineKey;
  readonly source: GithubSource;
  readonly settings: PipelineSettings;
  /** The update role's statements (self-update.ts): its ceiling is built from them. */
  readonly update: SplitStatements;
  /** The backend's statements the drift check needs (read only). */
  readonly driftState: object[];
  /** The drift role's read statements (stack-access.ts). */
  readonly driftReads: SplitStatements;
}

type Statement = Record<string, any>;

/**
 * One permissions boundary per role, each the ceiling of what that kind of
 * role is for (the threat model above), by the role's physical name.
 *
 * A role's effective permissions are its identity policies ∩ its boundary
 * ("Permissions boundaries for IAM entities", IAM User Guide). One boundary
 * shared by every role would be every role's real ceiling as soon as anything
 * can rewrite their policies, so each kind has its own: rewriting the build
 * role's policy cannot give it a deploy target, the state or a stage's
 * secrets. Every boundary is a managed policy of at most 6,144 characters
 * ("IAM and AWS STS quotas"), named `<boundaryPolicy>-<kind>`.
 */
export function permissionsBoundaries(scope: Scope, args: BoundaryArgs): Record<string, iam.Policy> {
  const { names } = scope;
  const ceilings: Array<[string, string, object[]]> = [
    [names.pipelineRole, 'pipeline', pipelineCeiling(scope, args)],
    [names.buildRole, 'build', [...buildCeiling(args), ...signingCeiling(scope, args.settings)]],
    ...args.settings.stages.map((stage, i): [string, string, object[]] =>
      [scope.stageNames[i].deployRole, `deploy-${stage.name}`, [
        ...stageCeiling(args, stage, scope.stageNames[i]),
        // With signing: verifying the image before the stage's commands (features/supply-chain/signing.ts), reads only.
        ...verificationCeiling(scope, args.settings, args.arns.repository),
      ]]),
    [names.updateRole, 'self-update', updateCeiling(scope, args)],
    [names.driftRole, 'drift-check', driftCeiling(scope, args)],
    [names.eventsRole, 'drift-schedule', [
      { Sid: 'StartTheDriftCheck', Effect: 'Allow', Action: 'codebuild:StartBuild', Resource: args.arns.project('driftProject') },
    ]],
  ];
  return Object.fromEntries(ceilings.map(([roleName, prefix, statements]) => [roleName, new iam.Policy(`boundary-${prefix}`, {
    name: args.arns.boundaryNameOf(roleName),
    description: `Permissions boundary of ${roleName}: the ceiling of what this kind of role of ${names.pipeline} is for`,
    policy: pulumi.jsonStringify({ Version: '2012-10-17', Statement: statements }),
    tags: scope.tags,
  }, { parent: scope.parent })]));
}

/** Starts this stack's build, update and deploy projects, moves artifacts, uses the connection, asks for approvals. */
function pipelineCeiling(scope: Scope, { arns, key, source, settings }: BoundaryArgs): object[] {
  return [
    {
      Sid: 'Artifacts',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:PutObjectAcl'],
      Resource: arns.artifactObjects,
    },
    {
      Sid: 'ArtifactBucket',
      Effect: 'Allow',
      Action: ['s3:GetBucketVersioning', 's3:GetBucketAcl', 's3:GetBucketLocation', 's3:ListBucket'],
      Resource: arns.bucket,
    },
    {
      Sid: 'RunTheProjects',
      Effect: 'Allow',
      Action: ['codebuild:StartBuild', 'codebuild:BatchGetBuilds', 'codebuild:StopBuild'],
      Resource: [arns.project('buildProject'), arns.project('updateProject'), ...scope.stageNames.map(stage => arns.projectNamed(stage.deployProject))],
    },
    { Sid: 'UseTheConnection', Effect: 'Allow', Action: connectionActions('UseConnection'), Resource: connectionArns(source) },
    useKeyStatement(key),
    { Sid: 'PublishApprovalRequests', Effect: 'Allow', Action: 'sns:Publish', Resource: arns.topic },
    // The release gates' alarm reads, exactly as the pipeline role's policy grants them (release-gates.ts).
    ...gateStatements(scope, settings),
    // The scan gate's grants, exactly as the pipeline role's policy has them (supply-chain.ts).
    ...scanStatements(scope, settings),
  ];
}

/** Builds and pushes images, reads and writes artifacts, reads the build's secrets: no target, state or stage secret. */
function buildCeiling({ arns, key, settings }: BoundaryArgs): object[] {
  const logGroup = arns.logGroup('logGroup');
  return [
    {
      Sid: 'BuildLogs',
      Effect: 'Allow',
      Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: [logGroup, pulumi.interpolate`${logGroup}:log-stream:*`],
    },
    { Sid: 'LogInToEcr', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
    {
      Sid: 'PushImages',
      Effect: 'Allow',
      Action: ECR_PUSH_ACTIONS,
      Resource: arns.repository,
    },
    { Sid: 'Artifacts', Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'], Resource: arns.artifactObjects },
    { Sid: 'ArtifactBucket', Effect: 'Allow', Action: ['s3:GetBucketAcl', 's3:GetBucketLocation'], Resource: arns.bucket },
    useKeyStatement(key),
    // Exactly the build's secrets, with the same conditions as its policy (secrets.ts).
    ...secretReadStatements(settings.build.secrets),
  ];
}

/** One deploy stage: its logs, the artifacts (read), its own target role and its own secrets. */
function stageCeiling({ arns, key }: BoundaryArgs, stage: DeployStageSettings, names: Record<StageNameKey, string>): object[] {
  const logGroup = arns.logGroupNamed(names.deployLogGroup);
  return [
    {
      Sid: 'StageLogs',
      Effect: 'Allow',
      Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: [logGroup, pulumi.interpolate`${logGroup}:log-stream:*`],
    },
    { Sid: 'ReadArtifacts', Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: arns.artifactObjects },
    { Sid: 'ArtifactBucket', Effect: 'Allow', Action: ['s3:GetBucketAcl', 's3:GetBucketLocation'], Resource: arns.bucket },
    { Sid: 'DecryptArtifacts', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:DescribeKey'], Resource: key.arn },
    ...(stage.assumeRoleArn === undefined ? [] : [{ Sid: 'AssumeItsTarget', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: stage.assumeRoleArn }]),
    ...secretReadStatements(stage.secrets),
  ];
}

/**
 * The update role's ceiling: the actions of its own grants on this stack's
 * resources, then `UPDATE_ROLE_NEVER`. Its policy names exact ARNs and
 * explicit actions and no self-update can change it (the denies), so the
 * ceiling may be written more briefly, to fit IAM's 6,144 characters: reads
 * as `<service>:Get*`/`List*`/`Describe*`/`BatchGet*`, and the stack's logs,
 * projects, rules, roles and policies as `<pipeline>-*` (each of its own
 * service's ARN shape). Such a pattern could match another repository's
 * resource whose name begins with `<pipeline>-`; the policy never does.
 * The state, the secrets key and the unscoped reads keep their conditions.
 *
 * Parliament reports RESOURCE_MISMATCH for this statement: a read pattern
 * also stands for actions of other resource types (`s3:Get*` for access
 * points), which match none of these ARNs and so grant nothing. The shared
 * boundary had the same finding for `s3:*`; it is inherent in writing reads
 * briefly. (Its UNKNOWN_CONDITION_FOR_ACTION for `kms:ResourceAliases`, in
 * the state's statements, predates this: AWS documents the key under the
 * `key` resource type of "Actions, resources, and condition keys for AWS Key
 * Management Service", which parliament's database does not have.)
 */
function updateCeiling(scope: Scope, args: BoundaryArgs): object[] {
  const allows = [...args.update.resources, ...args.update.pipeline, ...args.update.projects ?? []]
    .filter(s => (s as Statement).Effect === 'Allow') as Statement[];
  // What AWS authorizes on "*" only: the unscoped reads and, with signing, creating the signing profile (whose
  // condition on tag keys stays in the policy, which the update role cannot rewrite). One statement, for IAM's size limit.
  const onAnyResource = (s: Statement) => ['ReadUnscoped', `Manage${NEW_SIGNING_PROFILES}`].includes(s.Sid);
  const separate = (s: Statement) => STATE_SIDS.includes(s.Sid) || s.Sid === 'ListConnections' || onAnyResource(s);
  return [
    {
      Sid: 'ThisStacksResources',
      Effect: 'Allow',
      Action: briefTags(briefReads(allows.filter(s => !separate(s)).flatMap(s => asList(s.Action)))),
      Resource: stackResourcePatterns(scope, args),
    },
    { Sid: 'ReadUnscoped', Effect: 'Allow', Action: allows.filter(onAnyResource).flatMap(s => asList(s.Action)), Resource: '*' },
    ...allows.filter(s => separate(s) && !onAnyResource(s)),
    ...updateRoleDenies(scope, args.arns),
  ];
}

/** Explicit actions, but reads (Get, List, Describe, BatchGet) as one pattern per service and verb. */
function briefReads(actions: string[]): string[] {
  return [...new Set(actions.map(action => action.replace(/^([a-z0-9-]+):(Get|List|Describe|BatchGet)[A-Za-z*]*$/, '$1:$2*')))];
}

/**
 * `<service>:TagResource` and `<service>:UntagResource` as `<service>:*TagResource`: for every service this stack
 * uses, those two are the only actions whose name ends so (Service Authorization Reference; test/iam-evaluation.test.ts
 * expands each pattern against it), and the brevity keeps the ceiling within IAM's 6,144 characters.
 */
function briefTags(actions: string[]): string[] {
  const both = (service: string) => actions.includes(`${service}:TagResource`) && actions.includes(`${service}:UntagResource`);
  return [...new Set(actions.map(action => {
    const [service, name] = action.split(':');
    return ['TagResource', 'UntagResource'].includes(name) && both(service) ? `${service}:*TagResource` : action;
  }))];
}

/** This stack's resources, with the kinds that have several (logs, projects, rules, roles, policies) as `<pipeline>-*`. */
function stackResourcePatterns(scope: Scope, { arns, key, source, settings }: BoundaryArgs): pulumi.Output<string[]> {
  const { partition, region, accountId, names } = scope;
  const prefix = `${names.pipeline}-*`;
  const regional = (service: string, resource: string) => pulumi.interpolate`arn:${partition}:${service}:${region}:${accountId}:${resource}`;
  return pulumi.all<string | string[]>([
    key.arn, connectionArns(source), arns.bucket, arns.artifactObjects, arns.repository, arns.pipeline, arns.topic,
    regional('logs', `log-group:/aws/codebuild/${prefix}`), regional('codebuild', `project/${prefix}`), regional('events', `rule/${prefix}`),
    pulumi.interpolate`arn:${partition}:iam::${accountId}:role/${prefix}`, pulumi.interpolate`arn:${partition}:iam::${accountId}:policy/${prefix}`,
    ...[signingProfilePattern(scope, settings)].filter(pattern => pattern !== undefined),
  ]).apply(all => all.flat());
}

const asList = (value: unknown): string[] => (Array.isArray(value) ? value : [value]) as string[];

/** The drift check's ceiling: the reads of its policy on this stack's resources, its logs, the program's checkout, the state. */
function driftCeiling(scope: Scope, args: BoundaryArgs): object[] {
  const { arns, source } = args;
  const reads = [...args.driftReads.resources, ...args.driftReads.pipeline] as Statement[];
  const separate = (s: Statement) => ['ReadUnscoped', 'ListConnections'].includes(s.Sid);
  return [
    {
      Sid: 'ReadThisStack',
      Effect: 'Allow',
      Action: [...new Set(reads.filter(s => !separate(s)).flatMap(s => asList(s.Action)))],
      Resource: stackResourcePatterns(scope, args),
    },
    ...reads.filter(separate),
    ownLogsStatement(arns, 'driftLogGroup'),
    { Sid: 'CheckOutTheProgram', Effect: 'Allow', Action: connectionActions('GetConnectionToken', 'UseConnection'), Resource: connectionArns(source) },
    ...args.driftState,
  ];
}
