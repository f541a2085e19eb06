/** Guardrails of the secrets the build and deploy stages read, by ARN (parts/secrets.ts). */
import { asList, buildspecsWithSecrets, grantsOf, GuardrailPart, one, secretReaders, serviceOf, statementsOf, TYPES, yamlMap } from './kit';
import { PARAMETER_STORE_CONTEXT, SECRETS_MANAGER_CONTEXT } from '../parts/secrets';

export const SECRETS: GuardrailPart = {
  part: 'secrets',
  checks: {
    'every secret is granted exactly once, to the role whose buildspec reads it, and to no other': ({ resources, settings }) => {
      for (const { policy, secrets } of secretReaders(resources, settings)) {
        for (const [action, service] of [['secretsmanager:GetSecretValue', 'secretsmanager'], ['ssm:GetParameters', 'ssm']]) {
          const expected = [...new Set(secrets.filter(arn => serviceOf(arn) === service))].sort();
          expect({ policy: policy.name, action, grants: grantsOf(policy, action).sort() }).toEqual({ policy: policy.name, action, grants: expected });
        }
      }
      const pipelineActions = statementsOf(one(resources, TYPES.policy, 'pipeline-policy')).flatMap(st => asList(st.Action));
      expect(pipelineActions.filter((a: string) => /^(secretsmanager|ssm):/.test(a))).toEqual([]);
    },
    'secrets are referenced by ARN: no policy or action configuration holds anything but the configured ARNs': ({ resources, settings }) => {
      const configured = new Set([...settings.build.secrets, ...settings.stages.flatMap(stage => stage.secrets)]);
      for (const arn of configured) expect(arn).toMatch(/^arn:aws[a-z-]*:(secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}|ssm:[a-z0-9-]+:\d{12}:parameter\/.+)$/);
      const referenced = JSON.stringify(resources.map(r => r.inputs)).match(/arn:aws[a-z-]*:(secretsmanager|ssm):[^"\\]*/g) ?? [];
      // With self-update on Pulumi Cloud, its access token is a configured secret too (guardrails/self-update.ts checks its use).
      const token = settings.selfUpdate?.accessTokenSecretArn;
      expect([...new Set(referenced)].filter(arn => !configured.has(arn) && arn !== token)).toEqual([]);
    },
    'kms:Decrypt for secrets works only through Secrets Manager or Parameter Store, and only for the secrets granted': ({ resources, settings }) => {
      for (const { policy, secrets } of secretReaders(resources, settings)) {
        const wildcard = statementsOf(policy).filter(st => asList(st.Resource).some((r: string) => /:kms:[^:]*:[^:]*:key\/\*$/.test(r)));
        const expected = [
          ...(secrets.some(arn => serviceOf(arn) === 'secretsmanager') ? [['secretsmanager', SECRETS_MANAGER_CONTEXT]] : []),
          ...(secrets.some(arn => serviceOf(arn) === 'ssm') ? [['ssm', PARAMETER_STORE_CONTEXT]] : []),
        ];
        expect({ policy: policy.name, statements: wildcard.length }).toEqual({ policy: policy.name, statements: expected.length });
        for (const [service, contextKey] of expected) {
          const statement = wildcard.find(st => st.Condition?.StringEquals?.[contextKey] !== undefined);
          expect(statement).toMatchObject({ Effect: 'Allow', Action: 'kms:Decrypt' });
          const condition = statement!.Condition.StringEquals;
          expect(Object.keys(condition).sort()).toEqual(['kms:ViaService', contextKey].sort());
          for (const endpoint of asList(condition['kms:ViaService'])) expect(endpoint).toMatch(new RegExp(`^${service}\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?$`));
          expect([...asList(condition[contextKey])].sort()).toEqual([...new Set(secrets.filter(arn => serviceOf(arn) === service))].sort());
        }
      }
    },
  },
  fileChecks: {
    'buildspecs hold secrets only as references to exactly the ARNs their role may read': ({ settings }, repoRoot) => {
      for (const { file, text, secrets } of buildspecsWithSecrets(settings, repoRoot)) {
        const referenced = [...Object.values(yamlMap(text, 'secrets-manager')), ...Object.values(yamlMap(text, 'parameter-store'))];
        expect({ file, referenced: [...new Set(referenced)].sort() }).toEqual({ file, referenced: [...secrets].sort() });
      }
    },
  },
};
