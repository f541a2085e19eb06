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
 * Curated CodeBuild images (x86_64 Linux) that ship Docker and the AWS CLI v2.
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
 * How CodeBuild builds and pushes the repository's Docker image.
 */
export interface CodeBuildProps {
  /**
   * Compute type of the CodeBuild environment.
   * @default BuildComputeType.SMALL
   */
  readonly computeType?: BuildComputeType;

  /**
   * Curated CodeBuild image the build runs on.
   * @default BuildImage.STANDARD_7_0
   */
  readonly image?: BuildImage;

  /**
   * Path of the Dockerfile, relative to the repository root.
   * @default "Dockerfile"
   */
  readonly dockerfile?: string;

  /**
   * Docker build context, relative to the repository root.
   * @default "."
   */
  readonly context?: string;

  /**
   * Minutes after which CodeBuild stops a build (AWS accepts 5 to 2160).
   * @default 30
   */
  readonly timeoutMinutes?: number;

  /**
   * Days the build logs are kept in CloudWatch Logs (one of the values CloudWatch accepts).
   * @default 30
   */
  readonly logRetentionDays?: number;

  /**
   * Extra shell commands run before `docker build` (after the ECR login).
   * @default - none
   */
  readonly preBuildCommands?: string[];

  /**
   * Extra shell commands run after the image is pushed.
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
   * Plain-text environment variables for the build. They are written to
   * `buildspec.yml`, so names that look like secrets are rejected.
   * @default - none
   */
  readonly environmentVariables?: { [name: string]: string };
}

/**
 * The ECR repository that receives the images.
 */
export interface RegistryProps {
  /**
   * How many tagged images to keep; older ones expire.
   * @default 30
   */
  readonly keepImages?: number;

  /**
   * Days after which untagged images expire.
   * @default 7
   */
  readonly untaggedExpiryDays?: number;
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
   * @default 30
   */
  readonly expiryDays?: number;

  /**
   * Days after which non-current object versions are deleted.
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
   * @default - no subscriptions; the topic can still be subscribed to
   */
  readonly emails?: string[];

  /**
   * Execution states that publish a notification.
   * @default [PipelineExecutionState.FAILED, PipelineExecutionState.SUCCEEDED]
   */
  readonly states?: PipelineExecutionState[];
}

/**
 * The tags every taggable resource carries. `Environment` is the stack's
 * environment suffix and `ManagedBy` is always `Pulumi`.
 */
export interface TagProps {
  /**
   * Value of the `Team` tag.
   * @default - the repository owner
   */
  readonly team?: string;

  /**
   * Value of the `Project` tag.
   * @default - the pipeline name
   */
  readonly project?: string;

  /**
   * Value of the `CostCenter` tag.
   * @default - no CostCenter tag
   */
  readonly costCenter?: string;

  /**
   * Further tags, by key. With the five the pipeline sets, AWS allows 45
   * more (46 without a cost centre); keys are case-insensitive and may not
   * start with `aws:`.
   * @default - none
   */
  readonly custom?: { [key: string]: string };
}

/**
 * The CI/CD pipeline of one application repository.
 */
export interface PipelineProps {
  /**
   * GitHub repository the pipeline builds, as `owner/name`.
   */
  readonly repository: string;

  /**
   * Branch whose pushes start the pipeline.
   * @default "main"
   */
  readonly branch?: string;

  /**
   * File path globs (relative to the repository root) that must change for a
   * push to start the pipeline.
   * @default - every push to the branch
   */
  readonly filePaths?: string[];

  /**
   * ARN of an existing, authorized CodeConnections (or CodeStar Connections)
   * connection to GitHub.
   * @default - the program creates a connection, which stays PENDING until authorized once in the console
   */
  readonly connectionArn?: string;

  /**
   * Base name of every resource (lowercase letters, digits, hyphens; at most 20
   * characters so that every derived AWS name fits).
   * @default - the repository name, lowercased
   */
  readonly name?: string;

  /**
   * Environments (Pulumi stacks) to write stack files for. Each becomes the
   * stack's environment suffix.
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
}
