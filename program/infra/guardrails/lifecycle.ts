/** Guardrails of what destroy does to the key, the bucket and the registry, by environment lifecycle (settings.ts). */
import { BUCKET_CONFIGURATION, GuardrailPart, one, TYPES } from './kit';
import { environmentLifecycle } from '../settings';

export const LIFECYCLE: GuardrailPart = {
  part: 'destroy',
  checks: {
    'the key outlives a long-lived environment, and goes 7 days after an ephemeral one': ({ resources, settings, environment }) => {
      const key = one(resources, TYPES.key);
      const longLived = environmentLifecycle(settings, environment) === 'long-lived';
      expect({ retainOnDelete: key.retainOnDelete, deletionWindowInDays: key.inputs.deletionWindowInDays })
        .toEqual(longLived ? { retainOnDelete: true, deletionWindowInDays: 30 } : { retainOnDelete: false, deletionWindowInDays: 7 });
    },
    'the artifact bucket and its configuration outlive a long-lived environment (unless forceDestroy); an ephemeral one is emptied and deleted': ({ resources, settings, environment }) => {
      const disposable = environmentLifecycle(settings, environment) === 'ephemeral' || settings.artifacts.forceDestroy;
      expect(one(resources, TYPES.bucket).inputs.forceDestroy).toBe(disposable);
      for (const type of [TYPES.bucket, ...BUCKET_CONFIGURATION]) {
        expect({ type, retainOnDelete: one(resources, type).retainOnDelete }).toEqual({ type, retainOnDelete: !disposable });
      }
    },
    'the ECR repository and its lifecycle policy outlive a long-lived environment; an ephemeral one is deleted with its images': ({ resources, settings, environment }) => {
      const ephemeral = environmentLifecycle(settings, environment) === 'ephemeral';
      expect(one(resources, TYPES.repository).inputs.forceDelete).toBe(ephemeral);
      for (const type of [TYPES.repository, TYPES.ecrLifecycle]) {
        expect({ type, retainOnDelete: one(resources, type).retainOnDelete }).toEqual({ type, retainOnDelete: !ephemeral });
      }
    },
  },
};
