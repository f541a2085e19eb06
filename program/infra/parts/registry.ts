import * as aws from '@pulumi/aws';
import { Scope } from '../scope';
import { PipelineSettings } from '../settings';

/**
 * The ECR repository the build pushes to, and the policy that expires old
 * images. Destroy deletes a repository that still holds images only with
 * `forceDelete` (an ephemeral environment); a long-lived one is retained.
 */
export function imageRegistry(scope: Scope, key: aws.kms.Key, registry: PipelineSettings['registry']): aws.ecr.Repository {
  const ephemeral = scope.lifecycle === 'ephemeral';
  const options = { parent: scope.parent, retainOnDelete: !ephemeral };
  const repository = new aws.ecr.Repository('images', {
    name: scope.names.repository,
    imageTagMutability: 'IMMUTABLE',
    imageScanningConfiguration: { scanOnPush: true },
    encryptionConfigurations: [{ encryptionType: 'KMS', kmsKey: key.arn }],
    forceDelete: ephemeral,
    tags: scope.tags,
  }, options);
  new aws.ecr.LifecyclePolicy('images-lifecycle', {
    repository: repository.name,
    policy: JSON.stringify({
      rules: [
        {
          rulePriority: 1,
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
          // A rule on "any" must have the lowest priority (highest number).
          rulePriority: 2,
          description: `Keep the last ${registry.keepImages} images`,
          selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: registry.keepImages },
          action: { type: 'expire' },
        },
      ],
    }),
  }, options);
  return repository;
}
