/** Guardrails of the image registry (parts/registry.ts). */
import { GuardrailPart, one, TYPES } from './kit';

export const REGISTRY: GuardrailPart = {
  part: 'registry',
  checks: {
    'image tags are immutable': ({ resources }) => {
      expect(one(resources, TYPES.repository).inputs.imageTagMutability).toBe('IMMUTABLE');
    },
    'images are scanned on push': ({ resources }) => {
      expect(one(resources, TYPES.repository).inputs.imageScanningConfiguration.scanOnPush).toBe(true);
    },
    'the registry is KMS-encrypted': ({ resources }) => {
      expect(one(resources, TYPES.repository).inputs.encryptionConfigurations[0].encryptionType).toBe('KMS');
    },
    'untagged images expire and only the configured number of images is kept': ({ resources, settings }) => {
      const rules = JSON.parse(one(resources, TYPES.ecrLifecycle).inputs.policy).rules;
      expect(rules.find((r: any) => r.selection.tagStatus === 'untagged').selection.countNumber).toBe(settings.registry.untaggedExpiryDays);
      expect(rules.find((r: any) => r.selection.tagStatus === 'any').selection.countNumber).toBe(settings.registry.keepImages);
    },
  },
};
