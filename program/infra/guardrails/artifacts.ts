/** Guardrails of the artifact bucket and its configuration (parts/artifacts.ts). */
import { BUCKET_CONFIGURATION, dependsOn, GuardrailPart, lifecycleRules, one, pipelineOf, statementsOf, TYPES } from './kit';

/** Inline S3 bucket properties that @pulumi/aws v7 deprecates in favour of separate resources. */
const INLINE_BUCKET_PROPERTIES = [
  'versioning', 'serverSideEncryptionConfiguration', 'lifecycleRules', 'policy', 'acl', 'grants', 'loggings',
  'website', 'corsRules', 'replicationConfiguration', 'objectLockConfiguration', 'accelerationStatus',
];

export const ARTIFACTS: GuardrailPart = {
  part: 'artifacts',
  checks: {
    'the artifact store is a single S3 store with no region (AWS rejects region on single-region pipelines)': ({ resources, settings }) => {
      const stores = pipelineOf(resources).artifactStores;
      expect(stores).toHaveLength(1);
      expect(stores[0].type).toBe('S3');
      expect(stores[0]).not.toHaveProperty('region');
      expect(stores[0].location).toBe(settings.shared?.artifactBucket ?? one(resources, TYPES.bucket).inputs.bucket);
      expect(stores[0].encryptionKey.type).toBe('KMS');
    },
    'the bucket has no inline configuration (deprecated in @pulumi/aws v7): each part is its own resource': ({ resources }) => {
      const bucket = one(resources, TYPES.bucket);
      for (const property of INLINE_BUCKET_PROPERTIES) expect(bucket.inputs).not.toHaveProperty(property);
      for (const type of [TYPES.versioning, TYPES.encryption, TYPES.publicAccess, TYPES.ownership, TYPES.lifecycle, TYPES.bucketPolicy]) {
        expect({ type, bucket: one(resources, type).inputs.bucket }).toEqual({ type, bucket: `${bucket.name}-id` });
      }
    },
    'the bucket is versioned': ({ resources }) => {
      expect(one(resources, TYPES.versioning).inputs.versioningConfiguration).toEqual({ status: 'Enabled' });
    },
    'the bucket encrypts with KMS and a bucket key': ({ resources }) => {
      const [rule] = one(resources, TYPES.encryption).inputs.rules;
      expect(rule.applyServerSideEncryptionByDefault.sseAlgorithm).toBe('aws:kms');
      expect(rule.bucketKeyEnabled).toBe(true);
    },
    'the bucket blocks all public access': ({ resources }) => {
      expect(one(resources, TYPES.publicAccess).inputs).toMatchObject({
        blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
      });
    },
    'the bucket owner owns every object (ACLs disabled)': ({ resources }) => {
      expect(one(resources, TYPES.ownership).inputs.rule.objectOwnership).toBe('BucketOwnerEnforced');
    },
    'current artifacts expire after the configured days (every run writes new keys)': ({ resources, settings }) => {
      const current = lifecycleRules(resources).filter(r => r.expiration?.days !== undefined);
      expect(current).toEqual([expect.objectContaining({ status: 'Enabled', filter: {}, expiration: { days: settings.artifacts.expiryDays } })]);
    },
    'old artifact versions expire and incomplete uploads are aborted': ({ resources, settings }) => {
      const rules = lifecycleRules(resources);
      expect(rules.map(r => r.noncurrentVersionExpiration?.noncurrentDays).filter(Boolean)).toEqual([settings.artifacts.noncurrentVersionExpiryDays]);
      expect(rules.some(r => r.abortIncompleteMultipartUpload?.daysAfterInitiation > 0)).toBe(true);
    },
    'expired delete markers are removed, by a rule of their own (S3 rejects them beside Days)': ({ resources }) => {
      const markers = lifecycleRules(resources).filter(r => r.expiration?.expiredObjectDeleteMarker === true);
      expect(markers).toHaveLength(1);
      expect(markers[0]).toMatchObject({ status: 'Enabled', filter: {} });
      expect(markers[0].expiration).toEqual({ expiredObjectDeleteMarker: true });
    },
    'the bucket is configured one change at a time (S3 aborts concurrent ones)': ({ resources }) => {
      BUCKET_CONFIGURATION.slice(1).forEach((type, i) => dependsOn(resources, one(resources, type), BUCKET_CONFIGURATION[i]));
    },
    'the bucket refuses requests without TLS': ({ resources }) => {
      const [deny] = statementsOf(one(resources, TYPES.bucketPolicy));
      expect(deny).toMatchObject({ Effect: 'Deny', Principal: '*', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    },
  },
};
