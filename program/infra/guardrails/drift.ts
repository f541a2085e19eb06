/** Guardrails of the self-update feature's drift check (features/self-update/drift.ts) and of its managed buildspecs. */
import * as fs from 'fs';
import * as path from 'path';
import { GuardrailPart, TYPES, asList, one, statementsOf } from './kit';
import { MOCK_ACCOUNT, MOCK_REGION, RegisteredResource } from './mock-run';
import { DRIFT_NON_READS, READ_VERB, roleStatements, allows, envOf, stagesOf, qualifiedStack, selfUpdateOnly } from './self-update-scope';
import { resourceNames } from '../settings';

/** The installed SDK's version, which the CLI in the buildspecs must have (the consumer's own node_modules). */
const installedSdk = () => JSON.parse(fs.readFileSync(require.resolve('@pulumi/pulumi/package.json'), 'utf-8')).version as string;
const variableOf = (text: string, name: string) => new RegExp(`^\\s+${name}: "?([^"\\n]*)"?$`, 'm').exec(text)?.[1];

/** The promises about the self-update and drift buildspecs, in a consumer repository. */


/** `engines.node` of the installed SDK: the oldest Node.js it runs on. */
const installedSdkEngine = () => JSON.parse(fs.readFileSync(require.resolve('@pulumi/pulumi/package.json'), 'utf-8')).engines?.node as string ?? '';

export const DRIFT: GuardrailPart = {
  part: 'self-update: drift check and buildspecs',
  checks: {
    'the drift check runs on the configured schedule (disabled when off), started by a role that may start only it': selfUpdateOnly(({ resources, settings }) => {
      const su = settings.selfUpdate!;
      const rule = one(resources, TYPES.rule, 'drift-schedule').inputs;
      expect({ scheduleExpression: rule.scheduleExpression, state: rule.state })
        .toEqual({ scheduleExpression: su.driftSchedule, state: su.driftScheduled ? 'ENABLED' : 'DISABLED' });
      const target = one(resources, TYPES.target, 'drift-schedule-target').inputs;
      const project = one(resources, TYPES.project, 'drift-check').inputs.name;
      const projectArn = `arn:aws:codebuild:${MOCK_REGION}:${MOCK_ACCOUNT}:project/${project}`;
      expect(target.arn).toBe(projectArn);
      const role = one(resources, TYPES.role, 'drift-schedule-role').inputs.name;
      expect(target.roleArn).toBe(`arn:aws:iam::${MOCK_ACCOUNT}:role/${role}`);
      expect(JSON.parse(one(resources, TYPES.role, 'drift-schedule-role').inputs.assumeRolePolicy).Statement[0].Principal).toEqual({ Service: 'events.amazonaws.com' });
      expect(roleStatements(resources, 'drift-schedule').map(s => [s.Effect, asList(s.Action), asList(s.Resource)]))
        .toEqual([['Allow', ['codebuild:StartBuild'], [projectArn]]]);
    }),
    'the drift project previews this stack from the repository\'s branch, with the managed drift buildspec, unprivileged': selfUpdateOnly(({ resources, settings, environment }) => {
      const project = one(resources, TYPES.project, 'drift-check').inputs;
      const connection = stagesOf(resources)[0].actions[0].configuration.ConnectionArn;
      expect(project.source).toEqual({
        type: 'GITHUB',
        location: `https://github.com/${settings.source.repository}.git`,
        gitCloneDepth: 1,
        buildspec: settings.selfUpdate!.buildspecs.drift,
        auth: { type: 'CODECONNECTIONS', resource: connection },
      });
      expect(project.sourceVersion).toBe(settings.source.branch);
      expect(project.environment.privilegedMode).toBe(false);
      expect(envOf({ inputs: project } as RegisteredResource).PULUMI_STACK.value).toBe(qualifiedStack(settings, environment));
    }),
    'the drift check\'s role only reads (Get, List, Describe), besides writing its own logs and checking out the repository': selfUpdateOnly(({ resources, settings, environment }) => {
      const statements = allows(roleStatements(resources, 'drift-check'));
      const ownLogs = resourceNames(settings, environment, MOCK_ACCOUNT).driftLogGroup;
      for (const statement of statements) {
        const writes = asList(statement.Action).filter((action: string) => !READ_VERB.test(action) && !DRIFT_NON_READS.includes(action));
        expect({ sid: statement.Sid, writes }).toEqual({ sid: statement.Sid, writes: [] });
        if (asList(statement.Action).includes('logs:PutLogEvents')) {
          for (const resource of asList(statement.Resource)) expect(resource).toContain(`:log-group:${ownLogs}`);
        }
      }
    }),
    'a failed drift check reaches the notification topic, with a message that says it is about drift': selfUpdateOnly(({ resources }) => {
      const rule = one(resources, TYPES.rule, 'drift-failures').inputs;
      const pattern = JSON.parse(rule.eventPattern);
      expect(pattern.source).toEqual(['aws.codebuild']);
      expect(pattern['detail-type']).toEqual(['CodeBuild Build State Change']);
      expect(pattern.detail['build-status']).toContain('FAILED');
      expect(pattern.detail['project-name']).toEqual([one(resources, TYPES.project, 'drift-check').inputs.name]);
      expect(rule.state).toBe('ENABLED');
      const target = one(resources, TYPES.target, 'drift-failures-to-topic').inputs;
      expect(target.arn).toBe(statementsOf(one(resources, TYPES.topicPolicy))[0].Resource);
      const message = JSON.parse(target.inputTransformer.inputTemplate);
      expect(message).toMatch(/^Drift check .*drift/);
      expect(target.inputTransformer.inputPaths).toMatchObject({ project: '$.detail.project-name' });
    }),
  },
  fileChecks: {
    'the self-update buildspec installs the CLI of the installed SDK from get.pulumi.com and updates the stack on the configured backend': ({ settings }, repoRoot) => {
      if (!settings.selfUpdate) return;
      const text = fs.readFileSync(path.join(repoRoot, settings.selfUpdate.buildspecs.update), 'utf-8');
      expect(variableOf(text, 'PULUMI_VERSION')).toBe(installedSdk());
      expect(variableOf(text, 'PULUMI_BACKEND_URL')).toBe(settings.selfUpdate.backend.url);
      expect(text).toContain('curl -fsSL https://get.pulumi.com | sh -s -- --version "${PULUMI_VERSION}"');
      expect(text).toContain('pulumi login "${PULUMI_BACKEND_URL}"');
      expect(text).toMatch(/pulumi up --yes --non-interactive .*--stack "\$\{PULUMI_STACK\}"/);
      expect(text).toContain('start-pipeline-execution');
    },
    'the drift buildspec runs pulumi preview --refresh --expect-no-changes with the same CLI, on the same stack and backend': ({ settings }, repoRoot) => {
      if (!settings.selfUpdate) return;
      const text = fs.readFileSync(path.join(repoRoot, settings.selfUpdate.buildspecs.drift), 'utf-8');
      expect(variableOf(text, 'PULUMI_VERSION')).toBe(installedSdk());
      expect(variableOf(text, 'PULUMI_BACKEND_URL')).toBe(settings.selfUpdate.backend.url);
      expect(text).toMatch(/pulumi preview --refresh --expect-no-changes .*--stack "\$\{PULUMI_STACK\}"/);
      expect(text).not.toMatch(/pulumi (up|destroy|refresh)/);
    },
    'the self-update and drift builds run on a Node.js line the installed @pulumi/pulumi supports': ({ settings }, repoRoot) => {
      if (!settings.selfUpdate) return;
      const floor = Number(/>=\s*(\d+)/.exec(installedSdkEngine())?.[1] ?? 0);
      for (const buildspec of [settings.selfUpdate.buildspecs.update, settings.selfUpdate.buildspecs.drift]) {
        const line = Number(/^\s+nodejs: "?(\d+)"?$/m.exec(fs.readFileSync(path.join(repoRoot, buildspec), 'utf-8'))?.[1]);
        expect({ buildspec, nodejs: line, supported: line >= floor }).toEqual({ buildspec, nodejs: line, supported: true });
      }
    },
    'the self-update previews the stack and stops before pulumi up on a change only a person may make': ({ settings }, repoRoot) => {
      if (!settings.selfUpdate) return;
      const text = fs.readFileSync(path.join(repoRoot, settings.selfUpdate.buildspecs.update), 'utf-8');
      const preview = text.search(/pulumi preview --json .*--stack "\$\{PULUMI_STACK\}"/);
      const gate = text.search(/node "\$\{SELF_UPDATE_TMP\}\/check\/(?:[\w-]+\/)*self-update-check\.js"/);
      const up = text.search(/pulumi up --yes/);
      expect({ preview: preview >= 0, gate: gate > preview, up: up > gate }).toEqual({ preview: true, gate: true, up: true });
      expect(text).toContain('aws sns publish --topic-arn "${NOTIFICATION_TOPIC_ARN}"');
    },
  },
};
