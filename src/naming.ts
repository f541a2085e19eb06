/**
 * The one place that decides how AWS names are derived from the pipeline name
 * and the stack's environment suffix, and which rules each name must meet.
 *
 * The templates are rendered into the settings file; the Pulumi program only
 * substitutes `{env}` and `{account}`, so library and program can never
 * disagree about a name.
 */

/**
 * Base name: lowercase, so that every derived name (S3, ECR) may use it. It may
 * start with a digit: every name derived from it allows one (S3 "must begin and
 * end with a letter or number", ECR `[a-z0-9]+(?:[._-][a-z0-9]+)*`, CodeBuild
 * `[A-Za-z0-9][A-Za-z0-9\-_]{1,254}`, IAM `[\w+=,.@-]+`, SNS, EventBridge and
 * CodePipeline letters/digits/`-_` anywhere). A single hyphen between parts
 * keeps the S3 prefix `xn--` out of reach.
 */
export const NAME_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;
export const NAME_MAX_LENGTH = 20;

/** Environment suffix: a short lowercase token (also the Pulumi stack name). */
export const ENVIRONMENT_PATTERN = '^[a-z][a-z0-9]{0,9}$';
export const ENVIRONMENT_MAX_LENGTH = 10;

/** An AWS account id is always twelve digits. */
const ACCOUNT_PLACEHOLDER_VALUE = '123456789012';

export interface NameRule {
  /** Template with `{env}` (and for the bucket `{account}`) placeholders. */
  readonly template: string;
  /** The AWS service's maximum length for this name. */
  readonly maxLength: number;
  /** What the service calls the name, for error messages. */
  readonly describe: string;
  /** The characters the service accepts. */
  readonly pattern: RegExp;
  /** Prefixes the service reserves for itself. */
  readonly reservedPrefixes?: readonly string[];
}

/** The physical names the program sets. */
export type NameKey =
  | 'pipeline' | 'buildProject' | 'repository' | 'artifactBucket' | 'connection' | 'pipelineRole' | 'buildRole'
  | 'notificationRule' | 'notificationTopic' | 'logGroup'
  // The self-update stage, the drift check and the permissions boundary (used when `selfUpdate` is set).
  | 'updateProject' | 'updateRole' | 'updateLogGroup' | 'driftProject' | 'driftRole' | 'driftLogGroup'
  | 'eventsRole' | 'driftScheduleRule' | 'driftFailureRule' | 'boundaryPolicy' | 'updatePipelinePolicy' | 'driftPipelinePolicy'
  // The supply-chain gate's signing profile (used when `supplyChain.signing` is on).
  | 'signingProfilePrefix';

/** Every physical name the program sets, by key. */
export function nameRules(name: string): Record<NameKey, NameRule> {
  return {
    pipeline: {
      template: `${name}-{env}`,
      maxLength: 100,
      describe: 'CodePipeline pipeline name',
      pattern: /^[A-Za-z0-9.@_-]+$/,
    },
    buildProject: {
      template: `${name}-{env}-build`,
      maxLength: 150,
      describe: 'CodeBuild project name',
      pattern: /^[A-Za-z0-9][A-Za-z0-9_-]+$/,
    },
    repository: {
      template: `${name}-{env}`,
      maxLength: 256,
      describe: 'ECR repository name',
      pattern: /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/,
    },
    artifactBucket: {
      template: `${name}-{env}-artifacts-{account}`,
      maxLength: 63,
      describe: 'S3 bucket name',
      pattern: /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/,
      // "General purpose bucket naming rules" (Amazon S3 User Guide).
      reservedPrefixes: ['xn--', 'sthree-', 'amzn-s3-demo-'],
    },
    connection: {
      template: `${name}-{env}`,
      maxLength: 32,
      describe: 'CodeConnections connection name',
      pattern: /^[A-Za-z0-9._-]+$/,
    },
    pipelineRole: {
      template: `${name}-{env}-pipeline`,
      maxLength: 64,
      describe: 'IAM role name',
      pattern: /^[\w+=,.@-]+$/,
    },
    buildRole: {
      template: `${name}-{env}-build`,
      maxLength: 64,
      describe: 'IAM role name',
      pattern: /^[\w+=,.@-]+$/,
    },
    notificationRule: {
      template: `${name}-{env}-executions`,
      maxLength: 64,
      describe: 'EventBridge rule name',
      pattern: /^[.\-_A-Za-z0-9]+$/,
    },
    notificationTopic: {
      template: `${name}-{env}-notifications`,
      maxLength: 256,
      describe: 'SNS topic name',
      pattern: /^[A-Za-z0-9_-]+$/,
    },
    logGroup: {
      template: `/aws/codebuild/${name}-{env}-build`,
      maxLength: 512,
      describe: 'CloudWatch Logs group name',
      pattern: /^[.\-_/#A-Za-z0-9]+$/,
    },
    updateProject: {
      template: `${name}-{env}-update`,
      maxLength: 150,
      describe: 'CodeBuild project name',
      pattern: /^[A-Za-z0-9][A-Za-z0-9_-]+$/,
    },
    updateRole: {
      template: `${name}-{env}-update`,
      maxLength: 64,
      describe: 'IAM role name',
      pattern: /^[\w+=,.@-]+$/,
    },
    updateLogGroup: {
      template: `/aws/codebuild/${name}-{env}-update`,
      maxLength: 512,
      describe: 'CloudWatch Logs group name',
      pattern: /^[.\-_/#A-Za-z0-9]+$/,
    },
    driftProject: {
      template: `${name}-{env}-drift`,
      maxLength: 150,
      describe: 'CodeBuild project name',
      pattern: /^[A-Za-z0-9][A-Za-z0-9_-]+$/,
    },
    driftRole: {
      template: `${name}-{env}-drift`,
      maxLength: 64,
      describe: 'IAM role name',
      pattern: /^[\w+=,.@-]+$/,
    },
    driftLogGroup: {
      template: `/aws/codebuild/${name}-{env}-drift`,
      maxLength: 512,
      describe: 'CloudWatch Logs group name',
      pattern: /^[.\-_/#A-Za-z0-9]+$/,
    },
    eventsRole: {
      template: `${name}-{env}-events`,
      maxLength: 64,
      describe: 'IAM role name',
      pattern: /^[\w+=,.@-]+$/,
    },
    driftScheduleRule: {
      template: `${name}-{env}-drift-schedule`,
      maxLength: 64,
      describe: 'EventBridge rule name',
      pattern: /^[.\-_A-Za-z0-9]+$/,
    },
    driftFailureRule: {
      template: `${name}-{env}-drift-failed`,
      maxLength: 64,
      describe: 'EventBridge rule name',
      pattern: /^[.\-_A-Za-z0-9]+$/,
    },
    boundaryPolicy: {
      template: `${name}-{env}-boundary`,
      maxLength: 128,
      describe: 'IAM policy name',
      pattern: /^[\w+=,.@-]+$/,
    },
    updatePipelinePolicy: {
      template: `${name}-{env}-update-pipeline`,
      maxLength: 128,
      describe: 'IAM policy name',
      pattern: /^[\w+=,.@-]+$/,
    },
    signingProfilePrefix: {
      // A prefix: the program adds a unique suffix, because AWS Signer never reuses the name of a canceled
      // profile ("PutSigningProfile", AWS Signer API Reference: profileName [a-zA-Z0-9_]{2,64}), and a
      // replaced or recreated profile would otherwise collide. The suffix is 26 characters: 64 - 26 = 38.
      template: `${name.replace(/-/g, '_')}_{env}_`,
      maxLength: 38,
      describe: 'AWS Signer signing profile name prefix',
      pattern: /^[A-Za-z0-9_]+$/,
    },
    driftPipelinePolicy: {
      template: `${name}-{env}-drift-pipeline`,
      maxLength: 128,
      describe: 'IAM policy name',
      pattern: /^[\w+=,.@-]+$/,
    },
  };
}

/** Renders a template for one environment (and a placeholder account). */
export function renderName(template: string, environment: string, account = ACCOUNT_PLACEHOLDER_VALUE): string {
  return template.split('{env}').join(environment).split('{account}').join(account);
}

/** The physical names of one deploy stage's resources. */
export type StageNameKey = 'deployProject' | 'deployRole' | 'deployLogGroup';

/**
 * The physical names of a deploy stage's CodeBuild project, IAM role and log
 * group. `-deploy-` keeps them apart from the build's (`<name>-<env>-build`)
 * whatever the stage is called.
 */
export function stageNameRules(name: string, stage: string): Record<StageNameKey, NameRule> {
  const rules = nameRules(name);
  return {
    deployProject: { ...rules.buildProject, template: `${name}-{env}-deploy-${stage}` },
    deployRole: { ...rules.buildRole, template: `${name}-{env}-deploy-${stage}` },
    deployLogGroup: { ...rules.logGroup, template: `/aws/codebuild/${name}-{env}-deploy-${stage}` },
  };
}

/** Problems with the names derived for `environment`, one message each. */
export function checkDerivedNames(name: string, environment: string): string[] {
  return checkRules(Object.values(nameRules(name)), environment);
}

/** Problems with the names a deploy stage derives for `environment`, one message each. */
export function checkStageNames(name: string, stage: string, environment: string): string[] {
  return checkRules(Object.values(stageNameRules(name, stage)), environment);
}

function checkRules(rules: readonly NameRule[], environment: string): string[] {
  const problems: string[] = [];
  for (const rule of rules) {
    const rendered = renderName(rule.template, environment);
    if (rendered.length > rule.maxLength) {
      problems.push(`derives the ${rule.describe} "${rendered}" (${rendered.length} characters; AWS allows ${rule.maxLength})`);
    } else if (!rule.pattern.test(rendered)) {
      problems.push(`derives the ${rule.describe} "${rendered}", which AWS rejects (allowed: ${rule.pattern.source})`);
    } else {
      const reserved = rule.reservedPrefixes?.find(prefix => rendered.startsWith(prefix));
      if (reserved) problems.push(`derives the ${rule.describe} "${rendered}", but AWS reserves the prefix "${reserved}"`);
    }
  }
  return problems;
}
