import * as ecr from '@pulumi/aws/ecr';
import { Scope } from '../scope';
import { PipelineSettings } from '../settings';
import { PipelineKey } from './key';

/**
 * The ECR repository the build pushes to, and the policy that expires old
 * images. Destroy deletes a repository that still holds images only with
 * `forceDelete` (an ephemeral environment); a long-lived one is retained.
 *
 * Release tags (commit SHAs) are immutable; the cache tag alone is excluded,
 * because every build overwrites it with BuildKit's layer cache
 * ("ImageTagMutabilityExclusionFilter", Amazon ECR API Reference: filterType
 * WILDCARD, filter `[0-9a-zA-Z._*-]{1,128}`). Switching from IMMUTABLE updates
 * the repository in place (PutImageTagMutability), so an upgrade keeps its images.
 */
export function imageRegistry(scope: Scope, key: PipelineKey, registry: PipelineSettings['registry']): ecr.Repository {
  const ephemeral = scope.lifecycle === 'ephemeral';
  const options = { parent: scope.parent, retainOnDelete: !ephemeral };
  const repository = new ecr.Repository('images', {
    name: scope.names.repository,
    imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
    imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: registry.cacheTag }],
    imageScanningConfiguration: { scanOnPush: true },
    encryptionConfigurations: [{ encryptionType: 'KMS', kmsKey: key.arn }],
    forceDelete: ephemeral,
    tags: scope.tags,
  }, options);
  new ecr.LifecyclePolicy('images-lifecycle', {
    repository: repository.name,
    policy: JSON.stringify(lifecyclePolicy(registry)),
  }, options);
  return repository;
}

/**
 * ECR applies the rules by priority, and an image that a rule selects by its
 * tag is never expired by a rule of lower priority ("Lifecycle policy
 * evaluation rules", https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html).
 * Rule 1 selects the cache tag and expires only beyond one image with it,
 * which a tag cannot have: the cache in use is never expired. The last rule
 * counts tagged images only (`tagPatternList: ["*"]`): one on "any" would also
 * count the untagged cache manifest every build leaves behind until rule 2
 * expires it, crowding release images out. It still counts the cache among the
 * images it keeps (an image selected earlier is counted, not expired,
 * "Lifecycle policy evaluation rules"), so it keeps one more: exactly
 * `keepImages` release images stay.
 */
export function lifecyclePolicy(registry: PipelineSettings['registry']) {
  return {
    rules: [
      {
        rulePriority: 1,
        description: `Never expire the build cache (tag ${registry.cacheTag})`,
        selection: { tagStatus: 'tagged', tagPatternList: [registry.cacheTag], countType: 'imageCountMoreThan', countNumber: 1 },
        action: { type: 'expire' },
      },
      {
        rulePriority: 2,
        description: `Expire untagged images after ${registry.untaggedExpiryDays} days`,
        selection: {
          tagStatus: 'untagged',
          countType: 'sinceImagePushed',
          countUnit: 'days',
          countNumber: registry.untaggedExpiryDays,
        },
        action: { type: 'expire' },
      },
      {
        rulePriority: 3,
        description: `Keep the last ${registry.keepImages} tagged images, besides the build cache`,
        selection: { tagStatus: 'tagged', tagPatternList: ['*'], countType: 'imageCountMoreThan', countNumber: registry.keepImages + 1 },
        action: { type: 'expire' },
      },
    ],
  };
}
