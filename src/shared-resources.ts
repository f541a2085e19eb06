import { partitionOfRegion } from './arns';
import { OptionPath, Problems } from './validation';

/** The platform's resources a pipeline uses instead of its own (`PipelineProps.shared`). */
export interface SharedResourcesModel {
  readonly kmsKeyArn?: string;
  readonly artifactBucket?: string;
}

/**
 * CodePipeline keeps a pipeline's artifacts in a folder named after "the first
 * 20 characters of the pipeline name" (AWS CloudFormation User Guide,
 * AWS::CodePipeline::Pipeline ArtifactStore, Location; awsdocs/aws-cloudformation-user-guide#733).
 * Two pipelines whose names begin alike would share a folder of a shared
 * bucket, and each one's roles would reach the other's artifacts.
 */
export const ARTIFACT_FOLDER_LENGTH = 20;

/**
 * A key ARN names a key id (a UUID, or `mrk-` and 32 hex digits for a
 * multi-Region key); an alias ARN names `alias/` and 1 to 250 of
 * `[a-zA-Z0-9/_-]` (AWS KMS API Reference, CreateAlias: AliasName, at most
 * 256 characters with the prefix, and "Key identifiers (KeyId)" in the AWS KMS
 * Developer Guide).
 */
const KMS_ARN = /^arn:([^:]*):kms:([^:]*):([^:]*):(key|alias)\/(.*)$/;
const KEY_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;
const ALIAS_NAME = /^[a-zA-Z0-9/_-]{1,250}$/;
const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'];
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/;

/**
 * General purpose bucket naming rules (Amazon S3 User Guide, "General purpose
 * bucket naming rules"): 3 to 63 lowercase letters, digits, dots and hyphens,
 * beginning and ending with a letter or digit, no two adjacent dots, not an IP
 * address, and none of the prefixes and suffixes S3 reserves.
 */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const BUCKET_RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const BUCKET_RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

/** `shared`, checked: every problem is reported at the option it belongs to. */
export function resolveShared(
  p: Problems,
  path: OptionPath,
  value: unknown,
  context: { readonly connectionArn?: string; readonly pipelineNames: readonly string[] },
): SharedResourcesModel | undefined {
  if (value === undefined) return undefined;
  if (!p.struct(path, value)) return undefined;
  p.knownKeys(path, value, ['kmsKeyArn', 'artifactBucket']);
  const keyPath = path.option('kmsKeyArn');
  const bucketPath = path.option('artifactBucket');
  const kmsKeyArn = p.string(keyPath, value.kmsKeyArn, false) ? value.kmsKeyArn : undefined;
  const artifactBucket = p.string(bucketPath, value.artifactBucket, false) ? value.artifactBucket : undefined;
  if (kmsKeyArn !== undefined) {
    const problem = kmsKeyArnProblem(kmsKeyArn, context.connectionArn);
    if (problem) p.add(keyPath, problem);
  }
  if (artifactBucket !== undefined) {
    const problem = bucketNameProblem(artifactBucket);
    if (problem) p.add(bucketPath, problem);
    for (const pipeline of context.pipelineNames.filter(name => name.length > ARTIFACT_FOLDER_LENGTH)) {
      p.add(bucketPath, `needs pipeline names of at most ${ARTIFACT_FOLDER_LENGTH} characters: CodePipeline names a pipeline's folder ` +
        `in the bucket after the first ${ARTIFACT_FOLDER_LENGTH} characters of its name, so "${pipeline}" would share a folder with any ` +
        `pipeline whose name begins with "${pipeline.slice(0, ARTIFACT_FOLDER_LENGTH)}"; shorten the pipeline name or the environment names`);
    }
  }
  if (kmsKeyArn === undefined && artifactBucket === undefined) return undefined;
  return { ...(kmsKeyArn !== undefined ? { kmsKeyArn } : {}), ...(artifactBucket !== undefined ? { artifactBucket } : {}) };
}

/** Why `value` cannot be the shared key's ARN, or undefined. */
export function kmsKeyArnProblem(value: string, connectionArn?: string): string | undefined {
  const shape = 'arn:<partition>:kms:<region>:<12-digit account>:key/<key id> or ...:alias/<name>';
  if (KEY_ID.test(value) || /^alias\//.test(value)) {
    return `is a key id or alias name without its ARN: give the full ARN (${shape}), which names the account and region the key is in`;
  }
  const match = KMS_ARN.exec(value);
  // Not quoted unless it looks like an ARN: what people paste in place of an ARN may be a secret.
  if (!match) return `is not a KMS key or alias ARN (${shape})${value.startsWith('arn:') ? '' : '; it is not shown, as a value that is no ARN at all may be a secret'}`;
  const [, partition, region, account, kind, id] = match;
  if (!PARTITIONS.includes(partition)) return `partition ${JSON.stringify(partition)} is not one of ${PARTITIONS.join(', ')}`;
  if (!REGION.test(region)) return `${JSON.stringify(region)} is not a region`;
  const expected = partitionOfRegion(region);
  if (partition !== expected) return `region ${region} belongs to partition ${expected}, not ${partition}`;
  if (!/^\d{12}$/.test(account)) return `account ${JSON.stringify(account)} is not a 12-digit account id`;
  if (kind === 'key' && !KEY_ID.test(id)) return `key id ${JSON.stringify(id)} is not a key id (a UUID, or mrk- and 32 hex digits)`;
  if (kind === 'alias') {
    // "The alias name cannot begin with alias/aws/. The alias/aws/ prefix is reserved for AWS managed keys"
    // (AWS KMS API Reference, CreateAlias). An AWS managed key's policy is AWS's: no other service use can be granted.
    if (/^aws\//.test(id)) return `names an AWS managed key (alias/${id}), whose key policy no one can change: share a customer-managed key`;
    if (!ALIAS_NAME.test(id)) return `alias name ${JSON.stringify(id)} must be 1 to 250 letters, digits and "/_-"`;
  }
  const connection = connectionArn?.split(':');
  if (connection && connection[1] !== partition) {
    return `is in partition ${partition}, but the connection (connectionArn) is in ${connection[1]}: both belong to the stack's partition`;
  }
  return undefined;
}

/** Why `value` cannot be an S3 general purpose bucket name, or undefined. */
export function bucketNameProblem(value: string): string | undefined {
  const quoted = JSON.stringify(value);
  if (value.length < 3 || value.length > 63) return `${quoted} must be 3 to 63 characters (S3 bucket naming rules)`;
  if (!BUCKET.test(value)) return `${quoted} must be lowercase letters, digits, dots and hyphens, beginning and ending with a letter or digit`;
  if (value.includes('..')) return `${quoted} must not contain two adjacent dots`;
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(value)) return `${quoted} must not be formatted as an IP address`;
  const prefix = BUCKET_RESERVED_PREFIXES.find(reserved => value.startsWith(reserved));
  if (prefix) return `${quoted} begins with "${prefix}", which S3 reserves`;
  const suffix = BUCKET_RESERVED_SUFFIXES.find(reserved => value.endsWith(reserved));
  if (suffix) return `${quoted} ends with "${suffix}", which S3 reserves`;
  return undefined;
}
