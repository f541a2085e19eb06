import * as s3 from '@pulumi/aws/s3';
import * as pulumi from '@pulumi/pulumi';
import { Scope } from '../scope';
import { PipelineSettings } from '../settings';
import { PipelineKey } from './key';

/** Days after which an upload that never completed is aborted (its parts cost storage until then). */
const ABORT_INCOMPLETE_UPLOADS_DAYS = 7;

/** Where the pipeline keeps its artifacts, as the roles' grants name it. */
export interface ArtifactLocation {
  /** The bucket's name. */
  readonly bucket: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;
  /** The objects this pipeline reads and writes: the whole bucket if it is the stack's own, its folder in a shared one. */
  readonly objects: pulumi.Output<string>;
}

/** The artifact bucket and the resources that finish its configuration. */
export interface ArtifactStore {
  readonly bucket: ArtifactLocation;
  /** Versioning, encryption, public access block, ownership, lifecycle, TLS-only policy: in place before the first artifact. */
  readonly configuration: pulumi.Resource[];
}

/**
 * The S3 bucket CodePipeline keeps artifacts in, configured with separate
 * resources (@pulumi/aws v7 deprecates the inline bucket properties).
 *
 * The configuration resources are applied one at a time, each waiting for
 * the one before: S3 rejects concurrent configuration changes to one bucket
 * with `OperationAborted` ("A conflicting conditional operation is currently
 * in progress against this resource", Amazon S3 API Reference, Error
 * responses: https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
 *
 * Destroy: an ephemeral environment's bucket is emptied (every version) and
 * deleted; a long-lived one is retained with its configuration, unless
 * `artifacts.forceDestroy` asks for it to go in every environment.
 */
export function artifactStore(scope: Scope, key: PipelineKey, artifacts: PipelineSettings['artifacts']): ArtifactStore {
  const disposable = scope.lifecycle === 'ephemeral' || artifacts.forceDestroy;
  const options = { parent: scope.parent, retainOnDelete: !disposable };
  const after = (previous: pulumi.Resource) => ({ ...options, dependsOn: [previous] });

  const bucket = new s3.Bucket('artifacts', {
    bucket: scope.nameFor('artifactBucket'),
    // A versioned bucket that still holds objects cannot be deleted without it.
    forceDestroy: disposable,
    tags: scope.tags,
  }, options);
  const versioning = new s3.BucketVersioning('artifacts-versioning', {
    bucket: bucket.id,
    versioningConfiguration: { status: 'Enabled' },
  }, options);
  const encryption = new s3.BucketServerSideEncryptionConfiguration('artifacts-encryption', {
    bucket: bucket.id,
    rules: [{
      applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: key.arn },
      bucketKeyEnabled: true,
    }],
  }, after(versioning));
  const publicAccess = new s3.BucketPublicAccessBlock('artifacts-public-access', {
    bucket: bucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  }, after(encryption));
  const ownership = new s3.BucketOwnershipControls('artifacts-ownership', {
    bucket: bucket.id,
    rule: { objectOwnership: 'BucketOwnerEnforced' },
  }, after(publicAccess));
  const lifecycle = new s3.BucketLifecycleConfiguration('artifacts-lifecycle', {
    bucket: bucket.id,
    rules: [
      {
        // CodePipeline writes every run's artifacts under new keys: without this, current objects stay forever.
        id: 'expire-artifacts',
        status: 'Enabled',
        filter: {},
        expiration: { days: artifacts.expiryDays },
      },
      {
        id: 'expire-old-versions',
        status: 'Enabled',
        filter: {},
        noncurrentVersionExpiration: { noncurrentDays: artifacts.noncurrentVersionExpiryDays },
        abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_INCOMPLETE_UPLOADS_DAYS },
      },
      {
        // Expiring a current version of a versioned object leaves a delete marker; once its old versions
        // expire too, nothing else removes it. ExpiredObjectDeleteMarker "cannot be specified with Days or
        // Date in a Lifecycle Expiration Policy" (Amazon S3 API Reference, LifecycleExpiration:
        // https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleExpiration.html), hence its own rule.
        id: 'remove-expired-delete-markers',
        status: 'Enabled',
        filter: {},
        expiration: { expiredObjectDeleteMarker: true },
      },
    ],
  }, after(ownership));
  const tlsOnly = new s3.BucketPolicy('artifacts-tls-only', {
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
  }, after(lifecycle));
  return {
    bucket: { bucket: bucket.bucket, arn: bucket.arn, objects: pulumi.interpolate`${bucket.arn}/*` },
    configuration: [versioning, encryption, publicAccess, ownership, lifecycle, tlsOnly],
  };
}
