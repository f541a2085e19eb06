import { OptionPath, Problems } from './validation';

/** The drift check's schedule when none is given: once a day. */
export const DEFAULT_DRIFT_SCHEDULE = 'rate(1 day)';
/** The `driftSchedule` value that keeps the drift check for runs on demand only. */
export const DRIFT_SCHEDULE_OFF = 'off';

/** Where the pipeline's own stacks keep their state. */
export type BackendModel =
  /** An S3 state bucket; Pulumi keeps its files under `<prefix>/.pulumi/`. */
  | { readonly kind: 's3'; readonly url: string; readonly bucket: string; readonly prefix: string; readonly region?: string }
  /** Pulumi Cloud or a self-hosted Pulumi Cloud API. */
  | { readonly kind: 'cloud'; readonly url: string };

/** The KMS key of an `awskms://` secrets provider, as IAM needs it. */
export interface SecretsKeyModel {
  /** The provider, as the user wrote it (what `pulumi stack init --secrets-provider` takes). */
  readonly url: string;
  /** The key's id, when the provider names a key (by id or ARN). */
  readonly keyId?: string;
  /** The alias (`alias/<name>`), when the provider names an alias. */
  readonly alias?: string;
  /** From the ARN or `?region=`; otherwise the stack's region. */
  readonly region?: string;
  /** From the ARN; otherwise the stack's account. */
  readonly account?: string;
  /** From the ARN; otherwise the stack's partition. */
  readonly partition?: string;
}

/** `PipelineProps.selfUpdate` with its defaults applied and every rule checked. */
export interface SelfUpdateModel {
  readonly backend: BackendModel;
  readonly secretsProvider?: SecretsKeyModel;
  readonly accessTokenSecretArn?: string;
  /** The schedule expression (the default one when the schedule is off). */
  readonly driftSchedule: string;
  /** Whether the schedule runs the drift check (false for `off`). */
  readonly driftScheduled: boolean;
}

const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/;
const REGION_PARTITION: Array<[RegExp, string]> = [[/^cn-/, 'aws-cn'], [/^us-gov-/, 'aws-us-gov'], [/^/, 'aws']];
const partitionOf = (region: string) => REGION_PARTITION.find(([re]) => re.test(region))![1];

/**
 * "General purpose bucket naming rules" (Amazon S3 User Guide,
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html):
 * 3 to 63 lowercase letters, digits, dots and hyphens, beginning and ending
 * with a letter or digit, no two adjacent dots, not an IP address, and none of
 * the prefixes and suffixes S3 reserves.
 */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const RESERVED_BUCKET_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_BUCKET_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];
/** Object key characters S3 calls safe ("Naming Amazon S3 objects", Safe characters); `/` separates segments. */
const KEY_SEGMENT = /^[A-Za-z0-9!_.*'()-]+$/;

/** KMS key ids: a UUID, or `mrk-` and 32 hex digits for a multi-Region key. */
const KEY_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;
/** "Creating an alias": `alias/` then letters, digits, `/`, `_` and `-`, 256 characters in all. */
const ALIAS = /^alias\/[A-Za-z0-9/_-]{1,250}$/;
const KMS_ARN = /^arn:(aws|aws-cn|aws-us-gov):kms:([a-z0-9-]+):(\d{12}):(key\/.+|alias\/.+)$/;

/**
 * A complete Secrets Manager secret ARN: the secret's name (letters, digits and
 * `/_+=.@-`) followed by the hyphen and six characters Secrets Manager appends
 * ("Secret names and ARNs"). IAM matches the ARN as a whole, so a partial ARN
 * would grant nothing.
 */
const SECRET_ARN = /^arn:(aws|aws-cn|aws-us-gov):secretsmanager:([a-z0-9-]+):(\d{12}):secret:([A-Za-z0-9/_+=.@-]+)$/;
const SECRET_SUFFIX = /-[A-Za-z0-9]{6}$/;
/** Pulumi access tokens start with `pul-` ("Access tokens", Pulumi Cloud). */
const TOKEN_LIKE = /^\s*pul-/i;

/** Pulumi Cloud's console: people copy its address, but the CLI talks to the API. */
const PULUMI_CONSOLE_HOST = 'app.pulumi.com';
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;

/**
 * Checks `pipeline.selfUpdate` and applies its defaults; undefined when it is
 * not set (self-update is opt-in).
 */
export function resolveSelfUpdate(p: Problems, path: OptionPath, value: unknown): SelfUpdateModel | undefined {
  if (value === undefined || !p.struct(path, value)) return undefined;
  p.knownKeys(path, value, ['backendUrl', 'secretsProvider', 'accessTokenSecretArn', 'driftSchedule']);
  const backend = checkBackendUrl(p, path.option('backendUrl'), value.backendUrl);
  const secretsProvider = checkSecretsProvider(p, path.option('secretsProvider'), value.secretsProvider, backend);
  const accessTokenSecretArn = checkAccessTokenSecretArn(p, path.option('accessTokenSecretArn'), value.accessTokenSecretArn, backend, path);
  const schedule = checkDriftSchedule(p, path.option('driftSchedule'), value.driftSchedule);
  return {
    backend: backend ?? { kind: 'cloud', url: '' },
    ...(secretsProvider ? { secretsProvider } : {}),
    ...(accessTokenSecretArn ? { accessTokenSecretArn } : {}),
    driftSchedule: schedule.expression,
    driftScheduled: schedule.scheduled,
  };
}

function checkBackendUrl(p: Problems, path: OptionPath, value: unknown): BackendModel | undefined {
  if (value === undefined) {
    p.add(path, 'is required: "s3://<bucket>[/<prefix>]" or Pulumi Cloud ("https://api.pulumi.com" or your self-hosted API)');
    return undefined;
  }
  if (!p.string(path, value, true)) return undefined;
  if (value.startsWith('s3://')) return checkS3Backend(p, path, value);
  if (/^https?:\/\//i.test(value)) return checkCloudBackend(p, path, value);
  // Not quoted: a value that is no URL at all may be the access token pasted in the wrong option.
  p.add(path, 'must be "s3://<bucket>[/<prefix>]" or Pulumi Cloud ("https://api.pulumi.com" or a self-hosted ' +
    'https:// API): the pipeline can reach no other backend from CodeBuild');
  return undefined;
}

function checkS3Backend(p: Problems, path: OptionPath, value: string): BackendModel | undefined {
  const before = p.list.length;
  const [location, query, ...more] = value.slice('s3://'.length).split('?');
  if (more.length > 0 || value.includes('#')) {
    p.add(path, `${JSON.stringify(value)} has more than one "?" or a "#"`);
    return undefined;
  }
  const [bucket, ...segments] = location.split('/');
  if (segments.length > 0 && segments[segments.length - 1] === '') segments.pop(); // one trailing "/" is harmless
  const bucketProblem = s3BucketProblem(bucket);
  if (bucketProblem) p.add(path, `bucket ${JSON.stringify(bucket)} ${bucketProblem}`);
  if (segments.some(segment => !KEY_SEGMENT.test(segment) || segment === '.' || segment === '..')) {
    p.add(path, `prefix ${JSON.stringify(segments.join('/'))} must be "/"-separated segments of letters, digits and ! - _ . * ' ( ) ` +
      '(no empty, "." or ".." segment)');
  }
  let region: string | undefined;
  for (const [key, param] of new URLSearchParams(query ?? '')) {
    if (key === 'region') {
      if (!REGION.test(param)) p.add(path, `region ${JSON.stringify(param)} is not an AWS region (e.g. eu-west-1)`);
      region = param;
    } else if (key === 'awssdk') {
      if (param !== 'v1' && param !== 'v2') p.add(path, `awssdk must be v1 or v2 (got ${JSON.stringify(param)})`);
    } else if (key === 'profile') {
      p.add(path, 'names an AWS profile, which CodeBuild does not have (the build uses its role): remove "profile="');
    } else {
      p.add(path, `query parameter ${JSON.stringify(key)} is not supported here (allowed: region, awssdk)`);
    }
  }
  if (p.list.length > before) return undefined;
  return { kind: 's3', url: value, bucket, prefix: segments.join('/'), ...(region ? { region } : {}) };
}

/** Why `bucket` is not a general purpose bucket name, or undefined. */
function s3BucketProblem(bucket: string): string | undefined {
  if (!BUCKET.test(bucket)) return 'must be 3 to 63 lowercase letters, digits, "." and "-", beginning and ending with a letter or digit';
  if (bucket.includes('..')) return 'must not have two adjacent dots';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(bucket)) return 'must not be formatted as an IP address';
  const prefix = RESERVED_BUCKET_PREFIXES.find(reserved => bucket.startsWith(reserved));
  if (prefix) return `starts with "${prefix}", which S3 reserves`;
  const suffix = RESERVED_BUCKET_SUFFIXES.find(reserved => bucket.endsWith(reserved));
  if (suffix) return `ends with "${suffix}", which S3 reserves`;
  return undefined;
}

/**
 * Pulumi Cloud, or a self-hosted Pulumi Cloud: "For https:// URLs, the CLI
 * will speak REST to a Pulumi Cloud" (`pulumi login`). Only its API address is
 * a backend; plain http would carry the access token in clear text.
 */
function checkCloudBackend(p: Problems, path: OptionPath, value: string): BackendModel | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    p.add(path, 'is not a URL');
    return undefined;
  }
  const before = p.list.length;
  // A URL's user and password are never quoted.
  const shown = JSON.stringify(url.username || url.password ? value.replace(/\/\/[^/]*@/, '//<credentials not shown>@') : value);
  if (url.protocol !== 'https:') p.add(path, `${shown} must use https:// (the access token would travel in clear text)`);
  if (url.username || url.password) p.add(path, 'must not carry credentials: the access token comes from accessTokenSecretArn');
  if (url.search || url.hash || !['', '/'].includes(url.pathname)) {
    p.add(path, `${shown} must be the API's address alone (no path, query or fragment), e.g. "https://api.pulumi.com"`);
  }
  if (url.hostname === PULUMI_CONSOLE_HOST) {
    p.add(path, `"${PULUMI_CONSOLE_HOST}" is Pulumi Cloud's console; the backend is its API, "https://api.pulumi.com"`);
  } else if (!DNS_NAME.test(url.hostname)) {
    p.add(path, `host ${JSON.stringify(url.hostname)} is not a DNS name`);
  }
  if (p.list.length > before) return undefined;
  return { kind: 'cloud', url: `https://${url.host}` };
}

function checkSecretsProvider(p: Problems, path: OptionPath, value: unknown, backend: BackendModel | undefined): SecretsKeyModel | undefined {
  if (value === undefined) {
    if (backend?.kind === 's3') {
      p.add(path, 'is required with an S3 backend: an "awskms://..." key (CodeBuild has no passphrase to give Pulumi)');
    }
    return undefined;
  }
  if (!p.string(path, value, false)) return undefined;
  if (!value.startsWith('awskms://')) {
    p.add(path, value === 'passphrase' || value.startsWith('passphrase')
      ? '"passphrase" needs PULUMI_CONFIG_PASSPHRASE in every build; use an AWS KMS key ("awskms://alias/<alias>")'
      // Not quoted: a value that is no key URL at all may be a passphrase.
      : 'must be an AWS KMS key: "awskms://<key-id>", "awskms://alias/<alias>" or "awskms:///<key ARN>"');
    return undefined;
  }
  const before = p.list.length;
  const [target, query] = value.slice('awskms://'.length).split('?', 2);
  let model: { keyId?: string; alias?: string; region?: string; account?: string; partition?: string } | undefined;
  if (target.startsWith('/arn:')) {
    const match = KMS_ARN.exec(target.slice(1));
    if (!match) {
      p.add(path, `${JSON.stringify(value)} does not name a KMS key or alias ARN (awskms:///arn:<partition>:kms:<region>:<account>:key/<id>)`);
    } else {
      const [, partition, region, account, resource] = match;
      if (!REGION.test(region)) p.add(path, `region ${JSON.stringify(region)} of the key ARN is not an AWS region`);
      else if (partitionOf(region) !== partition) p.add(path, `region ${region} belongs to partition ${partitionOf(region)}, not ${partition}`);
      model = { ...keyOrAlias(p, path, resource), region, account, partition };
    }
  } else if (target.startsWith('alias/') || KEY_ID.test(target)) {
    model = keyOrAlias(p, path, target.startsWith('alias/') ? target : `key/${target}`);
  } else {
    p.add(path, `${JSON.stringify(value)} names no KMS key: write "awskms://<key-id>", "awskms://alias/<alias>" or "awskms:///<key or alias ARN>"`);
  }
  for (const [key, param] of new URLSearchParams(query ?? '')) {
    if (key === 'region') {
      if (!REGION.test(param)) p.add(path, `region ${JSON.stringify(param)} is not an AWS region (e.g. eu-west-1)`);
      else if (model?.region && model.region !== param) p.add(path, `?region=${param} contradicts the key ARN's region ${model.region}`);
      else if (model) model = { ...model, region: param };
    } else if (key === 'profile') {
      p.add(path, 'names an AWS profile, which CodeBuild does not have (the build uses its role): remove "profile="');
    } else if (key !== 'awssdk' && !key.startsWith('context_')) {
      p.add(path, `query parameter ${JSON.stringify(key)} is not one Pulumi's awskms provider takes (region, awssdk, context_<key>)`);
    }
  }
  if (p.list.length > before || !model) return undefined;
  return { url: value, ...model };
}

/** `key/<id>` or `alias/<name>`, checked. */
function keyOrAlias(p: Problems, path: OptionPath, resource: string): { keyId?: string; alias?: string } {
  if (resource.startsWith('key/')) {
    const keyId = resource.slice('key/'.length);
    if (!KEY_ID.test(keyId)) p.add(path, `key id ${JSON.stringify(keyId)} is not a KMS key id (a UUID, or mrk- and 32 hex digits)`);
    return { keyId };
  }
  if (!ALIAS.test(resource)) {
    p.add(path, `alias ${JSON.stringify(resource)} must be "alias/" and 1 to 250 letters, digits, "/", "_" or "-"`);
  } else if (resource.startsWith('alias/aws/')) {
    // "AWS managed keys": only the AWS service that created one may use it.
    p.add(path, `${JSON.stringify(resource)} is an AWS managed key, which only its AWS service may use: create a customer managed key`);
  }
  return { alias: resource };
}

function checkAccessTokenSecretArn(p: Problems, path: OptionPath, value: unknown, backend: BackendModel | undefined,
  selfUpdate: OptionPath): string | undefined {
  if (value === undefined) {
    if (backend?.kind === 'cloud') {
      p.add(path, 'is required with Pulumi Cloud: the ARN of the Secrets Manager secret that holds the access token');
    }
    return undefined;
  }
  if (!p.string(path, value, false)) return undefined;
  // The value is never echoed: it may be the very token it must not be.
  if (TOKEN_LIKE.test(value)) {
    p.add(path, `looks like a Pulumi access token: never write the token in ${p.file ?? 'the projenrc'}. Revoke it, store a new one in ` +
      'AWS Secrets Manager and give that secret\'s ARN');
    return undefined;
  }
  if (backend?.kind === 's3') {
    p.add(path, `is only for Pulumi Cloud; the S3 backend of ${p.name(selfUpdate.option('backendUrl'))} needs no token (remove it)`);
    return undefined;
  }
  const match = SECRET_ARN.exec(value);
  if (!match) {
    p.add(path, 'is not a Secrets Manager secret ARN (arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 characters>)');
    return undefined;
  }
  const [, partition, region] = match;
  if (!REGION.test(region)) {
    p.add(path, `region ${JSON.stringify(region)} is not an AWS region`);
  } else if (partitionOf(region) !== partition) {
    p.add(path, `region ${region} belongs to partition ${partitionOf(region)}, not ${partition}`);
  } else if (!SECRET_SUFFIX.test(match[4])) {
    p.add(path, 'is a partial ARN: give the complete ARN, with the "-" and six characters Secrets Manager appends to the name ' +
      '(IAM matches complete ARNs)');
  } else {
    return value;
  }
  return undefined;
}

const MINUTES_PER_HOUR = 60;
/**
 * Why the drift check runs at most hourly: every run installs the Pulumi CLI,
 * runs `npm ci` and reads every resource of the stack (`--refresh`), minutes
 * of CodeBuild billed per build minute and a burst of AWS API calls, and a run
 * can outlast a shorter interval. Drift made by hand is not urgent to the
 * minute; a push is checked by the self-update anyway.
 */
const TOO_OFTEN = 'the drift check must run at most once an hour (each run installs the Pulumi CLI, runs npm ci and reads every ' +
  'resource: a bill, not a check). Use "rate(1 hour)" or longer, or a cron with one value in its minutes field';

/**
 * EventBridge schedule expressions ("Creating an Amazon EventBridge rule that
 * runs on a schedule", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html):
 * `rate(value unit)` with a positive whole value, the unit singular for 1 and
 * plural otherwise; `cron(...)` with six fields, where day-of-month and
 * day-of-week cannot both be given: one of them is `?`.
 */
function checkDriftSchedule(p: Problems, path: OptionPath, value: unknown): { expression: string; scheduled: boolean } {
  const fallback = { expression: DEFAULT_DRIFT_SCHEDULE, scheduled: true };
  if (value === undefined || !p.string(path, value, false)) return fallback;
  if (value === DRIFT_SCHEDULE_OFF) return { expression: DEFAULT_DRIFT_SCHEDULE, scheduled: false };
  const rate = /^rate\((\d+) ([a-z]+)\)$/.exec(value);
  if (rate) {
    const [, amount, unit] = rate;
    const n = Number(amount);
    if (!/^[1-9]\d*$/.test(amount)) p.add(path, `${JSON.stringify(value)}: the rate must be a whole number of at least 1 (no leading zero)`);
    else if (!['minute', 'hour', 'day'].includes(unit.replace(/s$/, ''))) p.add(path, `${JSON.stringify(value)}: the unit must be minute(s), hour(s) or day(s)`);
    else if ((n === 1) !== !unit.endsWith('s')) p.add(path, `${JSON.stringify(value)}: write the unit ${n === 1 ? 'singular' : 'plural'} for ${n} (EventBridge rejects it otherwise)`);
    else if (unit.startsWith('minute') && n < MINUTES_PER_HOUR) p.add(path, `${JSON.stringify(value)} runs more often than hourly: ${TOO_OFTEN}`);
    return { expression: value, scheduled: true };
  }
  const cron = /^cron\((.*)\)$/.exec(value);
  if (cron) {
    const problem = cronProblem(cron[1]);
    if (problem) p.add(path, `${JSON.stringify(value)}: ${problem}`);
    else if (cronMinutes(cron[1]) > 1) p.add(path, `${JSON.stringify(value)} fires more than once an hour (its minutes field names several minutes): ${TOO_OFTEN}`);
    return { expression: value, scheduled: true };
  }
  p.add(path, `${JSON.stringify(value)} must be "rate(<n> <unit>)", "cron(<6 fields>)" or "${DRIFT_SCHEDULE_OFF}"`);
  return fallback;
}

interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Special items this field allows besides numbers, ranges, lists, `*` and `/`. */
  readonly special?: RegExp;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const CRON_FIELDS: CronField[] = [
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31, special: /^(?:\?|L|LW|(?:[1-9]|[12]\d|3[01])W)$/ },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day-of-week', min: 1, max: 7, names: DAYS, special: /^(?:\?|L|[1-7]L|[1-7]#[1-5])$/ },
  { name: 'year', min: 1970, max: 2199 },
];

/** Why the six fields of a cron expression are not what EventBridge accepts, or undefined. */
function cronProblem(body: string): string | undefined {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) return `a cron expression has six fields (minutes hours day-of-month month day-of-week year), not ${fields.length}`;
  for (const [i, field] of fields.entries()) {
    const rule = CRON_FIELDS[i];
    const bad = field.split(',').find(item => !cronItemValid(item, rule));
    if (bad !== undefined) return `${rule.name} ${JSON.stringify(field)} is not valid (${rule.min}-${rule.max}${rule.names ? ' or names' : ''}, "," "-" "*" "/")`;
  }
  const [, , dayOfMonth, , dayOfWeek] = fields;
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) return 'exactly one of day-of-month and day-of-week must be "?"';
  // "If you use the '#' character, you can define only one expression in the day-of-week field" ("3#1,6#3" is
  // invalid): "Cron expressions reference", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html.
  if (dayOfWeek.includes('#') && dayOfWeek.includes(',')) {
    return `day-of-week ${JSON.stringify(dayOfWeek)}: with a "#" expression the field holds that one expression only`;
  }
  return undefined;
}

/** How many minutes of an hour a valid cron expression fires at: more than one is more often than hourly. */
function cronMinutes(body: string): number {
  const field = body.trim().split(/\s+/)[0];
  const minutes = new Set<number>();
  for (const item of field.split(',')) {
    const [range, step] = item.split('/');
    const [from, to] = range === '*' ? [0, 59] : range.split('-').map(Number);
    const last = to ?? (step === undefined ? from : 59);
    for (let minute = from; minute <= last; minute += Math.max(1, Number(step ?? 1))) minutes.add(minute);
  }
  return minutes.size;
}

function cronItemValid(item: string, rule: CronField): boolean {
  if (rule.special?.test(item)) return true;
  const [range, step, ...rest] = item.split('/');
  // An increment within the field's documented range ("1/10" in minutes); 0 would never advance.
  if (rest.length > 0 || (step !== undefined && (!/^\d+$/.test(step) || Number(step) < 1 || Number(step) > rule.max))) return false;
  if (range === '*') return true;
  const bounds = range.split('-');
  if (bounds.length > 2) return false;
  const values = bounds.map(bound => cronValue(bound, rule));
  return values.every(v => v !== undefined) && (values.length === 1 || values[0]! <= values[1]!);
}

function cronValue(text: string, rule: CronField): number | undefined {
  const named = rule.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + 1;
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= rule.min && n <= rule.max ? n : undefined;
}
