import * as pulumi from '@pulumi/pulumi';
import { StackArns } from './stack-arns';
import { PipelineKey } from '../../parts/key';
import { GithubSource } from '../../parts/source';
import { Scope, inThisAccount } from '../../scope';
import { NameKey } from '../../settings';
import { signingProfileAccess } from '../supply-chain/signing';

/**
 * Actions AWS authorizes only on `"*"` (the Service Authorization Reference
 * lists no resource type for them), which reading this stack needs:
 * `logs:DescribeLogGroups` (how the provider reads a log group) and
 * `sns:GetSubscriptionAttributes` (how it reads a subscription). They read;
 * neither changes anything.
 */
export const UNSCOPED_READ_ACTIONS = ['logs:DescribeLogGroups', 'sns:GetSubscriptionAttributes'];

/**
 * `<action>` under both service prefixes: `aws.codeconnections.Connection`
 * manages the connection through the CodeConnections API (`codeconnections:`),
 * while `lookUpConnection` reads it through the CodeStar Connections API
 * (`codestar-connections:`), the service's name before it was renamed; both
 * prefixes stay valid and each API checks its own. Each prefix's actions take
 * ARNs of the same prefix (Service Authorization Reference), so a statement
 * names the connection in both spellings (`connectionArns`).
 */
export const connectionActions = (...actions: string[]) =>
  actions.flatMap(action => [`codestar-connections:${action}`, `codeconnections:${action}`]);

/** The connection's ARN in both services' spellings: it is one connection either way. */
export function connectionArns(source: GithubSource): pulumi.Output<string[]> {
  return source.connectionArn.apply(arn => {
    const [scheme, partition, service, ...rest] = arn.split(':');
    const other = service === 'codeconnections' ? 'codestar-connections' : 'codeconnections';
    return [arn, [scheme, partition, other, ...rest].join(':')];
  });
}

/** The stack's resources, by ARN, and those whose ARN AWS picks. */
export interface StackResources {
  readonly arns: StackArns;
  readonly key: PipelineKey;
  readonly source: GithubSource;
  /** With image signing, the stack's signing profiles and their versions, as one pattern (features/supply-chain/signing.ts). */
  readonly signingProfiles?: pulumi.Output<string>;
}

/** Resources of one kind: what reading them takes, and what the self-update may change on them. */
interface ResourceGroup {
  readonly sid: string;
  readonly resources: pulumi.Input<string> | pulumi.Input<string>[] | pulumi.Output<string[]>;
  /** Get/List/Describe only: what the provider's Read of each resource type calls. */
  readonly read: string[];
  /**
   * What `pulumi up` changes in place. Nothing that deletes a stateful resource or replaces one, and no
   * resource policy (the key's, the bucket's, the topic's) or public access block: who may use a resource
   * changes only by a person's deploy, so a commit cannot open one to another account.
   */
  readonly change: string[];
  readonly condition?: object;
  /**
   * In the role's second policy, "pipeline": a managed policy holds at most 6,144 characters ("IAM and AWS
   * STS quotas"), too few for all of it. That one names the pipeline and what runs it: the projects, the
   * pipeline, the roles and their policies; the first names the rest.
   */
  readonly pipeline?: boolean;
}

const POLICY_READS = ['iam:GetPolicy', 'iam:GetPolicyVersion', 'iam:ListPolicyVersions', 'iam:ListPolicyTags'];

/** The tag keys the program puts on its roles: the only ones a self-update may set or remove. */
export const programTagKeys = (scope: Scope) => ({ 'ForAllValues:StringEquals': { 'aws:TagKeys': Object.keys(scope.tags).sort() } });

/** Every resource this program manages, grouped by kind and scoped to this stack. */
function resourceGroups(scope: Scope, { arns, key, source, signingProfiles }: StackResources): ResourceGroup[] {
  return [
    // With signing, the stack's signing profile (features/supply-chain/signing.ts).
    ...(signingProfiles ? signingProfileAccess(signingProfiles, programTagKeys(scope)) : []),
    // The platform's shared key is only looked up (shared-resources.ts: DescribeKey); its policy, rotation and tags are the platform's.
    scope.shared.kmsKeyArn ? { sid: 'SharedKey', resources: key.arn, read: ['kms:DescribeKey'], change: [] } : {
      sid: 'PipelineKey',
      resources: key.arn,
      read: ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:GetKeyRotationStatus', 'kms:ListResourceTags'],
      change: ['kms:EnableKeyRotation', 'kms:UpdateKeyDescription', 'kms:TagResource', 'kms:UntagResource'],
    },
    {
      sid: 'Connection',
      resources: connectionArns(source),
      read: connectionActions('GetConnection', 'ListTagsForResource'),
      // Creating or changing the pipeline and the drift project hands them the connection.
      change: connectionActions('PassConnection', 'UseConnection', 'TagResource', 'UntagResource'),
    },
    // The update build reads its source from the pipeline's artifacts: CodeBuild's minimum service role has both of these
    // on the bucket ("Allow CodeBuild to interact with other AWS services", S3BucketIdentity); neither takes s3:prefix.
    ...(scope.shared.artifactBucket ? [{ sid: 'SharedArtifactBucketLocation', resources: arns.bucket, read: ['s3:GetBucketAcl', 's3:GetBucketLocation'], change: [] }] : []),
    scope.shared.artifactBucket ? {
      // The platform's shared bucket is only looked up (shared-resources.ts): aws.s3.getBucket calls HeadBucket, which
      // takes s3:ListBucket (Amazon S3 API Reference, HeadBucket). Its settings and policy are the platform's, and a
      // listing is limited to this pipeline's folder: HeadBucket sends no prefix, a ListObjects of another folder does.
      sid: 'SharedArtifactBucket',
      resources: arns.bucket,
      read: ['s3:ListBucket'],
      change: [],
      condition: { StringLikeIfExists: { 's3:prefix': arns.artifactObjects.apply(objects => objects.slice(objects.indexOf('/') + 1)) } },
    } : {
      sid: 'ArtifactBucket',
      resources: arns.bucket,
      read: ['s3:GetBucket*', 's3:GetAccelerateConfiguration', 's3:GetLifecycleConfiguration', 's3:GetEncryptionConfiguration',
        's3:GetReplicationConfiguration', 's3:ListBucket'],
      // No PutLifecycleConfiguration either: lifecycle rules delete objects, which this role may not ("parliament").
      // No PutBucketOwnershipControls: leaving BucketOwnerEnforced turns ACLs back on (who may read the artifacts).
      change: ['s3:PutBucketVersioning', 's3:PutEncryptionConfiguration', 's3:PutBucketTagging'],
      condition: inThisAccount(scope),
    },
    {
      sid: 'Registry',
      resources: arns.repository,
      read: ['ecr:DescribeRepositories', 'ecr:GetLifecyclePolicy', 'ecr:GetRepositoryPolicy', 'ecr:ListTagsForResource'],
      // No PutLifecyclePolicy: a lifecycle policy expires images, which is deleting them ("Lifecycle policies", Amazon ECR).
      change: ['ecr:PutImageScanningConfiguration', 'ecr:PutImageTagMutability', 'ecr:TagResource', 'ecr:UntagResource'],
    },
    {
      sid: 'LogGroups',
      resources: arns.logGroups,
      read: ['logs:ListTags*'],
      // No PutRetentionPolicy: a shorter retention deletes the builds' logs, a commit's evidence among them.
      change: ['logs:CreateLogGroup', 'logs:AssociateKmsKey', 'logs:TagResource', 'logs:UntagResource', 'logs:TagLogGroup', 'logs:UntagLogGroup'],
    },
    // Changed only through `projectStatements`, each project with its own role.
    { sid: 'Projects', resources: arns.projects, read: ['codebuild:BatchGetProjects'], change: [], pipeline: true },
    {
      sid: 'Pipeline',
      resources: arns.pipeline,
      read: ['codepipeline:GetPipeline', 'codepipeline:ListTagsForResource'],
      // StartPipelineExecution and GetPipelineExecution: the restart and its loop guard (self-update.ts).
      change: ['codepipeline:UpdatePipeline', 'codepipeline:TagResource', 'codepipeline:UntagResource', 'codepipeline:StartPipelineExecution',
        'codepipeline:GetPipelineExecution'],
      pipeline: true,
    },
    {
      sid: 'Topic',
      resources: arns.topic,
      read: ['sns:GetTopicAttributes', 'sns:ListTagsForResource', 'sns:ListSubscriptionsByTopic'],
      // Publish: a stopped update says so on the topic (self-update-check.ts).
      change: ['sns:TagResource', 'sns:UntagResource', 'sns:Subscribe', 'sns:Publish'],
    },
    {
      sid: 'Rules',
      resources: arns.rules,
      read: ['events:DescribeRule', 'events:ListTargetsByRule', 'events:ListTagsForResource'],
      change: ['events:PutRule', 'events:PutTargets', 'events:RemoveTargets', 'events:TagResource', 'events:UntagResource'],
    },
    {
      sid: 'Roles',
      resources: arns.roles,
      read: ['iam:GetRole', 'iam:GetRolePolicy', 'iam:ListRolePolicies', 'iam:ListRoleTags', 'iam:ListAttachedRolePolicies'],
      // No UpdateAssumeRolePolicy: who may assume a role changes only by a person's deploy.
      change: ['iam:UpdateRole', 'iam:UpdateRoleDescription'],
      pipeline: true,
    },
    {
      // A role's tags can satisfy `aws:PrincipalTag` conditions anywhere in the account: only the program's own
      // tag keys (`aws:TagKeys`, a condition key of iam:TagRole and iam:UntagRole in "Actions, resources, and
      // condition keys for AWS Identity and Access Management"). A new tag key is a person's deploy.
      sid: 'RoleTags',
      resources: arns.roles,
      read: [],
      change: ['iam:TagRole', 'iam:UntagRole'],
      condition: programTagKeys(scope),
      pipeline: true,
    },
    // Every role's policy and boundary, to be read (a refresh reads them); no self-update changes a boundary (boundary.ts).
    { sid: 'RolePolicies', resources: [...arns.rolePolicies, arns.anyBoundary], read: POLICY_READS, change: [], pipeline: true },
    {
      // The other roles' policies: a role's effective permissions are its policies ∩ the boundary of its kind
      // (boundary.ts), which no self-update changes. Its own two are out of reach (no role rewrites its own grants),
      // and no CreatePolicy or AttachRolePolicy: a new policy or attachment, like a new role, is a person's deploy.
      // CreatePolicyVersion sets the new version as default; DeletePolicyVersion makes room (5 at most).
      sid: 'OtherRolesPolicies',
      resources: arns.rolePoliciesBut('updateRole', 'updatePipelinePolicy'),
      read: [],
      change: ['iam:CreatePolicyVersion', 'iam:DeletePolicyVersion', 'iam:TagPolicy', 'iam:UntagPolicy'],
      pipeline: true,
    },
  ];
}

/** A role's statements, in its first policy and in its second, "pipeline" one (see ResourceGroup). */
export interface SplitStatements {
  readonly resources: object[];
  readonly pipeline: object[];
  /** The update role's third policy: what changes a project, each with its own role (`projectStatements`). */
  readonly projects?: object[];
}

/**
 * Creating or changing each of this stack's CodeBuild projects, only with the
 * project's own service role (`codebuild:serviceRole`, a condition key of
 * CreateProject and UpdateProject in "Actions, resources, and condition keys
 * for AWS CodeBuild"). Without it a commit could point the build or the `dev`
 * deploy at `prod`'s role, whose target it then assumes before any approval:
 * PassRole alone cannot say which project a role goes to.
 */
export function projectStatements(scope: Scope, arns: StackArns): object[] {
  const pairs: Array<[string, pulumi.Output<string>, pulumi.Output<string>]> = [
    ['ChangeTheBuildProject', arns.project('buildProject'), arns.role('buildRole')],
    ['ChangeTheUpdateProject', arns.project('updateProject'), arns.role('updateRole')],
    ['ChangeTheDriftProject', arns.project('driftProject'), arns.role('driftRole')],
    ...scope.stageNames.map((stage, i): [string, pulumi.Output<string>, pulumi.Output<string>] =>
      [`ChangeDeployProject${i + 1}`, arns.projectNamed(stage.deployProject), arns.roleNamed(stage.deployRole)]),
  ];
  return pairs.map(([sid, project, role]) => ({
    Sid: sid,
    Effect: 'Allow',
    Action: ['codebuild:CreateProject', 'codebuild:UpdateProject'],
    Resource: project,
    // IfExists: the provider sends serviceRole in UpdateProject only when it changes (an image or tag change has
    // none, and a condition on a missing key is false: "IAM JSON policy elements: Condition operators");
    // CreateProject always carries it.
    Condition: { StringEqualsIfExists: { 'codebuild:serviceRole': role } },
  }));
}

const statementOf = (sid: string, group: ResourceGroup, actions: string[]) => ({
  Sid: sid,
  Effect: 'Allow',
  Action: actions,
  Resource: group.resources,
  ...(group.condition ? { Condition: group.condition } : {}),
});
const unscopedReads = { Sid: 'ReadUnscoped', Effect: 'Allow', Action: UNSCOPED_READ_ACTIONS, Resource: '*' };

/**
 * `lookUpConnection` finds a connection it created by its name, listing the
 * connections of this account and region (ListConnections takes connection
 * ARNs, not this stack's one).
 */
export function listConnectionsStatement(scope: Scope): object {
  const { partition, region, accountId } = scope;
  return {
    Sid: 'ListConnections',
    Effect: 'Allow',
    Action: connectionActions('ListConnections'),
    Resource: ['codestar-connections', 'codeconnections'].map(service => pulumi.interpolate`arn:${partition}:${service}:${region}:${accountId}:connection/*`),
  };
}

/**
 * What `pulumi preview --refresh` reads of this stack: Get, List and Describe
 * only; split like `manageStatements`.
 */
export function readStatements(scope: Scope, resources: StackResources): SplitStatements {
  const groups = resourceGroups(scope, resources);
  const read = (group: ResourceGroup) => statementOf(`Read${group.sid}`, group, group.read);
  const reading = groups.filter(group => group.read.length > 0);
  return {
    resources: [...reading.filter(group => !group.pipeline).map(read), unscopedReads, listConnectionsStatement(scope)],
    pipeline: reading.filter(group => group.pipeline).map(read),
  };
}

/** What `pulumi up` of this stack reads and changes in place. */
export function manageStatements(scope: Scope, resources: StackResources): SplitStatements {
  const groups = resourceGroups(scope, resources);
  const manage = (group: ResourceGroup) => statementOf(`${group.change.length > 0 ? 'Manage' : 'Read'}${group.sid}`, group, [...group.read, ...group.change]);
  return {
    resources: [...groups.filter(group => !group.pipeline).map(manage), unscopedReads, listConnectionsStatement(scope)],
    pipeline: groups.filter(group => group.pipeline).map(manage),
  };
}

/**
 * Writes its own build's logs: the one thing a read-only project writes. Both actions are authorized on the
 * log stream ("Actions, resources, and condition keys for Amazon CloudWatch Logs": CreateLogStream and
 * PutLogEvents, resource type log-stream), so the group's own ARN is not named.
 */
export function ownLogsStatement(arns: StackArns, logGroup: 'updateLogGroup' | 'driftLogGroup'): object {
  return {
    Sid: 'WriteOwnLogs',
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: pulumi.interpolate`${arns.logGroup(logGroup)}:log-stream:*`,
  };
}

/**
 * The service each role of this stack is handed to (`iam:PassedToService`):
 * CodePipeline assumes the pipeline's, CodeBuild the projects', EventBridge
 * the drift schedule's.
 */
const PASSED_TO: Array<[NameKey[], string]> = [
  [['pipelineRole'], 'codepipeline.amazonaws.com'],
  [['buildRole', 'updateRole', 'driftRole'], 'codebuild.amazonaws.com'],
  [['eventsRole'], 'events.amazonaws.com'],
];

/** Each of this stack's roles, passed only to the service that assumes it. */
export function passRoleStatements(arns: StackArns): object[] {
  return PASSED_TO.map(([keys, service]) => ({
    Sid: `PassRolesTo${service.split('.')[0].replace(/^./, c => c.toUpperCase())}`,
    Effect: 'Allow',
    Action: 'iam:PassRole',
    // Each deploy stage's role is CodeBuild's too.
    Resource: [...keys.map(arns.role), ...(service === 'codebuild.amazonaws.com' ? arns.stageRoles : [])],
    Condition: { StringEquals: { 'iam:PassedToService': service } },
  }));
}
