import type * as types from '@pulumi/aws/types';
import * as pulumi from '@pulumi/pulumi';
import { Scope } from '../../scope';
import { ENVIRONMENT_VARIABLE, SelfUpdateSettings, selfUpdateStackName } from '../../settings';

/** The Sids of `stateStatements`: a boundary keeps them as they are (boundary.ts). */
export const STATE_SIDS = ['ListState', 'ReadBackendMarker', 'WriteState', 'ReadState', 'UseSecretsKey', 'ReadCloudToken'];

/** What the drift check needs (read the state), or the self-update (read and write it). */
export type StateAccess = 'read' | 'write';

/**
 * The fully qualified stack (`<organization>/<project>/<stack>`), so that the
 * CLI in CodeBuild selects exactly the stack that deployed the pipeline:
 * Pulumi Cloud's organization is the one this stack lives in, and an S3
 * backend's is always `organization` ("Using a DIY backend"; the CLI's
 * `ParseReference` accepts no other).
 */
export function qualifiedStack(selfUpdate: SelfUpdateSettings, pulumiProject: string, environment: string): string {
  return `${pulumi.getOrganization()}/${pulumiProject}/${selfUpdateStackName(selfUpdate, environment)}`;
}

/**
 * The environment variables both projects read: the stack, its environment
 * suffix (the same as its stack file's, and enough for a stack that has none,
 * such as a per-pull-request one) and Pulumi Cloud's token from Secrets Manager.
 */
export function stackVariables(selfUpdate: SelfUpdateSettings, stack: string, environment: string):
types.input.codebuild.ProjectEnvironmentEnvironmentVariable[] {
  return [
    { name: 'PULUMI_STACK', value: stack, type: 'PLAINTEXT' },
    { name: ENVIRONMENT_VARIABLE, value: environment, type: 'PLAINTEXT' },
    // CodeBuild reads the secret when the build starts; neither the token nor its value is in a file or the state.
    ...(selfUpdate.accessTokenSecretArn
      ? [{ name: 'PULUMI_ACCESS_TOKEN', value: selfUpdate.accessTokenSecretArn, type: 'SECRETS_MANAGER' }]
      : []),
  ];
}

/**
 * The statements that let a project use this stack's state and secrets, and
 * nothing else of the backend:
 * - S3: only this stack's files under `<prefix>/.pulumi/` — its checkpoint
 *   (`stacks/<project>/<stack>.*`), history, backups, journal and locks (the
 *   layout of pulumi/pulumi `pkg/backend/diy`: store.go, lock.go) — so that a
 *   commit of one repository can never touch another's stack in a shared
 *   bucket (the drift check only reads them); listing only under the state
 *   prefix. `s3:prefix` is checked
 *   `IfExists`: S3 answers a missing file (such as a stack without tags) with
 *   404 only to a caller allowed to list the bucket (Amazon S3 API Reference,
 *   GetObject, Permissions), a check that comes with no prefix; a 403 there
 *   stops the CLI. So a listing that names no prefix passes too: it shows
 *   the names of the backend's files, never their content.
 * - KMS: only the secrets provider's key.
 * - Pulumi Cloud: only the token's secret.
 */
export function stateStatements(scope: Scope, selfUpdate: SelfUpdateSettings, pulumiProject: string, environment: string,
  access: StateAccess): object[] {
  const statements: object[] = [];
  const { backend } = selfUpdate;
  const stack = selfUpdateStackName(selfUpdate, environment);
  if (backend.kind === 's3') {
    const bucket = pulumi.interpolate`arn:${scope.partition}:s3:::${backend.bucket}`;
    const root = backend.prefix ? `${backend.prefix}/.pulumi` : '.pulumi';
    // `stacks/<project>/<stack>.json` (and .gz, .zst, .bak, .pulumi-tags) and the folders
    // `history|backups|journal/<project>/<stack>/` and `locks/organization/<project>/<stack>/`.
    const stackFiles = [`${root}/*/${pulumiProject}/${stack}.*`, `${root}/*/${pulumiProject}/${stack}/*`];
    statements.push(
      {
        Sid: 'ListState',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: bucket,
        Condition: { StringLikeIfExists: { 's3:prefix': [`${root}/*`] } },
      },
      ...access === 'write'
        ? [
          // The backend's version marker, which every command reads first.
          { Sid: 'ReadBackendMarker', Effect: 'Allow', Action: 's3:GetObject', Resource: pulumi.interpolate`${bucket}/${root}/meta.yaml` },
          {
            Sid: 'WriteState',
            Effect: 'Allow',
            Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
            Resource: stackFiles.map(file => pulumi.interpolate`${bucket}/${file}`),
          },
        ]
        : [{
          Sid: 'ReadState',
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: [`${root}/meta.yaml`, ...stackFiles].map(file => pulumi.interpolate`${bucket}/${file}`),
        }],
    );
  }
  if (selfUpdate.secretsKey) statements.push(secretsKeyStatement(scope, selfUpdate.secretsKey, access));
  if (selfUpdate.accessTokenSecretArn) {
    statements.push({
      Sid: 'ReadCloudToken',
      Effect: 'Allow',
      Action: 'secretsmanager:GetSecretValue',
      Resource: selfUpdate.accessTokenSecretArn,
    });
  }
  return statements;
}

/**
 * The secrets provider's key: decrypt the stack's secrets (and, for the
 * update, encrypt new ones; also what a state bucket encrypted with this key
 * needs). IAM cannot name a key by its alias ("Using aliases to control access
 * to KMS keys": an alias ARN in `Resource` matches nothing), so an alias is
 * matched with `kms:ResourceAliases` on the account's keys. (Parliament reports
 * it as UNKNOWN_CONDITION_FOR_ACTION: AWS documents the key under the `key`
 * resource type, "Actions, resources, and condition keys for AWS Key Management
 * Service", which parliament's database predates.)
 */
function secretsKeyStatement(scope: Scope, key: NonNullable<SelfUpdateSettings['secretsKey']>, access: StateAccess): object {
  const partition = key.partition ?? scope.partition;
  const region = key.region ?? scope.region;
  const account = key.account ?? scope.accountId;
  const base = {
    Sid: 'UseSecretsKey',
    Effect: 'Allow',
    Action: access === 'write' ? ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'] : 'kms:Decrypt',
  };
  if (key.keyId) return { ...base, Resource: pulumi.interpolate`arn:${partition}:kms:${region}:${account}:key/${key.keyId}` };
  return {
    ...base,
    Resource: pulumi.interpolate`arn:${partition}:kms:${region}:${account}:key/*`,
    Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': key.alias } },
  };
}
