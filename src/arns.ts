/**
 * The shapes of the ARNs a user gives the pipeline, partition-aware: a region
 * belongs to exactly one partition (`cn-*` to `aws-cn`, `us-gov-*` to
 * `aws-us-gov`, any other to `aws`), and an ARN that names another cannot
 * exist ("Identify AWS resources with Amazon Resource Names (ARNs)",
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html).
 */

const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'] as const;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/;
const ACCOUNT = /^\d{12}$/;

/** The partition of a region's ARNs. */
export function partitionOfRegion(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** Why `region` cannot be the region of an ARN in `partition`, or undefined. */
function regionProblem(partition: string, region: string): string | undefined {
  if (!REGION.test(region)) return `${JSON.stringify(region)} is not a region`;
  const expected = partitionOfRegion(region);
  return partition === expected ? undefined : `region ${region} belongs to partition ${expected}, not ${partition}`;
}

/**
 * IAM role names: 1 to 64 of `[\w+=,.@-]`; a path is `/`, or `/`-separated
 * parts of printable ASCII ending in `/`, at most 512 characters (IAM API
 * Reference, CreateRole: RoleName and Path).
 */
const ROLE_ARN = /^arn:([^:]*):iam::([^:]*):role\/(.*)$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const ROLE_PATH = /^\/(?:[\x21-\x7e]+\/)*$/;

/**
 * The end of a message about a value that should be an ARN and is none: it
 * is not quoted, since what people paste in place of an ARN is often the
 * secret (or token) the ARN should point to.
 */
function notShown(value: string): string {
  return value.startsWith('arn:') ? '' : '; it is not shown, as a value that is no ARN at all may be a secret';
}

/** Why `value` is not an IAM role ARN, or undefined. */
export function roleArnProblem(value: string): string | undefined {
  const shape = 'arn:<partition>:iam::<12-digit account>:role/<path/><name>';
  const match = ROLE_ARN.exec(value);
  if (!match) return `is not an IAM role ARN (${shape})${notShown(value)}`;
  const [, partition, account, rest] = match;
  if (!(PARTITIONS as readonly string[]).includes(partition)) return `partition ${JSON.stringify(partition)} is not one of ${PARTITIONS.join(', ')}`;
  if (!ACCOUNT.test(account)) return `account ${JSON.stringify(account)} is not a 12-digit account id`;
  const slash = rest.lastIndexOf('/');
  const path = `/${rest.slice(0, slash + 1)}`;
  const name = rest.slice(slash + 1);
  if (!ROLE_NAME.test(name)) return `role name ${JSON.stringify(name)} must be 1 to 64 letters, digits and "+=,.@_-"`;
  if (path.length > 512 || !ROLE_PATH.test(path)) return `role path ${JSON.stringify(path)} must be "/"-separated printable characters, at most 512`;
  return undefined;
}

/** Where a secret environment variable comes from. */
export type SecretStore = 'secrets-manager' | 'parameter-store';

/**
 * A full Secrets Manager secret ARN: the name (1 to 512 of `[A-Za-z0-9/_+=.@-]`)
 * then "a dash and six random alphanumeric characters" that Secrets Manager
 * appends ("Permissions reference for Secrets Manager",
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_iam-permissions.html).
 * IAM compares the whole ARN, so a grant on a name without them matches no secret.
 */
const SECRET_ARN = /^arn:([^:]*):secretsmanager:([^:]*):([^:]*):secret:(.*)$/;
const SECRET_NAME_WITH_SUFFIX = /^[A-Za-z0-9/_+=.@-]{1,512}-[A-Za-z0-9]{6}$/;
/**
 * A Parameter Store parameter ARN: `parameter/` and the name without its
 * leading `/` (1 to 1011 of `[A-Za-z0-9_.-]` in at most 15 `/`-separated
 * levels: "Creating Parameter Store parameters in Systems Manager", parameter
 * name requirements, https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-su-create.html).
 */
const PARAMETER_ARN = /^arn:([^:]*):ssm:([^:]*):([^:]*):parameter\/(.*)$/;
const PARAMETER_NAME = /^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+){0,14}$/;

/** The store a secret reference points into, or the reason it is not one. */
export function secretReference(value: string): { readonly store: SecretStore } | { readonly problem: string } {
  const secret = SECRET_ARN.exec(value);
  const parameter = PARAMETER_ARN.exec(value);
  const match = secret ?? parameter;
  if (!match) {
    const shapes = 'a Secrets Manager secret (arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 characters>) or a ' +
      'Parameter Store parameter (arn:<partition>:ssm:<region>:<account>:parameter/<name>)';
    return {
      problem: value.startsWith('arn:')
        ? `is not a secret ARN: give ${shapes}`
        : 'is not a secret ARN (a Secrets Manager or Parameter Store ARN); it looks like a secret value, which is not shown. ' +
          `Store the value in Secrets Manager or Parameter Store and give the ARN of ${shapes}`,
    };
  }
  const [, partition, region, account, name] = match;
  if (!(PARTITIONS as readonly string[]).includes(partition)) return { problem: `partition ${JSON.stringify(partition)} is not one of ${PARTITIONS.join(', ')}` };
  const regionIssue = regionProblem(partition, region);
  if (regionIssue) return { problem: regionIssue };
  if (!ACCOUNT.test(account)) return { problem: `account ${JSON.stringify(account)} is not a 12-digit account id` };
  if (secret) {
    if (!SECRET_NAME_WITH_SUFFIX.test(name)) {
      return {
        problem: `secret ${JSON.stringify(name)} is not a full secret ARN: copy the ARN from Secrets Manager, with the "-" and ` +
          'six characters it appends to the name (IAM matches the whole ARN)',
      };
    }
    return { store: 'secrets-manager' };
  }
  if (name.length > 1011 || !PARAMETER_NAME.test(name)) {
    return { problem: `parameter ${JSON.stringify(name)} must be 1 to 1011 letters, digits and "_.-", in at most 15 "/"-separated levels` };
  }
  // "A parameter name can't be prefixed with "aws" or "ssm" (case-insensitive)" (same page, and SSM API
  // Reference, PutParameter: Name), so no such parameter exists to read.
  const reserved = /^(aws|ssm)/i.exec(name);
  if (reserved) {
    return { problem: `parameter ${JSON.stringify(name)} starts with "${reserved[1]}"; Parameter Store forbids names starting with "aws" or "ssm" in any case` };
  }
  return { store: 'parameter-store' };
}
