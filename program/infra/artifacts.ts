import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { Scope } from './scope';
import { PipelineSettings } from './settings';

/** The artifact bucket and the resources that finish its configuration. */
export interface ArtifactStore {
  readonly bucket: aws.s3.Bucket;
  /** Versioning, encryption, public access block, ownership, lifecycle, TLS-only policy: in place before the first artifact. */
  readonly configuration: pulumi.Resource[];
}

/**
 * The S3 bucket CodePipeline keeps artifacts in, configured with separate
 * resources (@pulumi/aws v7 deprecates the inline bucket properties).
 */
export function artifactStore(scope: Scope, key: aws.kms.Key, artifacts: PipelineSettings['artifacts']): ArtifactStore {
  const parent = { parent: scope.parent };
  const bucket = new aws.s3.Bucket('artifacts', {
    bucket: scope.nameFor('artifactBucket'),
    forceDestroy: artifacts.forceDestroy,
    tags: scope.tags,
  }, parent);
  const versioning = new aws.s3.BucketVersioning('artifacts-versioning', {
    bucket: bucket.id,
    versioningConfiguration: { status: 'Enabled' },
  }, parent);
  const encryption = new aws.s3.BucketServerSideEncryptionConfiguration('artifacts-encryption', {
    bucket: bucket.id,
    rules: [{
      applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: key.arn },
      bucketKeyEnabled: true,
    }],
  }, parent);
  const publicAccess = new aws.s3.BucketPublicAccessBlock('artifacts-public-access', {
    bucket: bucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  }, parent);
  const ownership = new aws.s3.BucketOwnershipControls('artifacts-ownership', {
    bucket: bucket.id,
    rule: { objectOwnership: 'BucketOwnerEnforced' },
  }, parent);
  const lifecycle = new aws.s3.BucketLifecycleConfiguration('artifacts-lifecycle', {
    bucket: bucket.id,
    rules: [{
      id: 'expire-old-versions',
      status: 'Enabled',
      filter: {},
      noncurrentVersionExpiration: { noncurrentDays: artifacts.noncurrentVersionExpiryDays },
      abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
    }],
  }, { ...parent, dependsOn: [versioning] });
  const tlsOnly = new aws.s3.BucketPolicy('artifacts-tls-only', {
    bucket: bucket.id,
    policy: pulumi.jsonStringify({
      Version: '2012-10-17',
      Statement: [{
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }],
    }),
  }, { ...parent, dependsOn: [publicAccess] });
  return { bucket, configuration: [versioning, encryption, publicAccess, ownership, lifecycle, tlsOnly] };
}
