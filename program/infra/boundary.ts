import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { Scope } from './scope';
import { GithubSource } from './source';
import { UNSCOPED_READ_ACTIONS, connectionArns, listConnectionsStatement } from './stack-access';
import { StackArns } from './stack-arns';

/**
 * Role changes that IAM can tie to the boundary the role carries
 * (`iam:PermissionsBoundary`, Service Authorization Reference, "Actions
 * defined by AWS Identity and Access Management": CreateRole,
 * PutRolePermissionsBoundary, AttachRolePolicy, DetachRolePolicy,
 * PutRolePolicy, DeleteRolePolicy).
 */
export const BOUNDED_ROLE_ACTIONS = [
  'iam:CreateRole', 'iam:PutRolePermissionsBoundary', 'iam:AttachRolePolicy', 'iam:DetachRolePolicy', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy',
];

/** What no one but a person's deploy may do to the boundary policy. */
export const BOUNDARY_CHANGES = [
  'iam:CreatePolicyVersion', 'iam:DeletePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:DeletePolicy', 'iam:TagPolicy', 'iam:UntagPolicy',
];

export interface BoundaryArgs {
  readonly arns: StackArns;
  readonly key: aws.kms.Key;
  readonly source: GithubSource;
  /** The backend's state and secrets statements (backend.ts), which the update and drift roles need. */
  readonly state: object[];
  /** The secrets the build and deploy stages read (`codeBuild.secrets`, each stage's `secrets`). */
  readonly secrets: readonly string[];
  /** The target roles the deploy stages assume. */
  readonly assumeRoleArns: readonly string[];
}

/**
 * The permissions boundary of every role of this stack (with self-update).
 *
 * The self-update stage runs whatever program a commit brings, with a role
 * that may create and change this stack's roles. A boundary caps what any
 * identity policy can grant ("Permissions boundaries for IAM entities", IAM
 * User Guide): the effective permissions are the intersection. So every role
 * carries this one, the update role may create or change a role only with it
 * (`iam:PermissionsBoundary`), and the boundary allows nothing outside this
 * stack's own resources (the ARNs of its rendered names), its state and its
 * secrets key. Its denies hold whatever a role's own policy says: no one can
 * change this policy or take a role's boundary away, so a commit cannot grant
 * itself more than this. Only a person's `npx projen deploy` changes it.
 *
 * A boundary grants nothing by itself, so it may name whole services (on
 * these resources only); each role's own policy stays least privilege.
 */
export function permissionsBoundary(scope: Scope, args: BoundaryArgs): aws.iam.Policy {
  const { arns, key, source } = args;
  const boundaryArn = arns.boundary;
  return new aws.iam.Policy('boundary', {
    name: scope.names.boundaryPolicy,
    description: `Permissions boundary of every role of ${scope.names.pipeline}: this stack's resources only`,
    policy: pulumi.jsonStringify({
      Version: '2012-10-17',
      Statement: [
        {
          // Each service's actions match only ARNs of its own kinds (a bucket's are no key's, a role's no project's),
          // so one statement holds them all. The role changes in BOUNDED_ROLE_ACTIONS hold only with this boundary
          // (the last deny); the boundary itself is here to be read (a refresh reads it), the denies keep it as it is.
          Sid: 'ThisStacksResources',
          Effect: 'Allow',
          Action: [
            's3:*', 'ecr:*', 'logs:*', 'codebuild:*', 'codepipeline:*', 'sns:*', 'events:*', 'kms:*', 'codestar-connections:*', 'codeconnections:*',
            'iam:GetRole*', 'iam:ListRolePolicies', 'iam:ListRoleTags', 'iam:ListAttachedRolePolicies', 'iam:GetPolicy*', 'iam:ListPolicy*',
            'iam:TagRole', 'iam:UntagRole', 'iam:UpdateRole', 'iam:UpdateRoleDescription', 'iam:PassRole', 'iam:CreatePolicy',
            'iam:CreatePolicyVersion', 'iam:DeletePolicyVersion', 'iam:TagPolicy', 'iam:UntagPolicy', ...BOUNDED_ROLE_ACTIONS,
          ],
          // The deploy stages' resources as one pattern (stack-arns.ts), so that the boundary fits 6,144 characters.
          Resource: pulumi.all([pulumi.output([
            arns.bucket, pulumi.interpolate`${arns.bucket}/*`, arns.repository, ...arns.logGroups, ...arns.projects, arns.pipeline,
            arns.topic, ...arns.rules, key.arn, connectionArns(source), ...arns.roles, ...arns.rolePolicies, boundaryArn,
          ]), pulumi.output(arns.stagePatterns), pulumi.output(arns.anyStageResource)]).apply(([resources, stagePatterns, anyStage]) => [
            ...resources.flat().filter(resource => !stagePatterns.includes(resource)), ...anyStage,
          ]),
        },
        // Pushing images needs a registry token, which ECR issues for "*" only.
        { Sid: 'Unscoped', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken', ...UNSCOPED_READ_ACTIONS], Resource: '*' },
        listConnectionsStatement(scope),
        ...args.state,
        ...configuredStatements(args.secrets, args.assumeRoleArns),
        { Sid: 'KeepThisBoundary', Effect: 'Deny', Action: BOUNDARY_CHANGES, Resource: boundaryArn },
        { Sid: 'KeepEveryBoundary', Effect: 'Deny', Action: 'iam:DeleteRolePermissionsBoundary', Resource: '*' },
        {
          // With a missing or other boundary the key does not match, and the deny holds.
          Sid: 'OnlyWithThisBoundary',
          Effect: 'Deny',
          Action: BOUNDED_ROLE_ACTIONS,
          Resource: '*',
          Condition: { StringNotEquals: { 'iam:PermissionsBoundary': boundaryArn } },
        },
      ],
    }),
    tags: scope.tags,
  }, { parent: scope.parent });
}

/**
 * The configured secrets and target roles are outside this stack, yet the
 * build and deploy roles' own policies grant them (secrets.ts, stages.ts); a
 * boundary without them would deny those grants (the effective permissions
 * are the intersection). Each role's own policy keeps the exact conditions;
 * here one statement names them all, and one lets a secret's own key decrypt
 * only through its service (`kms:ViaService`), to stay within IAM's 6,144
 * characters.
 */
function configuredStatements(secrets: readonly string[], assumeRoleArns: readonly string[]): object[] {
  const read = [...new Set(secrets)].sort();
  const roles = [...new Set(assumeRoleArns)].sort();
  if (read.length + roles.length === 0) return [];
  const serviceOf = (arn: string) => arn.split(':')[2];
  const actions = [
    ...(read.some(arn => serviceOf(arn) === 'secretsmanager') ? ['secretsmanager:GetSecretValue'] : []),
    ...(read.some(arn => serviceOf(arn) === 'ssm') ? ['ssm:GetParameters'] : []),
    ...(roles.length > 0 ? ['sts:AssumeRole'] : []),
  ];
  const places = read.map(arn => arn.split(':'));
  const keys = [...new Set(places.map(([, partition, , region, account]) => `arn:${partition}:kms:${region}:${account}:key/*`))].sort();
  const endpoints = [...new Set(places.map(([, partition, service, region]) =>
    `${service}.${region}.${partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com'}`))].sort();
  return [
    { Sid: 'Configured', Effect: 'Allow', Action: actions, Resource: [...read, ...roles] },
    ...(read.length === 0 ? [] : [
      { Sid: 'ConfiguredKeys', Effect: 'Allow', Action: 'kms:Decrypt', Resource: keys, Condition: { StringEquals: { 'kms:ViaService': endpoints } } },
    ]),
  ];
}
