import { getCallerIdentity } from '@pulumi/aws/getCallerIdentity';
import { getRegion } from '@pulumi/aws/getRegion';
import * as kms from '@pulumi/aws/kms';
import * as s3 from '@pulumi/aws/s3';
import * as pulumi from '@pulumi/pulumi';
import { ArtifactStore } from '../../parts/artifacts';
import { PipelineKey } from '../../parts/key';
import { Scope } from '../../scope';
import { PipelineSettings, resourceNames } from '../../settings';

/**
 * CodePipeline keeps a pipeline's artifacts under a folder named after "the
 * first 20 characters of the pipeline name" (AWS CloudFormation User Guide,
 * AWS::CodePipeline::Pipeline ArtifactStore, Location: "A folder to contain the
 * pipeline artifacts is created for you based on the name of the pipeline").
 */
export const ARTIFACT_FOLDER_LENGTH = 20;

/** The platform's resources as AWS reported them before this deployment. */
export interface SharedResources {
  /** The shared key's own ARN (an alias ARN resolved to its key): IAM cannot grant on an alias ARN. */
  readonly keyArn?: string;
  readonly bucket?: { readonly name: string; readonly arn: string };
}

/** The folder of a shared bucket that this pipeline's artifacts go to: its name's first 20 characters. */
export function artifactFolder(pipelineName: string): string {
  return pipelineName.slice(0, ARTIFACT_FOLDER_LENGTH);
}

/**
 * Checks what can be checked of the platform's resources before anything is
 * registered, all problems in one error: the key exists, is enabled, is a
 * customer-managed key of this stack's account and region (CloudWatch Logs
 * and ECR take only a key of their own region: "Encrypt log data in CloudWatch
 * Logs using AWS KMS", Amazon CloudWatch Logs User Guide); the bucket exists in
 * this region (CodePipeline: "any S3 bucket in the same AWS Region as the
 * pipeline", CodePipeline API Reference, ArtifactStore); and this pipeline's
 * folder in it is its own.
 */
export async function lookUpSharedResources(settings: PipelineSettings, environment: string): Promise<SharedResources | undefined> {
  const shared = settings.shared;
  if (!shared?.kmsKeyArn && !shared?.artifactBucket) return undefined;
  const [{ accountId }, { region }] = await Promise.all([getCallerIdentity({}), getRegion({})]);
  const problems: string[] = [];
  let keyArn: string | undefined;
  if (shared.kmsKeyArn) {
    const [, , , keyRegion, keyAccount] = shared.kmsKeyArn.split(':');
    if (keyRegion !== region) problems.push(`shared.kmsKeyArn is in ${keyRegion}, the stack in ${region}: the key must be in the stack's region`);
    if (keyAccount !== accountId) problems.push(`shared.kmsKeyArn is in account ${keyAccount}, the stack in ${accountId}: the key must be in the stack's account`);
    if (problems.length === 0) {
      // DescribeKey resolves an alias ARN to its key ("Key identifiers (KeyId)", AWS KMS Developer Guide).
      const key = await kms.getKey({ keyId: shared.kmsKeyArn });
      if (!key.enabled || key.keyState !== 'Enabled') problems.push(`shared.kmsKeyArn ${shared.kmsKeyArn} is ${key.keyState}, not Enabled`);
      if (key.keyManager !== 'CUSTOMER') problems.push(`shared.kmsKeyArn ${shared.kmsKeyArn} is an AWS managed key: share a customer-managed key`);
      if (key.keyUsage !== 'ENCRYPT_DECRYPT' || key.keySpec !== 'SYMMETRIC_DEFAULT') {
        problems.push(`shared.kmsKeyArn ${shared.kmsKeyArn} is a ${key.keySpec} ${key.keyUsage} key: S3, CloudWatch Logs, SNS and ECR need a symmetric encryption key`);
      }
      keyArn = key.arn;
    }
  }
  let bucket: SharedResources['bucket'];
  if (shared.artifactBucket) {
    const pipelineName = resourceNames(settings, environment, accountId).pipeline;
    if (pipelineName.length > ARTIFACT_FOLDER_LENGTH) {
      problems.push(`shared.artifactBucket needs a pipeline name of at most ${ARTIFACT_FOLDER_LENGTH} characters: "${pipelineName}" would share ` +
        `the folder "${artifactFolder(pipelineName)}" with any pipeline whose name begins so`);
    }
    const found = await s3.getBucket({ bucket: shared.artifactBucket });
    if (found.bucketRegion !== region) problems.push(`shared.artifactBucket ${shared.artifactBucket} is in ${found.bucketRegion}, the stack in ${region}`);
    bucket = { name: found.bucket, arn: found.arn };
  }
  if (problems.length > 0) throw new Error(`The platform's shared resources cannot be used:\n- ${problems.join('\n- ')}`);
  return { ...(keyArn ? { keyArn } : {}), ...(bucket ? { bucket } : {}) };
}

/** The shared key, as every part uses it: by its own ARN. */
export function sharedKey(keyArn: string): PipelineKey {
  return { arn: pulumi.output(keyArn) };
}

/**
 * The shared bucket as this pipeline's artifact store: no resource is
 * registered (the bucket and its settings are the platform's), and every grant
 * names only this pipeline's folder.
 */
export function sharedArtifactStore(scope: Scope, bucket: NonNullable<SharedResources['bucket']>): ArtifactStore {
  return {
    bucket: {
      bucket: pulumi.output(bucket.name),
      arn: pulumi.output(bucket.arn),
      objects: pulumi.output(`${bucket.arn}/${artifactFolder(scope.names.pipeline)}/*`),
    },
    configuration: [],
  };
}

/**
 * The statements the platform's key policy must hold for a pipeline of this
 * type in `region` of `account` (the README shows them): IAM in the account
 * decides who else uses the key (the roles get their grants there), CloudWatch
 * Logs encrypts the account's log groups in the region, and EventBridge
 * publishes to the account's encrypted topics. The conditions are those the
 * services document: CloudWatch Logs binds `kms:EncryptionContext:aws:logs:arn`
 * ("Encrypt log data in CloudWatch Logs using AWS KMS"); SNS binds
 * `kms:EncryptionContext:aws:sns:topicArn` and rejects `aws:SourceArn` for
 * EventBridge ("Key management", Amazon SNS Developer Guide, see key.ts).
 * CodePipeline and CodeBuild use the key with their roles' credentials, so the
 * account statement covers them.
 */
export function platformKeyPolicy(partition: string, region: string, account: string): object {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AccountAdministersThroughIam',
        Effect: 'Allow',
        Principal: { AWS: `arn:${partition}:iam::${account}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
      {
        Sid: 'CloudWatchLogsEncryptsTheAccountsLogGroups',
        Effect: 'Allow',
        Principal: { Service: `logs.${region}.amazonaws.com` },
        Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        Resource: '*',
        Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${partition}:logs:${region}:${account}:log-group:*` } },
      },
      {
        Sid: 'EventBridgePublishesToTheAccountsTopics',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
        Condition: { StringLike: { 'kms:EncryptionContext:aws:sns:topicArn': `arn:${partition}:sns:${region}:${account}:*` } },
      },
    ],
  };
}
