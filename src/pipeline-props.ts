import { SupplyChainProps } from './supply-chain-props';

/**
 * CodeBuild compute types for the Docker build.
 *
 * Only the Linux container types that can run privileged Docker builds on the
 * curated standard images are offered.
 */
export enum BuildComputeType {
  /** 3 GB memory, 2 vCPUs. */
  SMALL = 'BUILD_GENERAL1_SMALL',
  /** 7 GB memory, 4 vCPUs. */
  MEDIUM = 'BUILD_GENERAL1_MEDIUM',
  /** 15 GB memory, 8 vCPUs. */
  LARGE = 'BUILD_GENERAL1_LARGE',
  /** 70 GB memory, 36 vCPUs. */
  XLARGE = 'BUILD_GENERAL1_XLARGE',
  /** 145 GB memory, 72 vCPUs. */
  XXLARGE = 'BUILD_GENERAL1_2XLARGE',
}

/**
 * The processor architecture the image is built on (and so runs on).
 */
export enum BuildArchitecture {
  /** Intel/AMD 64-bit: CodeBuild's `LINUX_CONTAINER` environment. */
  X86_64 = 'x86_64',
  /** Arm 64-bit (Graviton): CodeBuild's `ARM_CONTAINER` environment, cheaper per minute than x86_64. */
  ARM64 = 'arm64',
}

/**
 * How a deploy stage's commands run. A deploy builds nothing, so AWS Lambda
 * compute is enough for most: it starts in seconds and is billed by the
 * second, but has no Docker, stops a build after 15 minutes and offers the
 * tools of its curated image (AWS CLI v2, git, Node.js). The stage runs on
 * the architecture of `codeBuild.architecture`.
 */
export enum DeployComputeType {
  /** Lambda compute, 1 GB memory. */
  LAMBDA_1GB = 'BUILD_LAMBDA_1GB',
  /** Lambda compute, 2 GB memory. */
  LAMBDA_2GB = 'BUILD_LAMBDA_2GB',
  /** Lambda compute, 4 GB memory. */
  LAMBDA_4GB = 'BUILD_LAMBDA_4GB',
  /** Lambda compute, 8 GB memory. */
  LAMBDA_8GB = 'BUILD_LAMBDA_8GB',
  /** Lambda compute, 10 GB memory. */
  LAMBDA_10GB = 'BUILD_LAMBDA_10GB',
  /** An EC2 container (the build's curated image, billed by the minute): for deploys longer than 15 minutes or that need its tools. */
  SMALL = 'BUILD_GENERAL1_SMALL',
}

/**
 * Curated CodeBuild images that ship Docker (with buildx) and the AWS CLI v2:
 * the x86_64 ones for `BuildArchitecture.X86_64`, the aarch64 one for
 * `BuildArchitecture.ARM64`.
 */
export enum BuildImage {
  /** Ubuntu 22.04 standard image, version 7.0. */
  STANDARD_7_0 = 'aws/codebuild/standard:7.0',
  /** Ubuntu 20.04 standard image, version 6.0. */
  STANDARD_6_0 = 'aws/codebuild/standard:6.0',
  /** Amazon Linux 2023 standard image, version 5.0. */
  AMAZON_LINUX_2023_5_0 = 'aws/codebuild/amazonlinux-x86_64-standard:5.0',
  /** Amazon Linux 2 standard image, version 4.0 (Amazon Linux 2 is in maintenance). */
  AMAZON_LINUX_2_4_0 = 'aws/codebuild/amazonlinux2-x86_64-standard:4.0',
  /** Amazon Linux 2023 aarch64 standard image, version 3.0 (for `BuildArchitecture.ARM64`). */
  AMAZON_LINUX_2023_AARCH64_3_0 = 'aws/codebuild/amazonlinux-aarch64-standard:3.0',
}

/**
 * Pipeline execution states that can be notified.
 */
export enum PipelineExecutionState {
  /** An execution started. */
  STARTED = 'STARTED',
  /** An execution finished successfully. */
  SUCCEEDED = 'SUCCEEDED',
  /** An execution failed. */
  FAILED = 'FAILED',
  /** An execution was stopped by a user. */
  STOPPED = 'STOPPED',
  /** A newer execution took the place of this one. */
  SUPERSEDED = 'SUPERSEDED',
}

/**
 * How CodePipeline handles a new execution while another is running
 * ("Set or change the pipeline execution mode",
 * https://docs.aws.amazon.com/codepipeline/latest/userguide/execution-modes.html).
 */
export enum PipelineExecutionMode {
  /** Executions run one at a time, in the order they started: every commit is deployed, no approval is skipped. */
  QUEUED = 'QUEUED',
  /** A newer execution overtakes an older one waiting between stages (CodePipeline's default). */
  SUPERSEDED = 'SUPERSEDED',
  /** Executions run at the same time, independently. Stage rollback is not available in this mode. */
  PARALLEL = 'PARALLEL',
}

/**
 * How CodeBuild builds and pushes the repository's Docker image.
 */
export interface CodeBuildProps {
  /**
   * Processor architecture of the build (and of the image it pushes). Every
   * compute type is available on both; the image must be one of the
   * architecture's (`AMAZON_LINUX_2023_AARCH64_3_0` for `ARM64`).
   * @default BuildArchitecture.X86_64
   */
  readonly architecture?: BuildArchitecture;

  /**
   * Compute type of the CodeBuild environment.
   * @default BuildComputeType.SMALL
   */
  readonly computeType?: BuildComputeType;

  /**
   * Curated CodeBuild image the build runs on, one of `architecture`'s.
   * @default - BuildImage.STANDARD_7_0 on x86_64, BuildImage.AMAZON_LINUX_2023_AARCH64_3_0 on arm64
   */
  readonly image?: BuildImage;

  /**
   * Path of the Dockerfile, relative to the repository root.
   *
   * Not empty, no leading `/`, no `..` segment, and no spaces, quotes, `$`,
   * backticks, backslashes or control characters (it is used in a shell command).
   * @default "Dockerfile"
   */
  readonly dockerfile?: string;

  /**
   * Docker build context, relative to the repository root (same rules as `dockerfile`).
   * @default "."
   */
  readonly context?: string;

  /**
   * Minutes after which CodeBuild stops a build: a whole number from 5 to 2160 (what AWS accepts).
   * @default 30
   */
  readonly timeoutMinutes?: number;

  /**
   * Days the build logs are kept in CloudWatch Logs: one of the values CloudWatch
   * accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096,
   * 1827, 2192, 2557, 2922, 3288, 3653).
   * @default 30
   */
  readonly logRetentionDays?: number;

  /**
   * Extra shell commands run before `docker build` (after the ECR login): at most
   * 50, none blank.
   * @default - none
   */
  readonly preBuildCommands?: string[];

  /**
   * Extra shell commands run after the image is pushed: at most 50, none blank.
   * @default - none
   */
  readonly postBuildCommands?: string[];

  /**
   * Name of the container in the ECS task definition that runs the image: the
   * build writes it into `imagedefinitions.json`, which the standard Amazon
   * ECS deploy action reads (up to 255 letters, digits, hyphens, underscores).
   * @default - the pipeline name
   */
  readonly containerName?: string;

  /**
   * Plain-text environment variables for the build: a plain object of strings
   * (a dict in Python; a `Map` is rejected).
   *
   * They are written to `buildspec.yml`, so names that look like secrets
   * (containing SECRET, PASSWORD, PASSWD, TOKEN, PRIVATE_KEY, API_KEY or
   * CREDENTIAL, any case) are rejected. A name is letters, digits and `_`, not
   * starting with a digit, and not one CodeBuild or the pipeline sets (`AWS_*`,
   * `CODEBUILD_*`, REPOSITORY_URI, REPOSITORY_NAME, AWS_ACCOUNT_ID, IMAGE_TAG,
   * IMAGE_URI, DOCKERFILE, DOCKER_CONTEXT, PATH, HOME). Values may be any
   * string; one a YAML reader would take for another type (`on`, `2024-01-31`)
   * is written quoted.
   * @default - none
   */
  readonly environmentVariables?: { [name: string]: string };

  /**
   * Secret environment variables for the build: variable name to the ARN of a
   * Secrets Manager secret or a Parameter Store parameter (never a value).
   *
   * `buildspec.yml` references them under `env.secrets-manager` /
   * `env.parameter-store`, and the build role may read exactly these ARNs. A
   * secret is its full ARN, `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 characters>`
   * (the suffix Secrets Manager appends: IAM matches the whole ARN); a
   * parameter is `arn:<partition>:ssm:<region>:<account>:parameter/<name>`;
   * the partition is its region's. Names follow the rules of
   * `environmentVariables` (secret-like names are fine here) and may not repeat one of them.
   * @default - none
   */
  readonly secrets?: { [name: string]: string };
}

/**
 * A manual approval that a deploy stage waits for before it deploys.
 *
 * The request is published to the pipeline's notification topic; it shows the
 * commit and the image digest being deployed and links to the commit on GitHub.
 */
export interface ManualApprovalProps {
  /**
   * E-mail addresses that receive approval requests, subscribed to the
   * pipeline's notification topic (so they also receive its execution
   * notifications). Same rules as `notifications.emails`, at most 20.
   * @default - only the topic's existing subscribers are notified
   */
  readonly emails?: string[];
}

/**
 * A stage after Build that deploys the image the Build stage pushed, in its
 * own CodeBuild project, without rebuilding it.
 *
 * The commands run with `IMAGE_URI`, `IMAGE_TAG` and `IMAGE_DIGEST` set to the
 * image of this execution, in the repository's source at the built commit, with
 * the build's `imagedefinitions.json` and `imageDetail.json` in
 * `$CODEBUILD_SRC_DIR_image`. The stage's managed buildspec is
 * `deploy/<name>.buildspec.yml`.
 */
export interface DeployStageProps {
  /**
   * Name of the CodePipeline stage: 1 to 100 letters, digits, `.`, `@`, `_`
   * and `-`, unique ignoring case, not `Source` or `Build`. The stage's
   * CodeBuild project and IAM role are named after it, so it must also keep
   * them within their AWS limits (an IAM role name is at most 64 characters).
   */
  readonly name: string;

  /**
   * Shell commands that deploy the image: 1 to 50, none blank. They must not
   * build an image (the stage's project cannot run Docker).
   */
  readonly commands: string[];

  /**
   * Where the commands run. Lambda compute stops them after 15 minutes and
   * cannot run `docker`, tools that need root, or write outside `/tmp`; it has
   * no VPC connectivity and runs only in the regions CodeBuild lists for it
   * ("Run builds on AWS Lambda compute", Limitations).
   * `DeployComputeType.SMALL` runs them as before this option existed, on the
   * build's image for up to `codeBuild.timeoutMinutes`: choose it for such
   * commands, or in a region without Lambda compute.
   * @default DeployComputeType.LAMBDA_1GB
   */
  readonly compute?: DeployComputeType;

  /**
   * Plain-text environment variables for the commands (same rules as
   * `codeBuild.environmentVariables`; `IMAGE_URI`, `IMAGE_TAG`, `IMAGE_DIGEST`,
   * `DEPLOY_STAGE` and `ASSUME_ROLE_ARN` are set by the pipeline).
   * @default - none
   */
  readonly environmentVariables?: { [name: string]: string };

  /**
   * Secret environment variables for the commands: variable name to a
   * Secrets Manager or Parameter Store ARN (same rules as `codeBuild.secrets`).
   * Only this stage's role may read them.
   * @default - none
   */
  readonly secrets?: { [name: string]: string };

  /**
   * Wait for a manual approval before deploying (`{}` notifies the topic's
   * subscribers; `{ emails: [...] }` subscribes more). A request is rejected
   * automatically after seven days.
   * @default - no approval: the stage deploys as soon as the one before succeeds
   */
  readonly manualApproval?: ManualApprovalProps;

  /**
   * ARN of an IAM role the commands assume before they run, e.g. a deploy role
   * in another account (`arn:<partition>:iam::<account>:role/<path/><name>`).
   * The stage's own role may assume this role and no other; the target role
   * must trust it.
   * @default - the commands run with the stage's own role, which can read the pipeline's artifacts and nothing else
   */
  readonly assumeRoleArn?: string;

  /**
   * When the stage fails, roll it back automatically to its last successful
   * execution (CodePipeline V2 stage rollback: the stage runs again with that
   * execution's artifacts and variables, so the previous image is deployed
   * again). Not available with `PipelineExecutionMode.PARALLEL`.
   *
   * CodePipeline rolls a stage back only to an execution started in the
   * current pipeline structure version ("Configure a stage for automatic
   * rollback", CodePipeline User Guide): every change of the pipeline's
   * definition starts a new one, whether a person's `npx projen deploy` or a
   * self-update (`selfUpdate`) that changes the definition (an upgrade
   * usually does). Until the stage has succeeded once after such a change, a
   * failure has nothing to roll back to and the stage stays failed: watch
   * the first deploy after an upgrade, and roll back by hand if it fails.
   * @default false
   */
  readonly rollbackOnFailure?: boolean;

  /**
   * Release gates of the stage (CodePipeline V2 stage conditions): do not
   * enter while an alarm is in ALARM, enter only inside a deployment window,
   * watch the alarms after the deploy and roll back, retry once on failure.
   * See StageGuardProps.
   * @default - no gates: the stage enters as soon as the one before succeeds
   */
  readonly guard?: StageGuardProps;
}

/**
 * When a deploy stage may start, in the DeploymentWindow rule's own terms.
 */
export interface DeploymentWindowProps {
  /**
   * When the stage may enter: the DeploymentWindow rule's cron expression,
   * without a `cron(...)` wrapper. Six fields and an optional year, separated
   * by spaces: seconds (always `*`), minutes 0-59, hours 0-23, day-of-month
   * 1-31 (also `?`, `L`, `L-n`, `nW`), month 1-12 or JAN-DEC, day-of-week 1-7
   * or SUN-SAT (also `?`, `nL`, `n#k`), year 1970-2199; `,` lists, `-` ranges
   * (lower value first), `/` increments. Exactly one of day-of-month and
   * day-of-week is `?`. Every minute the expression matches is inside the
   * window: `* * 9-15 ? * MON-THU` is Monday to Thursday, 09:00 to 15:59.
   * A window that never opens (a day no selected month has, only past years)
   * is rejected.
   */
  readonly cron: string;

  /**
   * The IANA time zone the cron is read in, e.g. `Europe/Berlin` (daylight
   * saving time included) or `UTC`; not an offset like `+01:00`.
   */
  readonly timezone: string;
}

/**
 * The release gates of one deploy stage, as CodePipeline V2 stage conditions
 * ("Configure conditions for a stage"). Each gate is optional; at least one
 * must be set.
 *
 * AWS's constraints: a rollback goes to the stage's last successful execution
 * that was started in the current pipeline structure version, and every
 * change of the pipeline's definition (a deploy of this program that changes
 * it, e.g. through `selfUpdate`) starts a new version, so right after such a
 * change there is nothing to roll back to; no rollback in
 * `PipelineExecutionMode.PARALLEL`.
 */
export interface StageGuardProps {
  /**
   * CloudWatch alarms that guard the stage, each a name (an alarm of the
   * pipeline's account and region) or an ARN
   * (`arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>`, the
   * partition of its region; all ARNs in one region, and the program refuses
   * an ARN of another region or account than the stack's: the CloudWatchAlarm
   * rule reads alarms where the pipeline runs). The stage does not start while
   * any of them is in ALARM (entry condition, result FAIL). A name is 1 to 255
   * characters without control characters, `*`, `?` or `${`, listed once; at
   * most 5, or 4 with a `window` (a condition holds at most 5 rules). The
   * pipeline role may `cloudwatch:DescribeAlarms` exactly these alarms, so they
   * must be metric alarms: CloudWatch returns composite alarms only to a
   * `DescribeAlarms` grant on every alarm (CloudWatch API Reference,
   * DescribeAlarms). An alarm in INSUFFICIENT_DATA does not block. With
   * `selfUpdate`, the pipeline role's permissions boundary allows the same reads.
   * @default - no health gate
   */
  readonly alarms?: string[];

  /**
   * Minutes to watch `alarms` after the stage's commands succeed: if one goes
   * into ALARM, the stage rolls back to its last successful execution (on
   * success condition, result ROLLBACK). 1 to 180 (a bake holds the pipeline;
   * AWS publishes no bound). Requires `alarms`; not with
   * `PipelineExecutionMode.PARALLEL`.
   * @default - no bake: the stage succeeds when its commands do
   */
  readonly bakeMinutes?: number;

  /**
   * Enter the stage only inside this deployment window; outside it the
   * execution waits at the stage's entry until the window opens.
   * @default - the stage may start at any time
   */
  readonly window?: DeploymentWindowProps;

  /**
   * When the stage fails, retry its failed actions once, automatically (on
   * failure result RETRY, retry mode FAILED_ACTIONS; CodePipeline allows one
   * automatic retry). A failed stage either retries or rolls back, so this
   * excludes `rollbackOnFailure`.
   * @default false
   */
  readonly retryOnFailure?: boolean;
}

/**
 * The ECR repository that receives the images.
 */
export interface RegistryProps {
  /**
   * How many tagged images to keep (1 to 10000); older ones expire.
   * @default 30
   */
  readonly keepImages?: number;

  /**
   * Days after which untagged images expire (1 to 3650).
   * @default 7
   */
  readonly untaggedExpiryDays?: number;
}

/**
 * Resources a platform team owns and shares with every repository's
 * pipeline, instead of one per stack (see the README's "Shared resources").
 * Each is optional and independent; the GitHub connection is shared through
 * `PipelineProps.connectionArn`.
 */
export interface SharedResourcesProps {
  /**
   * ARN of the platform's customer-managed KMS key, or of an alias of it:
   * `arn:<partition>:kms:<region>:<12-digit account>:key/<key id>` or
   * `...:alias/<name>`, in the stack's account and region (checked at deploy).
   * The stack then creates no key: the artifact store, the bucket's default
   * encryption, the log groups, the topic, the ECR repository and the
   * self-update's secrets use this key, and the roles are granted its use
   * through IAM. The key policy is the platform's and must hold the
   * statements the README lists. An AWS managed key (`alias/aws/...`) cannot
   * be shared this way: its policy admits no other use.
   * @default - the stack creates and owns its own key
   */
  readonly kmsKeyArn?: string;

  /**
   * Name of the platform's S3 bucket for pipeline artifacts, in the stack's
   * account and region (checked at deploy). The stack then creates no bucket:
   * CodePipeline writes under a folder named after the pipeline (its first 20
   * characters, so with this option `<name>-<environment>` must be at most
   * 20 characters), and every role reaches only that folder. Versioning,
   * encryption, TLS-only, the public access block and lifecycle rules are the
   * platform's (the README lists what the pipeline expects).
   * @default - the stack creates and owns its own artifact bucket
   */
  readonly artifactBucket?: string;
}

/**
 * The S3 bucket that holds pipeline artifacts.
 */
export interface ArtifactProps {
  /**
   * Days after which an artifact expires. CodePipeline writes every run's
   * artifacts under new keys, so without expiry the bucket grows forever; an
   * expired artifact stays recoverable as a non-current version for
   * `noncurrentVersionExpiryDays` more days. Keep it longer than you may want
   * to retry an old execution's later stages.
   * (1 to 3650)
   * @default 30
   */
  readonly expiryDays?: number;

  /**
   * Days after which non-current object versions are deleted (1 to 3650).
   * @default 30
   */
  readonly noncurrentVersionExpiryDays?: number;

  /**
   * Let `pulumi destroy` empty and delete the bucket in every environment,
   * long-lived ones included (ephemeral environments always do; see
   * `PipelineProps.ephemeralEnvironments`).
   * @default false
   */
  readonly forceDestroy?: boolean;
}

/**
 * Who hears about pipeline executions.
 */
export interface NotificationProps {
  /**
   * E-mail addresses subscribed to the notification topic (each confirms once by e-mail).
   *
   * At most 100, each listed once (ignoring case) and at most 254 characters: a
   * local part of 1 to 64 characters without spaces, quotes or brackets and no
   * `.` at either end or twice in a row, then `@` and a domain of two or more
   * labels separated by single dots, each 1 to 63 letters, digits or inner
   * hyphens, the last one starting with a letter.
   * @default - no subscriptions; the topic can still be subscribed to
   */
  readonly emails?: string[];

  /**
   * Execution states that publish a notification: 1 to 5, each listed once.
   * @default [PipelineExecutionState.FAILED, PipelineExecutionState.SUCCEEDED]
   */
  readonly states?: PipelineExecutionState[];
}

/**
 * The tags every taggable resource carries. `Environment` is the stack's
 * environment suffix and `ManagedBy` is always `Pulumi`.
 *
 * Every tag value is at most 256 characters of letters, digits, spaces and
 * `_ . : / = + - @` (what every AWS service accepts).
 */
export interface TagProps {
  /**
   * Value of the `Team` tag (not empty).
   * @default - the repository owner
   */
  readonly team?: string;

  /**
   * Value of the `Project` tag (not empty).
   * @default - the pipeline name
   */
  readonly project?: string;

  /**
   * Value of the `CostCenter` tag (not empty).
   * @default - no CostCenter tag
   */
  readonly costCenter?: string;

  /**
   * Further tags, by key, as a plain object (a dict in Python).
   *
   * With the five the pipeline sets and the `cicd-pipeline-type:version` tag
   * of the pipeline and its build projects, AWS allows 44 more (45 without a
   * cost centre). Keys are 1 to 128 characters (same characters as values), may not
   * start with `aws:`, may not be a tag the pipeline sets (Environment,
   * ManagedBy, Team, Project, CostCenter) and must differ in more than case:
   * AWS treats keys case-insensitively.
   * @default - none
   */
  readonly custom?: { [key: string]: string };
}

/**
 * The pipeline keeps itself current: a stage right after Source runs `pulumi up`
 * on the repository's own pipeline stack (and restarts the run when the
 * pipeline's definition changed), and a scheduled, read-only drift check
 * reports when the deployed stack no longer matches its program.
 *
 * The stack of environment `<env>` must be named `<env>` (the stack files
 * `infra/Pulumi.<env>.yaml` already are), so that the pipeline updates the
 * stack that deployed it.
 */
export interface SelfUpdateProps {
  /**
   * The Pulumi backend the pipeline's own stacks live on.
   *
   * Either an S3 state bucket, `s3://<bucket>[/<prefix>][?region=<region>]`
   * (a general purpose bucket name: 3 to 63 lowercase letters, digits, `.` and
   * `-`; a prefix of `/`-separated segments of letters, digits and
   * `! - _ . * ' ( )`), or Pulumi Cloud: `https://api.pulumi.com` or the
   * `https://` address of a self-hosted Pulumi Cloud API (no path, query or
   * credentials).
   */
  readonly backendUrl: string;

  /**
   * The secrets provider of the stacks: an AWS KMS key, as Pulumi spells it:
   * `awskms://<key-id>`, `awskms://alias/<alias>`, or
   * `awskms:///arn:<partition>:kms:<region>:<account>:key/<key-id>` (or
   * `...:alias/<alias>`), each optionally followed by `?region=<region>`.
   * Required with an S3 backend (CodeBuild has no passphrase to give Pulumi).
   * @default - none with an S3 backend (an error); Pulumi Cloud's own encryption with Pulumi Cloud
   */
  readonly secretsProvider?: string;

  /**
   * ARN of the AWS Secrets Manager secret that holds the Pulumi Cloud access
   * token (`arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 characters>`,
   * the complete ARN the console shows). Required with Pulumi Cloud, rejected
   * with an S3 backend. Never the token itself: a value that looks like one
   * (`pul-...`) is rejected.
   * @default - none with Pulumi Cloud (an error); not used with an S3 backend
   */
  readonly accessTokenSecretArn?: string;

  /**
   * When the drift check runs: an EventBridge schedule expression,
   * `rate(<n> minute|minutes|hour|hours|day|days)` (singular for 1) or
   * `cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)` (UTC,
   * one of day-of-month and day-of-week is `?`), or `off` to keep the drift
   * check only for runs on demand. At most hourly: `rate(<n> minutes)` below
   * 60 and a cron whose minutes field names more than one minute are
   * rejected, because every run installs the Pulumi CLI, runs `npm ci` and
   * reads every resource of the stack (billed build minutes, not a better check).
   * @default "rate(1 day)"
   */
  readonly driftSchedule?: string;
}

/**
 * The CI/CD pipeline of one application repository.
 *
 * Every option is checked before any file is written; all problems are
 * reported in one error, each naming the option as the user wrote it
 * (`pipeline.registry.keepImages` in `.projenrc.ts`,
 * `pipeline.registry.keep_images` in `.projenrc.py`). An option that is not
 * listed here, and `null` for an optional one, are rejected too.
 */
export interface PipelineProps {
  /**
   * GitHub repository the pipeline builds, as `owner/name` (not a URL).
   *
   * The owner is 1 to 39 letters, digits and single hyphens, not at either
   * end; the name is 1 to 100 letters, digits, `.`, `_` and `-`, not `.` or
   * `..`, and does not end in `.git` (GitHub strips that suffix from
   * repository names, so no repository has it).
   *
   * Required: set it here, or with `githubRepository` of `CicdPipelineProject`.
   * @default - none: a pipeline without a repository is rejected
   */
  readonly repository?: string;

  /**
   * Branch whose pushes start the pipeline, as a branch name (`main`), not a
   * full ref (`refs/heads/main`): the trigger matches branch names.
   *
   * A name git accepts (`git check-ref-format`): 1 to 255 characters; no spaces,
   * control characters or `~ ^ : ? * [ \ { } !` (the trigger would read glob
   * characters as a pattern); no `..`, `@{` or `//`; no leading `-` or `/`; no
   * trailing `/`, `.` or `.lock`; no part starting with `.`; not `HEAD` or `@`.
   * @default "main"
   */
  readonly branch?: string;

  /**
   * File path globs (relative to the repository root) that must change for a
   * push to start the pipeline.
   *
   * At most 8, each listed once and 1 to 255 characters, not blank (the limits
   * of CodePipeline's GitFilePathFilterCriteria); no leading `/`; no `.`, `..` or
   * empty (`//`) segment, which no file path in the repository has; no control
   * characters or line breaks (AWS's pattern `.*` matches no line break).
   * @default - every push to the branch
   */
  readonly filePaths?: string[];

  /**
   * ARN of an existing, authorized CodeConnections (or CodeStar Connections)
   * connection to GitHub.
   *
   * `arn:<partition>:codeconnections|codestar-connections:<region>:<12-digit account>:connection/<uuid>`,
   * with the partition of its region (`aws-cn` for `cn-*`, `aws-us-gov` for
   * `us-gov-*`, `aws` otherwise).
   * @default - the program creates a connection, which stays PENDING until authorized once in the console
   */
  readonly connectionArn?: string;

  /**
   * Base name of every resource.
   *
   * 1 to 20 lowercase letters, digits and single hyphens, no hyphen at either
   * end, so that every derived AWS name fits its service's limits. It may
   * start with a digit: S3, ECR, CodeBuild, IAM, SNS, EventBridge and
   * CodePipeline all accept a leading digit. It must not make the artifact
   * bucket name start with a prefix S3 reserves (`sthree-`, `amzn-s3-demo-`).
   * @default - the repository name, lowercased, with other characters turned into hyphens and cut to 20
   */
  readonly name?: string;

  /**
   * Environments (Pulumi stacks) to write stack files for. Each becomes the
   * stack's environment suffix.
   *
   * 1 to 20, each listed once: 1 to 10 lowercase letters or digits, starting
   * with a letter.
   *
   * A listed environment is long-lived: `pulumi destroy` leaves its KMS key,
   * artifact bucket and ECR repository in AWS, with their data readable. Any
   * other suffix (e.g. a per-pull-request `pr123` set through
   * `ENVIRONMENT_SUFFIX`) is ephemeral: destroy empties and deletes the bucket
   * and the repository and schedules the key's deletion after 7 days.
   * @default ["dev"]
   */
  readonly environments?: string[];

  /**
   * Listed environments that are ephemeral nonetheless (e.g. a shared sandbox
   * torn down at will): destroy deletes their bucket, repository and key as it
   * does for unlisted suffixes.
   * @default - none: every listed environment is long-lived
   */
  readonly ephemeralEnvironments?: string[];

  /**
   * How CodeBuild builds the image (`build` is a name jsii reserves).
   * @default - see CodeBuildProps
   */
  readonly codeBuild?: CodeBuildProps;

  /**
   * Deploy stages after Build, in order. Each deploys the image the Build
   * stage pushed (never rebuilding it), optionally after a manual approval,
   * with its own least-privilege role. At most 47 (CodePipeline allows 50
   * stages; Source, UpdatePipeline with `selfUpdate`, and Build are three).
   * A stage may not be named Source, UpdatePipeline or Build.
   * @default - none: the pipeline ends when the image is pushed
   */
  readonly stages?: DeployStageProps[];

  /**
   * How CodePipeline handles a push while an execution is running.
   * @default - QUEUED when there are deploy stages (every commit is deployed in order and an approval is never skipped by a newer execution), SUPERSEDED otherwise
   */
  readonly executionMode?: PipelineExecutionMode;

  /**
   * ECR settings.
   * @default - see RegistryProps
   */
  readonly registry?: RegistryProps;

  /**
   * Artifact bucket settings.
   * @default - see ArtifactProps
   */
  readonly artifacts?: ArtifactProps;

  /**
   * Execution notifications.
   * @default - FAILED and SUCCEEDED to a topic with no subscriptions
   */
  readonly notifications?: NotificationProps;

  /**
   * Tags for every resource.
   * @default - see TagProps
   */
  readonly tags?: TagProps;

  /**
   * Let the deployed pipeline keep itself current on the team's own Pulumi
   * backend: a self-update stage after Source and a scheduled drift check
   * (see SelfUpdateProps). Off by default, so that existing stacks do not change.
   * @default - off: the pipeline changes only when someone runs `npx projen deploy`
   */
  readonly selfUpdate?: SelfUpdateProps;

  /**
   * The supply-chain gate: the pushed image is scanned by Amazon Inspector
   * between Build and the first deploy stage, and an execution whose image has
   * more findings than a threshold stops there (see SupplyChainProps); `{}`
   * turns it on with its defaults. Off here, so that a repository upgrading
   * from a release without it keeps its pipeline until it opts in; `projen new`
   * writes it into every new repository's projenrc.
   * @default - off: no scan gate
   */
  readonly supplyChain?: SupplyChainProps;

  /**
   * The platform's own KMS key and artifact bucket, shared by every
   * repository's pipeline (see SharedResourcesProps). Switching an existing
   * stack replaces its key and bucket: see the README before you do.
   * @default - the stack creates its own key and bucket
   */
  readonly shared?: SharedResourcesProps;
}
