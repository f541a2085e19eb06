import * as pulumi from '@pulumi/pulumi';
import { gateNotificationRules, gateNotifications, gateStatements, stageConditions } from './features/release-gates';
import {
  driftCheck, permissionsBoundaries, qualifiedStack, readStatements, selfUpdateStage, stackArns, stateStatements, updateStatements,
} from './features/self-update';
import { SharedResources, lookUpSharedResources, sharedArtifactStore, sharedKey } from './features/shared-resources';
import {
  assertScanAvailableHere, assertSigningAvailableHere, buildSigning, deployVerification, scanEvidence, scanNotification, scanNotificationRules,
  scanStages, scanStatements, signatureNotification, signatureNotificationRules, signingEvidence, signingProfile, signingProfilePattern,
} from './features/supply-chain';
import {
  ConnectionLookup, artifactStore, codePipeline, connectionAuthorized, deployStages, dockerBuild, executionNotifications, githubSource,
  imageRegistry, lookUpConnection, pipelineKey, pipelineRole,
} from './parts';
import { scopeOf, withPermissionsBoundaries } from './scope';
import { EnvironmentLifecycle, PipelineSettings, assertSelfUpdateStack } from './settings';

/** Type token of the component: part of every child's URN, so it never changes. */
export const PIPELINE_COMPONENT_TYPE = 'cicd-pipeline-type:index:CicdPipeline';

export interface CicdPipelineArgs {
  /** The rendered settings (`pipeline-settings.json`). */
  readonly settings: PipelineSettings;
  /** The stack's environment suffix, already validated. */
  readonly environment: string;
  /** The connection's status before this deployment (`lookUpConnection`): the pipeline waits for an authorized one. */
  readonly connection: ConnectionLookup;
  /** The platform's key and bucket as found before this deployment (`lookUpSharedResources`), when shared. */
  readonly shared?: SharedResources;
}

/**
 * The CI/CD pipeline of one repository: GitHub (CodeConnections) →
 * CodePipeline V2 → CodeBuild (buildx build with a registry cache, push to ECR) → the deploy stages
 * (each deploys that image, optionally after an approval), with an encrypted
 * artifact bucket, least-privilege roles and EventBridge → SNS notifications.
 * With `selfUpdate`, a stage between Source and Build keeps the pipeline's own
 * stack current, a scheduled drift check reports hand-made changes, and every
 * role carries the permissions boundary of its kind, which the program owns. With `supplyChain`, an Inspector
 * scan gates the image between Build and the deploy stages and, unless `signing` is off, the build signs the
 * image with the stack's AWS Signer profile and every deploy stage verifies it first. Each part lives in parts/,
 * in the file named after it, and returns what the next needs; each opt-in feature lives in its folder
 * under features/, and what it adds to a part is handed to that part here.
 *
 * Creation order where Pulumi cannot infer it from inputs:
 * 1. the roles' policies are attached before the build and deploy projects and
 *    the pipeline exist, so the first (automatic) execution does not fail on
 *    permissions;
 * 2. the bucket's versioning, encryption, public access block, ownership
 *    controls, lifecycle rules and TLS-only policy are applied one at a time
 *    (S3 aborts concurrent changes), all before the pipeline writes its first
 *    artifact;
 * 3. the topic policy lets EventBridge publish before the rule targets it, and
 *    the rule and its target exist before the pipeline, so that the pipeline's
 *    automatic first execution is reported;
 * 4. the pipeline itself is created only once the GitHub connection is
 *    authorized: the first deploy of a new connection creates everything else
 *    and says, in the `nextStep` output, to authorize it and deploy again;
 * 5. with self-update, each role's permissions boundary exists before the role
 *    (which carries it), and the drift check's failure rule waits for the topic
 *    policy that lets it publish.
 */
export class CicdPipeline extends pulumi.ComponentResource {
  /** Undefined while the pipeline waits for the connection. */
  public readonly pipelineName: pulumi.Output<string> | undefined;
  public readonly pipelineConsoleUrl: pulumi.Output<string> | undefined;
  public readonly repositoryUrl: pulumi.Output<string>;
  public readonly artifactBucket: pulumi.Output<string>;
  public readonly connectionArn: pulumi.Output<string>;
  public readonly connectionStatus: pulumi.Output<string>;
  public readonly notificationTopicArn: pulumi.Output<string>;
  /** What destroy does to the key, bucket and registry. */
  public readonly environmentLifecycle: EnvironmentLifecycle;
  /** The manual step the pipeline waits for; undefined once it exists. */
  public readonly nextStep: pulumi.Output<string> | undefined;
  /** With self-update: the CodeBuild projects of the update stage and of the drift check. */
  public readonly selfUpdateProject: pulumi.Output<string> | undefined;
  public readonly driftCheckProject: pulumi.Output<string> | undefined;
  /** Each deploy stage's role ARN, by stage: what a cross-account target role must trust (PIPELINE.md shows the statement). */
  public readonly deployRoleArns: Record<string, pulumi.Output<string>>;

  public constructor(name: string, args: CicdPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    super(PIPELINE_COMPONENT_TYPE, name, {}, opts);
    const { settings, environment } = args;
    const { selfUpdate, pulumiProject } = settings;
    const unbounded = scopeOf(this, settings, environment);
    const { names } = unbounded;
    const arns = stackArns(unbounded);

    const key = args.shared?.keyArn
      ? sharedKey(args.shared.keyArn)
      : pipelineKey(unbounded, selfUpdate ? [names.updateLogGroup, names.driftLogGroup] : []);
    const source = githubSource(unbounded, settings.source, args.connection);
    // With signing, the update and drift roles manage and read the stack's signing profiles (named by prefix: it does not exist yet).
    const signingProfiles = signingProfilePattern(unbounded, settings);
    const stackResources = { arns, key, source, ...(signingProfiles ? { signingProfiles } : {}) };
    // Each role kind's ceiling (boundary.ts), built from the rendered names before any role exists.
    const boundaries = selfUpdate ? permissionsBoundaries(unbounded, {
      arns,
      key,
      source,
      settings,
      update: updateStatements(unbounded, { ...stackResources, selfUpdate, pulumiProject, environment }),
      driftReads: readStatements(unbounded, stackResources),
      driftState: stateStatements(unbounded, selfUpdate, pulumiProject, environment, 'read'),
    }) : undefined;
    const scope = withPermissionsBoundaries(unbounded, boundaries);
    const artifacts = args.shared?.bucket ? sharedArtifactStore(scope, args.shared.bucket) : artifactStore(scope, key, settings.artifacts);
    const repository = imageRegistry(scope, key, settings.registry);
    const profile = signingProfile(scope, settings);
    const project = dockerBuild(scope, {
      key,
      bucket: artifacts.bucket,
      repository,
      build: settings.build,
      sourceRepository: settings.source.repository,
      additions: buildSigning(profile),
    });
    const alsoPublishing = [
      ...(selfUpdate ? [names.driftFailureRule] : []), ...gateNotificationRules(scope, settings), ...scanNotificationRules(scope, settings),
      ...signatureNotificationRules(scope, settings),
    ];
    const notifications = executionNotifications(scope, {
      key, notifications: settings.notifications, alsoPublishing: alsoPublishing.length > 0 ? alsoPublishing : undefined,
    });
    gateNotifications(scope, { topic: notifications.topic, topicPolicy: notifications.topicPolicy, settings });
    scanNotification(scope, { topic: notifications.topic, topicPolicy: notifications.topicPolicy, settings });
    signatureNotification(scope, { topic: notifications.topic, topicPolicy: notifications.topicPolicy, settings });
    const runsPulumi = selfUpdate ? {
      ...stackResources,
      selfUpdate,
      stack: qualifiedStack(selfUpdate, pulumiProject, environment),
      pulumiProject,
      environment,
      logRetentionDays: settings.build.logRetentionDays,
    } : undefined;
    const update = runsPulumi ? selfUpdateStage(scope, { ...runsPulumi, bucket: artifacts.bucket }) : undefined;
    const drift = runsPulumi ? driftCheck(scope, {
      ...runsPulumi,
      repository: settings.source.repository,
      branch: settings.source.branch,
      topic: notifications.topic,
      topicPolicy: notifications.topicPolicy,
    }) : undefined;
    const stages = deployStages(scope, {
      key,
      bucket: artifacts.bucket,
      topic: notifications.topic,
      settings,
      gates: { conditions: stageConditions, pipelineStatements: gateStatements(scope, settings) },
      approvalEvidence: `${scanEvidence(settings)}${signingEvidence(settings)}`,
      verification: deployVerification(scope, profile, repository),
    });
    const role = pipelineRole(scope, {
      key,
      source,
      bucket: artifacts.bucket,
      project,
      statements: [...stages.pipelineStatements, ...(update ? [update.pipelineStatement] : []), ...scanStatements(scope, settings)],
    });
    const pipeline = connectionAuthorized(args.connection)
      ? codePipeline(scope, {
        key,
        source,
        bucket: artifacts.bucket,
        project,
        role,
        waitFor: [...artifacts.configuration, ...notifications.delivery],
        settings: settings.source,
        executionMode: settings.executionMode,
        afterSource: update && [update.stage],
        stagesAfterBuild: [...scanStages(settings, repository.name), ...stages.declarations],
      })
      : undefined;

    this.pipelineName = pipeline?.name;
    this.pipelineConsoleUrl = pipeline && pulumi.interpolate`https://${scope.region}.console.aws.amazon.com/codesuite/codepipeline/pipelines/${pipeline.name}/view?region=${scope.region}`;
    this.repositoryUrl = repository.repositoryUrl;
    this.artifactBucket = artifacts.bucket.bucket;
    this.connectionArn = source.connectionArn;
    this.connectionStatus = source.connectionStatus;
    this.notificationTopicArn = notifications.topic.arn;
    this.environmentLifecycle = scope.lifecycle;
    this.nextStep = pipeline ? undefined : source.connectionArn.apply(arn => `Authorize the GitHub connection ${arn} in the AWS console ` +
      '(Developer Tools > Settings > Connections > Update pending connection), then run "npx projen deploy" again: ' +
      'the pipeline is created once the connection is AVAILABLE.');
    this.selfUpdateProject = update?.project.name;
    this.driftCheckProject = drift?.project.name;
    this.deployRoleArns = stages.roleArns;
    this.registerOutputs({
      pipelineName: this.pipelineName,
      pipelineConsoleUrl: this.pipelineConsoleUrl,
      repositoryUrl: this.repositoryUrl,
      artifactBucket: this.artifactBucket,
      connectionArn: this.connectionArn,
      connectionStatus: this.connectionStatus,
      notificationTopicArn: this.notificationTopicArn,
      environmentLifecycle: this.environmentLifecycle,
      nextStep: this.nextStep,
      selfUpdateProject: this.selfUpdateProject,
      driftCheckProject: this.driftCheckProject,
      deployRoleArns: this.deployRoleArns,
    });
  }
}

/**
 * The stack's pipeline: looks the connection up first (index.ts exports an
 * async function for this), then builds the component with what it found.
 */
export async function pipelineForStack(settings: PipelineSettings, environment: string): Promise<CicdPipeline> {
  assertSelfUpdateStack(settings, pulumi.getStack(), environment);
  await assertScanAvailableHere(settings);
  await assertSigningAvailableHere(settings);
  const [connection, shared] = await Promise.all([lookUpConnection(settings, environment), lookUpSharedResources(settings, environment)]);
  return new CicdPipeline('pipeline', { settings, environment, connection, ...(shared ? { shared } : {}) });
}
