/**
 * The statements that let a CodeBuild role resolve its buildspec's secret
 * variables, and nothing more: `secretsmanager:GetSecretValue` on exactly the
 * secrets, `ssm:GetParameters` on exactly the parameters (what CodeBuild calls
 * for `env.secrets-manager` / `env.parameter-store`: "Build specification
 * reference for CodeBuild", https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html),
 * each ARN granted once. None when there are no secrets.
 */
export function secretReadStatements(arns: readonly string[]): object[] {
  const unique = [...new Set(arns)].sort();
  const secrets = unique.filter(arn => serviceOf(arn) === 'secretsmanager');
  const parameters = unique.filter(arn => serviceOf(arn) === 'ssm');
  return [
    ...(secrets.length === 0 ? [] : [
      { Sid: 'ReadSecrets', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secrets },
      decryptThrough('DecryptSecrets', 'secretsmanager', SECRETS_MANAGER_CONTEXT, secrets),
    ]),
    ...(parameters.length === 0 ? [] : [
      { Sid: 'ReadParameters', Effect: 'Allow', Action: 'ssm:GetParameters', Resource: parameters },
      decryptThrough('DecryptParameters', 'ssm', PARAMETER_STORE_CONTEXT, parameters),
    ]),
  ];
}

/**
 * The encryption context each service binds to what it encrypts: Secrets
 * Manager `SecretARN` ("Secret encryption and decryption in AWS Secrets
 * Manager", Secrets Manager encryption context:
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html),
 * Parameter Store `PARAMETER_ARN` ("How AWS Systems Manager Parameter Store
 * uses AWS KMS", https://docs.aws.amazon.com/kms/latest/developerguide/services-parameter-store.html).
 */
export const SECRETS_MANAGER_CONTEXT = 'kms:EncryptionContext:SecretARN';
export const PARAMETER_STORE_CONTEXT = 'kms:EncryptionContext:PARAMETER_ARN';

const serviceOf = (arn: string) => arn.split(':')[2];

/**
 * `kms:Decrypt` for a secret or SecureString parameter encrypted with a
 * customer-managed key, whose id the pipeline cannot know. A secret under the
 * AWS managed key needs no grant; this one is usable only through the
 * service (`kms:ViaService`, "AWS KMS condition keys") and only for these
 * ARNs (the encryption context), on keys of the secrets' own accounts and
 * regions. The service's endpoint name follows its partition's DNS suffix
 * (`amazonaws.com.cn` in China).
 */
function decryptThrough(sid: string, service: string, contextKey: string, arns: string[]): object {
  const places = arns.map(arn => arn.split(':'));
  const keys = [...new Set(places.map(([, partition, , region, account]) => `arn:${partition}:kms:${region}:${account}:key/*`))].sort();
  const endpoints = [...new Set(places.map(([, partition, , region]) =>
    `${service}.${region}.${partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com'}`))].sort();
  return {
    Sid: sid,
    Effect: 'Allow',
    Action: 'kms:Decrypt',
    Resource: keys,
    Condition: { StringEquals: { 'kms:ViaService': endpoints, [contextKey]: arns } },
  };
}
