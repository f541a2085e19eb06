import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { NameKey, PipelineSettings, resourceNames } from './settings';

/** Type token of the component: part of every child's URN, so it never changes. */
export const PIPELINE_COMPONENT_TYPE = 'cicd-pipeline-type:index:CicdPipeline';

/** Stage and action names the trigger refers to. */
const SOURCE_ACTION = 'Source';
const SOURCE_ARTIFACT = 'source';
const IMAGE_ARTIFACT = 'image';

/** Checked once synchronously so a bad suffix fails before any resource is registered. */
const ACCOUNT_FOR_LENGTH_CHECK = '000000000000';

export interface CicdPipelineArgs {
  /** The rendered settings (`pipeline-settings.json`). */
  readonly settings: PipelineSettings;
  /** The stack's environment suffix, already validated. */
  readonly environment: string;
}

/**
 * The CI/CD pipeline of one repository: GitHub (CodeConnections) →
 * CodePipeline V2 → CodeBuild (docker build, push to ECR), with an encrypted
 * artifact bucket, least-privilege roles and EventBridge → SNS notifications.
 *
 * Creation order where Pulumi cannot infer it from inputs:
 * 1. the roles' policies are attached before the build project and pipeline
 *    exist, so the first (automatic) execution does not fail on permissions;
 * 2. the bucket's versioning, encryption, public access block and TLS-only
 *    policy are in place before the pipeline writes its first artifact;
 * 3. the topic policy lets EventBridge publish before the rule targets it.
 */
export class CicdPipeline extends pulumi.ComponentResource {
  public readonly pipelineName: pulumi.Output<string>;
  public readonly pipelineConsoleUrl: pulumi.Output<string>;
  public readonly repositoryUrl: pulumi.Output<string>;
  public readonly artifactBucket: pulumi.Output<string>;
  public readonly connectionArn: pulumi.Output<string>;
  public readonly connectionStatus: pulumi.Output<string>;
  public readonly notificationTopicArn: pulumi.Output<string>;

  public constructor(name: string, args: CicdPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    super(PIPELINE_COMPONENT_TYPE, name, {}, opts);
    const { settings, environment } = args;
    const parent = { parent: this };
    const names = resourceNames(settings, environment, ACCOUNT_FOR_LENGTH_CHECK);
    const tags: Record<string, string> = { ...settings.tags, Environment: environment, ManagedBy: 'Pulumi' };

    const identity = aws.getCallerIdentityOutput({}, parent);
    const region = aws.getRegionOutput({}, parent).region;
    const partition = aws.getPartitionOutput({}, parent).partition;
    const nameFor = (key: NameKey) => identity.accountId.apply(account => resourceNames(settings, environment, account)[key]);

    // One customer-managed key for artifacts, images, logs and notifications.
    const key = new aws.kms.Key('key', {
      description: `${names.pipeline} CI/CD pipeline`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: pulumi.jsonStringify({
        Version: '2012-10-17',
        Statement: [
          {
            // Key policies name the key itself as "*"; the account root keeps IAM in control.
            Sid: 'AccountAdministers',
            Effect: 'Allow',
            Principal: { AWS: pulumi.interpolate`arn:${partition}:iam::${identity.accountId}:root` },
            Action: 'kms:*',
            Resource: '*',
          },
          {
            Sid: 'CloudWatchLogsEncryptsBuildLogs',
            Effect: 'Allow',
            Principal: { Service: pulumi.interpolate`logs.${region}.amazonaws.com` },
            Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
            Resource: '*',
            Condition: {
              ArnEquals: {
                'kms:EncryptionContext:aws:logs:arn': pulumi.interpolate`arn:${partition}:logs:${region}:${identity.accountId}:log-group:${names.logGroup}`,
              },
            },
          },
          {
            // Lets EventBridge publish to the encrypted topic.
            Sid: 'EventBridgePublishesNotifications',
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Resource: '*',
            // The rule's ARN is known from its name; referencing the rule itself would be a cycle.
            Condition: {
              ArnEquals: {
                'aws:SourceArn': pulumi.interpolate`arn:${partition}:events:${region}:${identity.accountId}:rule/${names.notificationRule}`,
              },
            },
          },
        ],
      }),
      tags,
    }, parent);

    // --- Source: GitHub through CodeConnections -------------------------------
    let connectionArn: pulumi.Output<string>;
    let connectionStatus: pulumi.Output<string>;
    if (settings.source.connectionArn) {
      connectionArn = pulumi.output(settings.source.connectionArn);
      connectionStatus = aws.codestarconnections.getConnectionOutput({ arn: settings.source.connectionArn }, parent).connectionStatus;
    } else {
      const connection = new aws.codeconnections.Connection('github', {
        name: names.connection,
        providerType: 'GitHub',
        tags,
      }, parent);
      connectionArn = connection.arn;
      connectionStatus = connection.connectionStatus;
    }
    // IAM uses the service prefix of the connection's own ARN.
    const useConnectionAction = connectionArn.apply(arn => `${arn.split(':')[2]}:UseConnection`);

    // --- Artifacts -----------------------------------------------------------
    const bucket = new aws.s3.Bucket('artifacts', {
      bucket: nameFor('artifactBucket'),
      forceDestroy: settings.artifacts.forceDestroy,
      tags,
    }, parent);
    const versioning = new aws.s3.BucketVersioning('artifacts-versioning', {
      bucket: bucket.id,
      versioningConfiguration: { status: 'Enabled' },
    }, parent);
    const encryption = new aws.s3.BucketServerSideEncryptionConfiguration('artifacts-encryption', {
      bucket: bucket.id,
      rules: [{
        applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: key.arn },
        bucketKeyEnabled: true,
      }],
    }, parent);
    const publicAccess = new aws.s3.BucketPublicAccessBlock('artifacts-public-access', {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    }, parent);
    const ownership = new aws.s3.BucketOwnershipControls('artifacts-ownership', {
      bucket: bucket.id,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    }, parent);
    const lifecycle = new aws.s3.BucketLifecycleConfiguration('artifacts-lifecycle', {
      bucket: bucket.id,
      rules: [{
        id: 'expire-old-versions',
        status: 'Enabled',
        filter: {},
        noncurrentVersionExpiration: { noncurrentDays: settings.artifacts.noncurrentVersionExpiryDays },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
      }],
    }, { parent: this, dependsOn: [versioning] });
    const tlsOnly = new aws.s3.BucketPolicy('artifacts-tls-only', {
      bucket: bucket.id,
      policy: pulumi.jsonStringify({
        Version: '2012-10-17',
        Statement: [{
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }],
      }),
    }, { parent: this, dependsOn: [publicAccess] });

    // --- Registry ------------------------------------------------------------
    const repository = new aws.ecr.Repository('images', {
      name: names.repository,
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfigurations: [{ encryptionType: 'KMS', kmsKey: key.arn }],
      tags,
    }, parent);
    new aws.ecr.LifecyclePolicy('images-lifecycle', {
      repository: repository.name,
      policy: JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: `Expire untagged images after ${settings.registry.untaggedExpiryDays} days`,
            selection: {
              tagStatus: 'untagged',
              countType: 'sinceImagePushed',
              countUnit: 'days',
              countNumber: settings.registry.untaggedExpiryDays,
            },
            action: { type: 'expire' },
          },
          {
            // A rule on "any" must have the lowest priority (highest number).
            rulePriority: 2,
            description: `Keep the last ${settings.registry.keepImages} images`,
            selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: settings.registry.keepImages },
            action: { type: 'expire' },
          },
        ],
      }),
    }, parent);

    // --- Build ---------------------------------------------------------------
    const logGroup = new aws.cloudwatch.LogGroup('build-logs', {
      name: names.logGroup,
      retentionInDays: settings.build.logRetentionDays,
      kmsKeyId: key.arn,
      tags,
    }, parent);

    const useTheKey = {
      Sid: 'UseTheKey',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
      Resource: key.arn,
    };
    const build = this.serviceRole('build', {
      roleName: names.buildRole,
      service: 'codebuild.amazonaws.com',
      accountId: identity.accountId,
      tags,
      statements: [
        {
          Sid: 'WriteBuildLogs',
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: [logGroup.arn, pulumi.interpolate`${logGroup.arn}:log-stream:*`],
        },
        {
          // GetAuthorizationToken has no resource-level permissions: AWS requires "*".
          Sid: 'LogInToEcr',
          Effect: 'Allow',
          Action: 'ecr:GetAuthorizationToken',
          Resource: '*',
        },
        {
          Sid: 'PushImages',
          Effect: 'Allow',
          Action: [
            'ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:CompleteLayerUpload', 'ecr:DescribeImages',
            'ecr:GetDownloadUrlForLayer', 'ecr:InitiateLayerUpload', 'ecr:PutImage', 'ecr:UploadLayerPart',
          ],
          Resource: repository.arn,
        },
        {
          Sid: 'ReadSourceWriteArtifacts',
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'],
          Resource: pulumi.interpolate`${bucket.arn}/*`,
        },
        useTheKey,
      ],
    });

    const project = new aws.codebuild.Project('build', {
      name: names.buildProject,
      description: `Builds ${settings.source.repository} and pushes the image to ECR`,
      serviceRole: build.role.arn,
      source: { type: 'CODEPIPELINE', buildspec: settings.build.buildspec },
      artifacts: { type: 'CODEPIPELINE' },
      environment: {
        type: 'LINUX_CONTAINER',
        computeType: settings.build.computeType,
        image: settings.build.image,
        imagePullCredentialsType: 'CODEBUILD',
        // Docker-in-docker needs privileged mode: the documented exception for image builds.
        privilegedMode: true,
        environmentVariables: [
          { name: 'REPOSITORY_URI', value: repository.repositoryUrl, type: 'PLAINTEXT' },
          { name: 'REPOSITORY_NAME', value: repository.name, type: 'PLAINTEXT' },
          { name: 'AWS_ACCOUNT_ID', value: identity.accountId, type: 'PLAINTEXT' },
        ],
      },
      buildTimeout: settings.build.timeoutMinutes,
      cache: { type: 'LOCAL', modes: ['LOCAL_SOURCE_CACHE', 'LOCAL_DOCKER_LAYER_CACHE'] },
      logsConfig: { cloudwatchLogs: { groupName: logGroup.name, status: 'ENABLED' } },
      encryptionKey: key.arn,
      tags,
    }, { parent: this, dependsOn: [build.attachment] });

    // --- Pipeline ------------------------------------------------------------
    const pipelineAccess = this.serviceRole('pipeline', {
      roleName: names.pipelineRole,
      service: 'codepipeline.amazonaws.com',
      accountId: identity.accountId,
      tags,
      statements: [
        {
          Sid: 'ReadWriteArtifacts',
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'],
          Resource: pulumi.interpolate`${bucket.arn}/*`,
        },
        {
          // CodePipeline checks the artifact store's versioning and location before each run.
          Sid: 'InspectArtifactBucket',
          Effect: 'Allow',
          Action: ['s3:GetBucketVersioning', 's3:GetBucketLocation', 's3:ListBucket'],
          Resource: bucket.arn,
        },
        {
          Sid: 'RunTheBuild',
          Effect: 'Allow',
          Action: ['codebuild:StartBuild', 'codebuild:BatchGetBuilds'],
          Resource: project.arn,
        },
        {
          Sid: 'UseTheConnection',
          Effect: 'Allow',
          Action: useConnectionAction,
          Resource: connectionArn,
        },
        useTheKey,
      ],
    });

    const push: aws.types.input.codepipeline.PipelineTriggerGitConfigurationPush = {
      branches: { includes: [settings.source.branch] },
      ...(settings.source.filePaths.length > 0 ? { filePaths: { includes: settings.source.filePaths } } : {}),
    };
    const pipeline = new aws.codepipeline.Pipeline('pipeline', {
      name: names.pipeline,
      // The provider's default is V1, which has no triggers.
      pipelineType: 'V2',
      roleArn: pipelineAccess.role.arn,
      // A single-region pipeline must not set `region` on its artifact store.
      artifactStores: [{ type: 'S3', location: bucket.bucket, encryptionKey: { id: key.arn, type: 'KMS' } }],
      stages: [
        {
          name: 'Source',
          actions: [{
            name: SOURCE_ACTION,
            category: 'Source',
            owner: 'AWS',
            provider: 'CodeStarSourceConnection',
            version: '1',
            outputArtifacts: [SOURCE_ARTIFACT],
            configuration: {
              ConnectionArn: connectionArn,
              FullRepositoryId: settings.source.repository,
              BranchName: settings.source.branch,
              OutputArtifactFormat: 'CODE_ZIP',
              // The trigger below starts executions; change detection would start them twice.
              DetectChanges: 'false',
            },
          }],
        },
        {
          name: 'Build',
          actions: [{
            name: 'Build',
            category: 'Build',
            owner: 'AWS',
            provider: 'CodeBuild',
            version: '1',
            inputArtifacts: [SOURCE_ARTIFACT],
            outputArtifacts: [IMAGE_ARTIFACT],
            configuration: { ProjectName: project.name },
          }],
        },
      ],
      triggers: [{
        providerType: 'CodeStarSourceConnection',
        gitConfiguration: { sourceActionName: SOURCE_ACTION, pushes: [push] },
      }],
      tags,
    }, { parent: this, dependsOn: [pipelineAccess.attachment, versioning, encryption, publicAccess, ownership, lifecycle, tlsOnly] });

    // --- Notifications -------------------------------------------------------
    const topic = new aws.sns.Topic('notifications', {
      name: names.notificationTopic,
      kmsMasterKeyId: key.arn,
      tags,
    }, parent);
    const rule = new aws.cloudwatch.EventRule('executions', {
      name: names.notificationRule,
      description: `Execution state changes of ${names.pipeline}`,
      eventPattern: pulumi.jsonStringify({
        'source': ['aws.codepipeline'],
        'detail-type': ['CodePipeline Pipeline Execution State Change'],
        'detail': { pipeline: [pipeline.name], state: settings.notifications.states },
      }),
      state: 'ENABLED',
      tags,
    }, parent);
    const topicPolicy = new aws.sns.TopicPolicy('notifications-policy', {
      arn: topic.arn,
      policy: pulumi.jsonStringify({
        Version: '2012-10-17',
        Statement: [{
          Sid: 'EventBridgePublishes',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: topic.arn,
          Condition: { ArnEquals: { 'aws:SourceArn': rule.arn } },
        }],
      }),
    }, parent);
    new aws.cloudwatch.EventTarget('executions-to-topic', {
      rule: rule.name,
      arn: topic.arn,
    }, { parent: this, dependsOn: [topicPolicy] });
    for (const email of settings.notifications.emails) {
      new aws.sns.TopicSubscription(`notify-${email}`, { topic: topic.arn, protocol: 'email', endpoint: email }, parent);
    }

    this.pipelineName = pipeline.name;
    this.pipelineConsoleUrl = pulumi.interpolate`https://${region}.console.aws.amazon.com/codesuite/codepipeline/pipelines/${pipeline.name}/view?region=${region}`;
    this.repositoryUrl = repository.repositoryUrl;
    this.artifactBucket = bucket.bucket;
    this.connectionArn = connectionArn;
    this.connectionStatus = connectionStatus;
    this.notificationTopicArn = topic.arn;
    this.registerOutputs({
      pipelineName: this.pipelineName,
      pipelineConsoleUrl: this.pipelineConsoleUrl,
      repositoryUrl: this.repositoryUrl,
      artifactBucket: this.artifactBucket,
      connectionArn: this.connectionArn,
      connectionStatus: this.connectionStatus,
      notificationTopicArn: this.notificationTopicArn,
    });
  }

  /**
   * A role for one service, trusted only from this account (confused-deputy
   * guard), with one customer-managed policy. Logical names: `<prefix>-role`,
   * `<prefix>-policy`, `<prefix>-policy-attachment`.
   */
  private serviceRole(prefix: string, args: ServiceRoleArgs) {
    const parent = { parent: this };
    const role = new aws.iam.Role(`${prefix}-role`, {
      name: args.roleName,
      assumeRolePolicy: pulumi.jsonStringify({
        Version: '2012-10-17',
        Statement: [{
          Effect: 'Allow',
          Principal: { Service: args.service },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:SourceAccount': args.accountId } },
        }],
      }),
      tags: args.tags,
    }, parent);
    const policy = new aws.iam.Policy(`${prefix}-policy`, {
      name: args.roleName,
      policy: pulumi.jsonStringify({ Version: '2012-10-17', Statement: args.statements }),
      tags: args.tags,
    }, parent);
    const attachment = new aws.iam.RolePolicyAttachment(`${prefix}-policy-attachment`, {
      role: role.name,
      policyArn: policy.arn,
    }, parent);
    return { role, attachment };
  }
}

interface ServiceRoleArgs {
  readonly roleName: string;
  /** The one AWS service that assumes the role. */
  readonly service: string;
  readonly accountId: pulumi.Output<string>;
  readonly tags: Record<string, string>;
  /** The customer-managed policy's statements, scoped to exact ARNs. */
  readonly statements: object[];
}
