import * as kms from '@pulumi/aws/kms';
import * as pulumi from '@pulumi/pulumi';
import { Scope } from '../scope';

/**
 * Days between `pulumi destroy` and the key's deletion. AWS accepts 7 to 30
 * (KMS "Deleting AWS KMS keys", waiting period). An ephemeral environment's
 * bucket is emptied before the key goes, so it takes the shortest.
 */
const DELETION_WINDOW_DAYS = { 'long-lived': 30, 'ephemeral': 7 } as const;

/**
 * The key every part encrypts with: the stack's own, or the platform's shared
 * one (shared-resources.ts), named by its key ARN either way.
 */
export interface PipelineKey {
  readonly arn: pulumi.Output<string>;
}

/**
 * One customer-managed key for artifacts, images, logs and notifications.
 * In a long-lived environment destroy keeps it: a retained bucket's SSE-KMS
 * objects and a retained registry's images stay readable only while their key
 * exists. CloudWatch Logs may use it for the pipeline's log groups only (the
 * build's, each deploy stage's, and `extraLogGroups`: with self-update the
 * update and drift-check projects').
 */
export function pipelineKey(scope: Scope, extraLogGroups: string[] = []): kms.Key {
  const { names, accountId, region, partition } = scope;
  // The build's log group, each deploy stage's, then the self-update ones: CloudWatch Logs encrypts each with this key.
  const logGroupArns = [names.logGroup, ...scope.stageNames.map(stage => stage.deployLogGroup), ...extraLogGroups]
    .map(group => pulumi.interpolate`arn:${partition}:logs:${region}:${accountId}:log-group:${group}`);
  return new kms.Key('key', {
    description: `${names.pipeline} CI/CD pipeline`,
    enableKeyRotation: true,
    deletionWindowInDays: DELETION_WINDOW_DAYS[scope.lifecycle],
    policy: pulumi.jsonStringify({
      Version: '2012-10-17',
      Statement: [
        {
          // Key policies name the key itself as "*"; the account root keeps IAM in control.
          Sid: 'AccountAdministers',
          Effect: 'Allow',
          Principal: { AWS: pulumi.interpolate`arn:${partition}:iam::${accountId}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
        {
          Sid: 'CloudWatchLogsEncryptsBuildLogs',
          Effect: 'Allow',
          Principal: { Service: pulumi.interpolate`logs.${region}.amazonaws.com` },
          Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
          Resource: '*',
          Condition: {
            ArnEquals: {
              'kms:EncryptionContext:aws:logs:arn': logGroupArns.length === 1 ? logGroupArns[0] : logGroupArns,
            },
          },
        },
        {
          // EventBridge publishes to the encrypted topic; SNS then asks KMS for a data key on its behalf.
          // SNS does not support aws:SourceArn / aws:SourceAccount in the KMS key policy for EventBridge
          // (Amazon SNS Developer Guide, "Key management", Enable compatibility between event sources from
          // AWS services and encrypted topics: https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html):
          // with them every publish fails (FailedInvocations) and no e-mail is sent. The source stays
          // restricted on the topic policy; here the statement is scoped by the encryption context SNS binds
          // to the topic ("Setting up Amazon SNS topic encryption with server-side encryption",
          // https://docs.aws.amazon.com/sns/latest/dg/sns-enable-encryption-for-topic.html). The topic's ARN
          // is built from its name: referencing the topic, which is encrypted with this key, would be a cycle.
          Sid: 'EventBridgePublishesNotifications',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Resource: '*',
          Condition: {
            StringEquals: {
              'kms:EncryptionContext:aws:sns:topicArn': pulumi.interpolate`arn:${partition}:sns:${region}:${accountId}:${names.notificationTopic}`,
            },
          },
        },
      ],
    }),
    tags: scope.tags,
  }, { parent: scope.parent, retainOnDelete: scope.lifecycle === 'long-lived' });
}
