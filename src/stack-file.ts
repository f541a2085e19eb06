import { toPortableYaml } from './portable-yaml';

/**
 * `infra/Pulumi.<environment>.yaml`, written once and then the team's: the
 * environment suffix under the Pulumi project's config namespace, with the
 * comments that say how to add secrets and the region. Written with a YAML
 * serializer so that any environment name (`true`, `null`, `on`) stays a string.
 */
export function stackFileContents(environment: string, configNamespace: string): string {
  return toPortableYaml(
    { config: { [`${configNamespace}:environmentSuffix`]: environment } },
    {
      header: [
        `Stack ${JSON.stringify(environment)}. Written once by cicd-pipeline-type: this file is yours and is never overwritten.`,
        'Secrets: pulumi config set --secret <key> <value> (stored encrypted, never in plain text).',
      ],
      after: {
        config: [
          'The region the pipeline is deployed to (or set AWS_REGION):',
          'aws:region: eu-west-1',
        ],
      },
    },
  );
}
