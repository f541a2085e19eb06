/** Guardrails of the image registry (parts/registry.ts); its tag mutability and lifecycle are build-economy.ts's. */
import { GuardrailPart, one, TYPES } from './kit';

export const REGISTRY: GuardrailPart = {
  part: 'registry',
  checks: {
    'images are scanned on push': ({ resources }) => {
      expect(one(resources, TYPES.repository).inputs.imageScanningConfiguration.scanOnPush).toBe(true);
    },
    'the registry is KMS-encrypted': ({ resources }) => {
      expect(one(resources, TYPES.repository).inputs.encryptionConfigurations[0].encryptionType).toBe('KMS');
    },
  },
};
