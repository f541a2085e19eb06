import * as cloudwatch from '@pulumi/aws/cloudwatch';
import * as codebuild from '@pulumi/aws/codebuild';
import * as iam from '@pulumi/aws/iam';
import type * as types from '@pulumi/aws/types';
import * as pulumi from '@pulumi/pulumi';
import { PipelineKey } from '../../parts/key';
import { ServiceRole, serviceRole } from '../../parts/roles';
import { Scope } from '../../scope';
import { NameKey, SelfUpdateSettings } from '../../settings';

export interface StackRunnerArgs {
  /** Logical name of the project; its role, policy and log group take it as a prefix. */
  readonly prefix: string;
  readonly description: string;
  readonly projectName: NameKey;
  readonly roleName: NameKey;
  readonly logGroupName: NameKey;
  readonly key: PipelineKey;
  readonly selfUpdate: SelfUpdateSettings;
  /** Kept as long as the build's own logs. */
  readonly logRetentionDays: number;
  /** The role's policy. */
  readonly statements: object[];
  /** The role's second policy: one would exceed IAM's 6,144 characters ("IAM and AWS STS quotas"). */
  readonly second?: { readonly name: NameKey; readonly statements: object[] };
  /** A third policy, by its physical name (the update role's `-projects` one, stack-access.ts `projectStatements`). */
  readonly third?: { readonly name: string; readonly statements: object[] };
  readonly source: types.input.codebuild.ProjectSource;
  readonly sourceVersion?: string;
  readonly artifacts: types.input.codebuild.ProjectArtifacts;
  readonly environmentVariables: types.input.codebuild.ProjectEnvironmentEnvironmentVariable[];
}

export interface StackRunner {
  readonly project: codebuild.Project;
  readonly access: ServiceRole;
  /** Every attachment of the role's policies: what must be in place before the project runs. */
  readonly attachments: pulumi.Resource[];
}

/**
 * A CodeBuild project that runs the Pulumi CLI on this stack (the self-update
 * and the drift check), with its own log group and role. It needs no Docker,
 * so it does not run privileged. The project waits for its role's policy.
 */
export function stackRunner(scope: Scope, args: StackRunnerArgs): StackRunner {
  const { selfUpdate, key } = args;
  const parent = { parent: scope.parent };
  const logGroup = new cloudwatch.LogGroup(`${args.prefix}-logs`, {
    name: scope.names[args.logGroupName],
    retentionInDays: args.logRetentionDays,
    kmsKeyId: key.arn,
    tags: scope.tags,
  }, parent);
  const access = serviceRole(scope, args.prefix, {
    roleName: scope.names[args.roleName],
    service: 'codebuild.amazonaws.com',
    statements: args.statements,
  });
  // A further managed policy on the role, and its attachment: logical names `<prefix>-<kind>-policy[-attachment]`.
  const extraPolicy = (kind: string, name: string, statements: object[]) => {
    const policy = new iam.Policy(`${args.prefix}-${kind}-policy`, {
      name,
      policy: pulumi.jsonStringify({ Version: '2012-10-17', Statement: statements }),
      tags: scope.tags,
    }, parent);
    return new iam.RolePolicyAttachment(`${args.prefix}-${kind}-policy-attachment`, { role: access.role.name, policyArn: policy.arn }, parent);
  };
  const attachments: pulumi.Resource[] = [
    access.attachment,
    ...args.second ? [extraPolicy('pipeline', scope.names[args.second.name], args.second.statements)] : [],
    ...args.third ? [extraPolicy('projects', args.third.name, args.third.statements)] : [],
  ];
  const project = new codebuild.Project(args.prefix, {
    name: scope.names[args.projectName],
    description: args.description,
    serviceRole: access.role.arn,
    source: args.source,
    ...(args.sourceVersion ? { sourceVersion: args.sourceVersion } : {}),
    artifacts: args.artifacts,
    environment: {
      type: 'LINUX_CONTAINER',
      computeType: selfUpdate.computeType,
      image: selfUpdate.image,
      imagePullCredentialsType: 'CODEBUILD',
      privilegedMode: false,
      environmentVariables: args.environmentVariables,
    },
    buildTimeout: selfUpdate.timeoutMinutes,
    logsConfig: { cloudwatchLogs: { groupName: logGroup.name, status: 'ENABLED' } },
    tags: scope.versionedTags,
  }, { ...parent, dependsOn: attachments });
  return { project, access, attachments };
}
