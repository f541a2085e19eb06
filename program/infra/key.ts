import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { Scope } from './scope';

/** One customer-managed key for artifacts, images, logs and notifications. */
export function pipelineKey(scope: Scope): aws.kms.Key {
  const { names, accountId, region, partition } = scope;
  return new aws.kms.Key('key', {
    description: `${names.pipeline} CI/CD pipeline`,
    enableKeyRotation: true,
    deletionWindowInDays: 30,
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
              'kms:EncryptionContext:aws:logs:arn': pulumi.interpolate`arn:${partition}:logs:${region}:${accountId}:log-group:${names.logGroup}`,
            },
          },
        },
        {
          // Lets EventBridge publish to the encrypted topic.
          Sid: 'EventBridgePublishesNotifications',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Resource: '*',
          // The rule's ARN is known from its name; referencing the rule itself would be a cycle.
          Condition: {
            ArnEquals: {
              'aws:SourceArn': pulumi.interpolate`arn:${partition}:events:${region}:${accountId}:rule/${names.notificationRule}`,
            },
          },
        },
      ],
    }),
    tags: scope.tags,
  }, { parent: scope.parent });
}
