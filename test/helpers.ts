import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TYPES, one } from '../program/infra/guardrails';
import type { RegisteredResource } from '../program/infra/guardrails/mock-run';
import type { PipelineSettings } from '../program/infra/settings';
import { resolvePipeline } from '../src/pipeline-model';
import { PipelineProps } from '../src/pipeline-props';
import { renderSettings } from '../src/settings-file';
import { PipelineConfigError } from '../src/validation';

/** The Pulumi project of the settings the tests render (a consumer's package name). */
export const TEST_PULUMI_PROJECT = 'web-app';

/** Settings exactly as the library renders them into a consumer's `pipeline-settings.json`. */
export function settingsFor(props: PipelineProps, pulumiProject = TEST_PULUMI_PROJECT): PipelineSettings {
  // Through JSON, as the program reads them.
  return JSON.parse(JSON.stringify(renderSettings(resolvePipeline(props), 'buildspec.yml', pulumiProject)));
}

/** A fresh directory under the OS temp dir (Testing.synth deletes a project's outdir). */
/** Every file under `dir` (relative path → bytes as base64): what "nothing written" compares. */
export function snapshotDir(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = path.posix.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else files[child] = fs.readFileSync(path.join(dir, child)).toString('base64');
    }
  };
  walk('.');
  return files;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
}

export const REPO_ROOT = path.join(__dirname, '..');

/** A full configuration, every nested struct used. */
export const FULL_PROPS: PipelineProps = {
  repository: 'acme-corp/payments.api',
  branch: 'release/2026',
  filePaths: ['src/**', 'Dockerfile'],
  connectionArn: 'arn:aws:codestar-connections:eu-central-1:111122223333:connection/0b3e5a8e-1111-4222-8333-944455556666',
  name: 'payments',
  environments: ['dev', 'staging', 'prod'],
  codeBuild: {
    computeType: 'BUILD_GENERAL1_MEDIUM' as any,
    image: 'aws/codebuild/amazonlinux-x86_64-standard:5.0' as any,
    dockerfile: 'docker/Dockerfile',
    context: 'app',
    timeoutMinutes: 45,
    logRetentionDays: 90,
    preBuildCommands: ['npm ci'],
    postBuildCommands: ['echo done'],
    environmentVariables: { NODE_ENV: 'production' },
  },
  registry: { keepImages: 50, untaggedExpiryDays: 3 },
  artifacts: { noncurrentVersionExpiryDays: 14, forceDestroy: true },
  notifications: { emails: ['ops@acme.example', 'dev@acme.example'], states: ['FAILED' as any, 'STOPPED' as any] },
  tags: { team: 'payments', project: 'checkout', costCenter: 'cc-1234', custom: { DataClass: 'internal', Owner: 'ops@acme.example' } },
};

/** A Secrets Manager secret and a Parameter Store parameter, as full ARNs. */
export const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:web-app/npm-token-AbC123';
export const PARAMETER_ARN = 'arn:aws:ssm:eu-west-1:111122223333:parameter/web-app/prod/db-password';
export const PROD_ROLE_ARN = 'arn:aws:iam::444455556666:role/deploy/web-app-deployer';

/** Issue 12's configuration: build secrets, then `dev`, then `prod` with an approval, a role to assume and rollback. */
export const PROMOTION_PROPS: PipelineProps = {
  repository: 'acme/web-app',
  environments: ['dev', 'prod'],
  notifications: { emails: ['team@acme.example'] },
  codeBuild: { secrets: { NPM_TOKEN: SECRET_ARN } },
  stages: [
    { name: 'dev', commands: ['./scripts/deploy.sh dev'], environmentVariables: { TARGET: 'dev' } },
    {
      name: 'prod',
      commands: ['./scripts/deploy.sh prod', 'echo "deployed ${IMAGE_DIGEST}"'],
      environmentVariables: { TARGET: 'prod' },
      secrets: { DB_PASSWORD: PARAMETER_ARN, NPM_TOKEN: SECRET_ARN },
      manualApproval: { emails: ['release@acme.example', 'TEAM@acme.example'] },
      assumeRoleArn: PROD_ROLE_ARN,
      rollbackOnFailure: true,
    },
  ],
};

/** Self-update on an S3 backend with a KMS alias as secrets provider (the default drift schedule). */
export const SELF_UPDATE_S3 = {
  backendUrl: 's3://acme-pulumi-state/pipelines?region=eu-west-1',
  secretsProvider: 'awskms://alias/pulumi-state?region=eu-west-1',
};

/** Self-update on Pulumi Cloud, the token in Secrets Manager, a key ARN as secrets provider, the drift schedule off. */
export const SELF_UPDATE_CLOUD = {
  backendUrl: 'https://api.pulumi.com',
  accessTokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:pulumi/ci-token-AbC123',
  secretsProvider: 'awskms:///arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  driftSchedule: 'off',
};

/** The problems `resolvePipeline` reports for `props`, in the given spelling; none when it accepts them. */
export function problemsOf(props: unknown, style: 'typescript' | 'python' = 'typescript'): readonly string[] {
  try {
    resolvePipeline(props as PipelineProps, { style });
  } catch (error) {
    if (error instanceof PipelineConfigError) return error.problems;
    throw error;
  }
  return [];
}

/** A deep copy of what a mocked run registered, changed by `change`: what a guardrail must refuse. */
export function brokenCopy(resources: readonly RegisteredResource[], change: (copy: RegisteredResource[]) => void): RegisteredResource[] {
  const copy: RegisteredResource[] = JSON.parse(JSON.stringify(resources));
  change(copy);
  return copy;
}

/** Edits the statements of the IAM policy `name` in a registered copy. */
export function editPolicy(list: RegisteredResource[], name: string, edit: (statements: any[]) => void): void {
  const policy = one(list, TYPES.policy, name);
  const doc = JSON.parse(policy.inputs.policy);
  edit(doc.Statement);
  policy.inputs.policy = JSON.stringify(doc);
}
