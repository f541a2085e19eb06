import { secretReference, SecretStore } from './arns';
import { OptionPath, Problems } from './validation';

const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/**
 * What the image signing and its verification read (signing.ts): a user value would sign with, or trust,
 * another profile, or move Notation's configuration. Reserved with or without signing, so that turning it on
 * never collides with a variable a repository already has.
 */
const SIGNING_VARIABLES = [
  'SIGNING_PROFILE_ARN', 'VERIFIED_IMAGE_URI', 'NOTATION_CONFIG', 'NOTATION_CACHE', 'NOTATION_LIBEXEC', 'NOTATION_USERNAME', 'NOTATION_PASSWORD',
];
/** Build variables the buildspec and CodeBuild set; a user value would break the build. */
export const RESERVED_BUILD_VARIABLES = [
  'REPOSITORY_URI', 'REPOSITORY_NAME', 'AWS_ACCOUNT_ID', 'IMAGE_TAG', 'IMAGE_URI', 'IMAGE_DIGEST', 'DOCKERFILE', 'DOCKER_CONTEXT',
  'CONTAINER_NAME', 'PATH', 'HOME', ...SIGNING_VARIABLES,
];
/** Variables a deploy stage's pipeline action and buildspec set. */
export const RESERVED_DEPLOY_VARIABLES = [
  'IMAGE_TAG', 'IMAGE_URI', 'IMAGE_DIGEST', 'DEPLOY_STAGE', 'ASSUME_ROLE_ARN', 'PATH', 'HOME', 'REPOSITORY_URI', ...SIGNING_VARIABLES,
];
const SECRET_LIKE_NAME = /(SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE_?KEY|API_?KEY|CREDENTIAL)/i;

/** Why `name` cannot be a variable of a buildspec, or undefined. */
function nameProblem(name: string, reserved: readonly string[]): string | undefined {
  if (!ENV_VAR_NAME.test(name)) return 'is not a valid variable name (letters, digits, "_", not starting with a digit)';
  if (name.startsWith('CODEBUILD_') || name.startsWith('AWS_') || reserved.includes(name)) return 'is reserved: CodeBuild or the pipeline sets it';
  return undefined;
}

/**
 * Checks plain-text variables, which are written to a committed buildspec:
 * a name that looks like a secret is rejected, so that no secret value lands
 * in the repository.
 */
export function checkPlainVariables(p: Problems, path: OptionPath, value: unknown, reserved: readonly string[]): Record<string, string> {
  if (!p.stringMap(path, value)) return {};
  for (const key of Object.keys(value)) {
    const problem = nameProblem(key, reserved);
    if (problem) {
      p.add(path.key(key), problem);
    } else if (SECRET_LIKE_NAME.test(key)) {
      p.add(path.key(key), 'looks like a secret; the buildspec is committed, so keep secrets in Secrets Manager or Parameter Store');
    }
  }
  return value;
}

/** Secret variables by the store CodeBuild reads them from: the buildspec's `env.secrets-manager` / `env.parameter-store`. */
export type SecretVariables = Record<SecretStore, Record<string, string>>;

/**
 * Checks secret variables: each maps a variable name to the ARN of a Secrets
 * Manager secret or a Parameter Store parameter, never to a value, and does
 * not repeat a plain variable's name (CodeBuild would keep only one).
 */
export function checkSecretVariables(p: Problems, path: OptionPath, value: unknown, reserved: readonly string[],
  plain: Record<string, string>): SecretVariables {
  const secrets = secretsOf({});
  if (!p.stringMap(path, value)) return secrets;
  for (const [key, arn] of Object.entries(value)) {
    const at = path.key(key);
    const problem = nameProblem(key, reserved);
    if (problem) p.add(at, problem);
    else if (key in plain) p.add(at, 'is also a plain environment variable; give each variable one source');
    const reference = secretReference(arn);
    if ('problem' in reference) p.add(at, reference.problem);
    else secrets[reference.store][key] = arn;
  }
  return secrets;
}

/** Secret variables sorted by store (`arns` already checked). */
export function secretsOf(arns: Record<string, string>): SecretVariables {
  const secrets: SecretVariables = { 'secrets-manager': {}, 'parameter-store': {} };
  for (const [name, arn] of Object.entries(arns)) {
    const reference = secretReference(arn);
    if ('store' in reference) secrets[reference.store][name] = arn;
  }
  return secrets;
}

/** The distinct ARNs of secret variables: what a role is granted. */
export function secretArns(secrets: SecretVariables): string[] {
  return [...new Set([...Object.values(secrets['secrets-manager']), ...Object.values(secrets['parameter-store'])])].sort();
}
