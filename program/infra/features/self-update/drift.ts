import * as cloudwatch from '@pulumi/aws/cloudwatch';
import * as codebuild from '@pulumi/aws/codebuild';
import * as sns from '@pulumi/aws/sns';
import * as pulumi from '@pulumi/pulumi';
import { stackVariables, stateStatements } from './backend';
import { StackResources, connectionActions, connectionArns, ownLogsStatement, readStatements } from './stack-access';
import { stackRunner } from './stack-runner';
import { topicNotice } from '../../parts/notifications';
import { serviceRole } from '../../parts/roles';
import { Scope } from '../../scope';
import { SelfUpdateSettings } from '../../settings';

/** Build states of a drift check that reach the team: drift, or a check that could not finish. */
export const DRIFT_FAILURE_STATES = ['FAILED', 'FAULT', 'TIMED_OUT'];

export interface DriftCheckArgs extends StackResources {
  readonly selfUpdate: SelfUpdateSettings;
  /** `<organization>/<project>/<stack>`. */
  readonly stack: string;
  readonly pulumiProject: string;
  readonly environment: string;
  readonly logRetentionDays: number;
  /** The GitHub repository (`owner/name`) and branch the drift check reads the program from. */
  readonly repository: string;
  readonly branch: string;
  /** The notification topic, and what lets this part's rule publish to it (notifications.ts). */
  readonly topic: sns.Topic;
  readonly topicPolicy: pulumi.Resource;
}

export interface DriftCheck {
  readonly project: codebuild.Project;
  readonly schedule: cloudwatch.EventRule;
}

/**
 * The drift check: on a schedule, a read-only CodeBuild project runs
 * `pulumi preview --refresh --expect-no-changes` on this stack (the managed
 * `drift-check.buildspec.yml`). `--refresh` reads every resource as it is in
 * AWS, so a change made by hand shows as a change the program would undo, and
 * `--expect-no-changes` fails the build then ("Return an error if any changes
 * are proposed by this preview", `pulumi preview`).
 *
 * Drift is a notification, not a log line: a rule on the project's failed
 * builds ("CodeBuild Build State Change") publishes to the pipeline's topic,
 * with a message that says "drift check" so that it reads apart from a failed
 * pipeline execution. The CLI fails the same way when it cannot run the check
 * (pulumi/pulumi#8992), so the message says both, and the log says which.
 *
 * It reads the program from the branch through the pipeline's connection, so
 * shortly after a push (before the self-update ran) it may report the push.
 */
export function driftCheck(scope: Scope, args: DriftCheckArgs): DriftCheck {
  const { arns, source, selfUpdate } = args;
  const parent = { parent: scope.parent };
  const reads = readStatements(scope, args);
  const runner = stackRunner(scope, {
    prefix: 'drift-check',
    description: `Reports drift of ${args.stack}, the stack of this pipeline (read only)`,
    projectName: 'driftProject',
    roleName: 'driftRole',
    logGroupName: 'driftLogGroup',
    key: args.key,
    selfUpdate,
    logRetentionDays: args.logRetentionDays,
    statements: [
      ...reads.resources,
      ownLogsStatement(arns, 'driftLogGroup'),
      {
        // CodeBuild clones the repository through the connection ("GitHub connections in CodeBuild").
        Sid: 'CheckOutTheProgram',
        Effect: 'Allow',
        Action: connectionActions('GetConnectionToken', 'UseConnection'),
        Resource: connectionArns(source),
      },
      ...stateStatements(scope, selfUpdate, args.pulumiProject, args.environment, 'read'),
    ],
    second: { name: 'driftPipelinePolicy', statements: reads.pipeline },
    source: {
      type: 'GITHUB',
      location: `https://github.com/${args.repository}.git`,
      gitCloneDepth: 1,
      buildspec: selfUpdate.buildspecs.drift,
      auth: { type: 'CODECONNECTIONS', resource: source.connectionArn },
    },
    sourceVersion: args.branch,
    artifacts: { type: 'NO_ARTIFACTS' },
    environmentVariables: stackVariables(selfUpdate, args.stack, args.environment),
  });

  const events = serviceRole(scope, 'drift-schedule', {
    roleName: scope.names.eventsRole,
    service: 'events.amazonaws.com',
    statements: [{ Sid: 'StartTheDriftCheck', Effect: 'Allow', Action: 'codebuild:StartBuild', Resource: runner.project.arn }],
  });
  const schedule = new cloudwatch.EventRule('drift-schedule', {
    name: scope.names.driftScheduleRule,
    description: `Runs the drift check of ${args.stack} (${selfUpdate.driftScheduled ? selfUpdate.driftSchedule : 'off: on demand only'})`,
    scheduleExpression: selfUpdate.driftSchedule,
    // Off keeps the rule, disabled, so that turning the schedule on again changes no logical name.
    state: selfUpdate.driftScheduled ? 'ENABLED' : 'DISABLED',
    tags: scope.tags,
  }, parent);
  new cloudwatch.EventTarget('drift-schedule-target', {
    rule: schedule.name,
    arn: runner.project.arn,
    roleArn: events.role.arn,
  }, { ...parent, dependsOn: [events.attachment] });

  const failures = new cloudwatch.EventRule('drift-failures', {
    name: scope.names.driftFailureRule,
    description: `Failed drift checks of ${args.stack}`,
    eventPattern: pulumi.jsonStringify({
      'source': ['aws.codebuild'],
      'detail-type': ['CodeBuild Build State Change'],
      'detail': { 'build-status': DRIFT_FAILURE_STATES, 'project-name': [scope.names.driftProject] },
    }),
    state: 'ENABLED',
    tags: scope.tags,
  }, parent);
  topicNotice(scope, 'drift-failures-to-topic', {
    rule: failures,
    topic: args.topic,
    topicPolicy: args.topicPolicy,
    inputPaths: { project: '$.detail.project-name', status: '$.detail.build-status', build: '$.detail.build-id', time: '$.time', region: '$.region' },
    message: `Drift check <status> for stack ${args.stack} at <time>: the deployed pipeline no longer matches its program (drift), ` +
      'or the check could not run. The build log says which: ' +
      'https://<region>.console.aws.amazon.com/codesuite/codebuild/projects/<project>/history?region=<region> (build <build>).',
  });
  return { project: runner.project, schedule };
}
