import type * as cloudwatch from '@pulumi/aws/cloudwatch';
import * as iam from '@pulumi/aws/iam';
import * as pulumi from '@pulumi/pulumi';
import { Scope } from '../scope';
import { PipelineKey } from './key';

export interface ServiceRoleArgs {
  readonly roleName: string;
  /** The one AWS service that assumes the role. */
  readonly service: string;
  /** The customer-managed policy's statements, scoped to exact ARNs. */
  readonly statements: object[];
}

/** A role and the attachment of its policy: what must exist before the service acts. */
export interface ServiceRole {
  readonly role: iam.Role;
  readonly attachment: iam.RolePolicyAttachment;
}

/**
 * A role for one service, trusted only from this account (confused-deputy
 * guard), with one customer-managed policy. Logical names: `<prefix>-role`,
 * `<prefix>-policy`, `<prefix>-policy-attachment`.
 */
export function serviceRole(scope: Scope, prefix: string, args: ServiceRoleArgs): ServiceRole {
  const parent = { parent: scope.parent };
  const boundary = scope.permissionsBoundaries?.[args.roleName];
  if (scope.permissionsBoundaries && !boundary) throw new Error(`role ${args.roleName} has no permissions boundary of its kind (boundary.ts)`);
  const role = new iam.Role(`${prefix}-role`, {
    name: args.roleName,
    assumeRolePolicy: pulumi.jsonStringify({
      Version: '2012-10-17',
      Statement: [{
        Effect: 'Allow',
        Principal: { Service: args.service },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': scope.accountId } },
      }],
    }),
    // With self-update, every role is bounded by the ceiling of its kind (boundary.ts), so that no commit can grant
    // one more than what that kind of role is for.
    ...(boundary ? { permissionsBoundary: boundary } : {}),
    tags: scope.tags,
  }, parent);
  const policy = new iam.Policy(`${prefix}-policy`, {
    name: args.roleName,
    policy: pulumi.jsonStringify({ Version: '2012-10-17', Statement: args.statements }),
    tags: scope.tags,
  }, parent);
  const attachment = new iam.RolePolicyAttachment(`${prefix}-policy-attachment`, {
    role: role.name,
    policyArn: policy.arn,
  }, parent);
  return { role, attachment };
}

/**
 * A CodeBuild project's statement for its own log group and streams. CreateLogGroup is in AWS's minimum for
 * a CodeBuild service role: CodeBuild creates the configured group when it is missing.
 */
export function writeLogsStatement(sid: string, logGroup: cloudwatch.LogGroup): object {
  return {
    Sid: sid,
    Effect: 'Allow',
    Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: [logGroup.arn, pulumi.interpolate`${logGroup.arn}:log-stream:*`],
  };
}

/** The statement both roles need to read and write what the pipeline's key encrypts. */
export function useKeyStatement(key: PipelineKey): object {
  return {
    Sid: 'UseTheKey',
    Effect: 'Allow',
    Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
    Resource: key.arn,
  };
}
