import * as fs from 'fs';
import * as path from 'path';
import type * as Guardrails from '.';
import { MOCK_ACCOUNT, MOCK_ORGANIZATION, MOCK_REGION, RegisteredResource } from './mock-run';
import { PipelineSettings, SelfUpdateSettings, resourceNames, selfUpdateStackName, stageResourceNames } from '../settings';

/** What the checks below use of guardrails.ts (handed over, so that neither file imports the other at run time). */
export interface GuardrailKit {
  readonly one: typeof Guardrails.one;
  readonly statementsOf: typeof Guardrails.statementsOf;
  readonly asList: typeof Guardrails.asList;
  readonly TYPES: typeof Guardrails.TYPES;
}

type Statement = Record<string, any>;

/**
 * What the update role may never do (issue 17): create a role, change a trust
 * policy, a boundary or a resource policy, add inline or attached grants,
 * create a KMS grant, delete stateful resources. Kept here, apart from the
 * program's own list (boundary.ts), so that a change there shows here.
 */
const UPDATE_ROLE_NEVER_ACTIONS = [
  'iam:CreateRole', 'iam:UpdateAssumeRolePolicy', 'iam:PutRolePermissionsBoundary', 'iam:DeleteRolePermissionsBoundary', 'iam:PutRolePolicy',
  'iam:AttachRolePolicy', 'kms:PutKeyPolicy', 'kms:CreateGrant', 's3:PutBucketPolicy', 's3:DeleteBucketPolicy', 'sns:SetTopicAttributes',
  'ecr:SetRepositoryPolicy', 'kms:ScheduleKeyDeletion', 's3:DeleteBucket', 'ecr:DeleteRepository', 'logs:DeleteLogGroup',
];
/** Changes to a managed policy: none may reach the boundary. */
const POLICY_CHANGES = [
  'iam:CreatePolicyVersion', 'iam:DeletePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:DeletePolicy', 'iam:TagPolicy', 'iam:UntagPolicy',
];
/** Actions AWS authorizes on `"*"` only, which reading the stack needs. */
const ONLY_ON_ANY_RESOURCE = ['logs:DescribeLogGroups', 'sns:GetSubscriptionAttributes'];
/** What the read-only drift check may do besides Get, List and Describe. */
const DRIFT_NON_READS = ['logs:CreateLogStream', 'logs:PutLogEvents', 'kms:Decrypt', 'codestar-connections:UseConnection',
  'codeconnections:UseConnection', 'codestar-connections:GetConnectionToken', 'codeconnections:GetConnectionToken'];
const READ_VERB = /^[a-z0-9-]+:(Get|List|Describe|BatchGet)/;
/** IAM's limit for a managed policy, whitespace aside ("IAM and AWS STS quotas"). */
const MANAGED_POLICY_MAX = 6144;

/** Whether an IAM pattern (with `*` and `?`: an action or a resource) matches `action`; each pattern compiled once (the checks stay fast). */
const compiled = new Map<string, RegExp>();
const actionMatches = (pattern: string, action: string) => {
  let regex = compiled.get(pattern);
  if (!regex) {
    regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
    compiled.set(pattern, regex);
  }
  return regex.test(action);
};

/** Every name this stack's resources have in AWS (in the mocked account). */
const physicalNames = (settings: PipelineSettings, environment: string) => [
  ...Object.values(resourceNames(settings, environment, MOCK_ACCOUNT)),
  // The update role's third policy (stack-arns.ts).
  `${resourceNames(settings, environment, MOCK_ACCOUNT).updatePipelinePolicy}-projects`,
  ...settings.stages.flatMap(stage => Object.values(stageResourceNames(stage, environment))),
];
/** The secrets and target roles the build and deploy stages are configured with (their ARNs, as given). */
const configuredArns = (settings: PipelineSettings) => [
  ...settings.build.secrets,
  ...settings.stages.flatMap(stage => [...stage.secrets, ...(stage.assumeRoleArn ? [stage.assumeRoleArn] : [])]),
];

/** The state files, secrets key and token the backend gives the stack (settings, not the program, say which). */
function stateScope(su: SelfUpdateSettings, settings: PipelineSettings, environment: string) {
  const stack = selfUpdateStackName(su, environment);
  const backend = su.backend;
  const bucketArn = backend.kind === 's3' ? `arn:aws:s3:::${backend.bucket}` : undefined;
  const root = backend.kind === 's3' ? `${bucketArn}/${backend.prefix ? `${backend.prefix}/` : ''}.pulumi/` : undefined;
  const isStateObject = (resource: string) => root !== undefined && resource.startsWith(root) && (
    resource === `${root}meta.yaml` ||
    resource.endsWith(`/${settings.pulumiProject}/${stack}.*`) || resource.endsWith(`/${settings.pulumiProject}/${stack}/*`));
  const key = su.secretsKey;
  const keyPrefix = `arn:${key?.partition ?? 'aws'}:kms:${key?.region ?? MOCK_REGION}:${key?.account ?? MOCK_ACCOUNT}:key/`;
  const isSecretsKey = (resource: string, statement: Statement) => key !== undefined && (key.keyId
    ? resource === `${keyPrefix}${key.keyId}`
    : resource === `${keyPrefix}*` && JSON.stringify(statement.Condition) === JSON.stringify({ 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': key.alias } }));
  return { bucketArn, root, isStateObject, isSecretsKey, token: su.accessTokenSecretArn };
}

/**
 * Whether `resource`, granted by `statement`, is this stack's: an ARN of one
 * of its rendered names, its key or connection, its state and secrets, or
 * `"*"` / the account's connections for the few actions that need them.
 */
function withinStack(kit: GuardrailKit, run: Guardrails.GuardrailRun, statement: Statement, resource: string, pipelinePatterns = false): boolean {
  const { resources, settings, environment } = run;
  const su = settings.selfUpdate!;
  const actions = kit.asList(statement.Action) as string[];
  if (resource === '*') return actions.every(action => ONLY_ON_ANY_RESOURCE.includes(action) || action === 'ecr:GetAuthorizationToken');
  if (/^arn:aws:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection\/\*$/.test(resource)) {
    return actions.every(action => /:ListConnections$/.test(action));
  }
  const pipeline = kit.one(resources, kit.TYPES.pipeline).inputs;
  // The pipeline's key, as the artifact store names it.
  if (resource === pipeline.artifactStores[0].encryptionKey.id) return true;
  const connection = pipeline.stages[0].actions[0].configuration.ConnectionArn as string;
  const [, , , ...rest] = connection.split(':');
  if (['codeconnections', 'codestar-connections'].some(service => resource === ['arn', 'aws', service, ...rest].join(':'))) return true;
  const state = stateScope(su, settings, environment);
  if (resource === state.bucketArn || state.isStateObject(resource) || resource === state.token) return true;
  if (state.isSecretsKey(resource, statement)) return true;
  const configured = configuredArns(settings);
  if (configured.includes(resource)) return true;
  // A configured secret's customer-managed key, whose id no one knows: only kms:Decrypt, only through its service.
  if (/^arn:[a-z-]+:kms:[a-z0-9-]+:\d{12}:key\/\*$/.test(resource) && actions.every(action => action === 'kms:Decrypt') &&
    statement.Condition?.StringEquals?.['kms:ViaService'] !== undefined) {
    const place = (arn: string) => arn.split(':').slice(1, 5).filter((_, i) => i !== 1).join(':');
    return configured.some(arn => place(arn) === place(resource));
  }
  // The deploy stages' roles, policies, projects and log groups, as one pattern per kind (stack-arns.ts).
  const stageNames = `${resourceNames(settings, environment, MOCK_ACCOUNT).pipeline}-deploy-*`;
  if (settings.stages.length > 0 && resource.replace(/:(log-stream:)?\*$/, '').endsWith(`/${stageNames}`)) return true;
  // Every boundary of the stack (read by a refresh) as `<boundaryPolicy>-*`.
  const names = resourceNames(settings, environment, MOCK_ACCOUNT);
  // The release gates' notification rules, which exist only with a guard, as `rule/<pipeline>-gate-*` (release-gates.ts).
  if (new RegExp(`^arn:aws:events:[a-z0-9-]+:${MOCK_ACCOUNT}:rule/${names.pipeline}-gate-\\*$`).test(resource)) return true;
  if (resource === `arn:aws:iam::${MOCK_ACCOUNT}:policy/${names.boundaryPolicy}-*`) return true;
  // The update and drift ceilings name the stack's logs, projects, rules, roles and policies as `<pipeline>-*` (boundary.ts).
  if (pipelinePatterns && new RegExp(`^arn:aws:(logs|codebuild|events|iam):[a-z0-9-]*:${MOCK_ACCOUNT}:(log-group:/aws/codebuild/|project/|rule/|role/|policy/)${names.pipeline}-\\*$`).test(resource)) {
    return true;
  }
  // The ARN of one of the stack's physical names: the resource part ends with it (a log group may add `:*` or `:log-stream:*`).
  const tail = resource.replace(/:(log-stream:)?\*$/, '').replace(/\/\*$/, '');
  return physicalNames(settings, environment).some(name => tail === `arn:aws:s3:::${name}` || tail.endsWith(`/${name}`) || tail.endsWith(`:${name}`));
}

/** The statements of a role's policies (its own and its "-pipeline" one), by the role's logical prefix. */
const roleStatements = (kit: GuardrailKit, resources: RegisteredResource[], prefix: string): Statement[] =>
  resources.filter(r => r.type === kit.TYPES.policy && [`${prefix}-policy`, `${prefix}-pipeline-policy`, `${prefix}-projects-policy`].includes(r.name))
    .flatMap(policy => kit.statementsOf(policy));
const allows = (statements: Statement[]) => statements.filter(s => s.Effect === 'Allow');
/** The statements of the boundary of a role, by the role's logical prefix. */
const boundaryOf = (kit: GuardrailKit, resources: RegisteredResource[], prefix: string): Statement[] => {
  const arn = kit.one(resources, kit.TYPES.role, `${prefix}-role`).inputs.permissionsBoundary;
  return kit.statementsOf(resources.find(r => r.type === kit.TYPES.policy && `arn:aws:iam::${MOCK_ACCOUNT}:policy/${r.inputs.name}` === arn)!);
};
/** The logical prefixes of the stack's roles. */
const roleKinds = (kit: GuardrailKit, resources: RegisteredResource[]) =>
  resources.filter(r => r.type === kit.TYPES.role).map(r => r.name.replace(/-role$/, ''));
const envOf = (project: RegisteredResource) => Object.fromEntries((project.inputs.environment.environmentVariables as any[]).map(v => [v.name, v]));
const stagesOf = (kit: GuardrailKit, resources: RegisteredResource[]): any[] => kit.one(resources, kit.TYPES.pipeline).inputs.stages;
/** The stack the pipeline updates, as the CLI names it: `<organization>/<project>/<stack>`. */
const qualifiedStack = (settings: PipelineSettings, environment: string) =>
  `${MOCK_ORGANIZATION}/${settings.pulumiProject}/${selfUpdateStackName(settings.selfUpdate!, environment)}`;

/**
 * The promises of the self-update stage, the drift check, the permissions
 * boundary and the fleet view, one check each. Without `selfUpdate`, each
 * checks that nothing of it exists.
 */
export function selfUpdateGuardrails(kit: GuardrailKit): Record<string, Guardrails.Check> {
  const { one, statementsOf, asList, TYPES } = kit;
  const selfUpdateOnly = (check: Guardrails.Check): Guardrails.Check => run => {
    if (run.settings.selfUpdate) check(run);
  };
  return {
    'with selfUpdate the stages are Source → UpdatePipeline → Build; without it nothing updates, checks or bounds the stack': ({ resources, settings }) => {
      const names = stagesOf(kit, resources).map(stage => stage.name);
      if (settings.selfUpdate) {
        expect(names.slice(0, 3)).toEqual(['Source', 'UpdatePipeline', 'Build']);
      } else {
        expect(names).not.toContain('UpdatePipeline');
        const selfUpdating = resources.filter(r => /^(self-update|drift-|boundary)/.test(r.name)).map(r => `${r.type}::${r.name}`);
        expect(selfUpdating).toEqual([]);
        expect(resources.filter(r => r.type === TYPES.role && r.inputs.permissionsBoundary !== undefined).map(r => r.name)).toEqual([]);
      }
    },
    'the self-update action runs the update project on the source, told which execution it belongs to': selfUpdateOnly(({ resources }) => {
      const [action, ...others] = stagesOf(kit, resources).find(stage => stage.name === 'UpdatePipeline').actions;
      expect(others).toEqual([]);
      expect(action).toMatchObject({ category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1', inputArtifacts: ['source'] });
      expect(action.configuration.ProjectName).toBe(one(resources, TYPES.project, 'self-update').inputs.name);
      expect(JSON.parse(action.configuration.EnvironmentVariables)).toContainEqual(
        { name: 'PIPELINE_EXECUTION_ID', value: '#{codepipeline.PipelineExecutionId}', type: 'PLAINTEXT' });
    }),
    'the update project runs the managed self-update buildspec on this very stack, unprivileged': selfUpdateOnly(({ resources, settings, environment }) => {
      const project = one(resources, TYPES.project, 'self-update');
      const su = settings.selfUpdate!;
      expect(project.inputs.source).toEqual({ type: 'CODEPIPELINE', buildspec: su.buildspecs.update });
      expect(project.inputs.environment.privilegedMode).toBe(false);
      const env = envOf(project);
      expect(env.PULUMI_STACK).toEqual({ name: 'PULUMI_STACK', value: qualifiedStack(settings, environment), type: 'PLAINTEXT' });
      expect(env.PIPELINE_NAME.value).toBe(one(resources, TYPES.pipeline).inputs.name);
      expect(env.UPDATE_ROLE_NAME.value).toBe(one(resources, TYPES.role, 'self-update-role').inputs.name);
      // The token: from Secrets Manager when the build starts, never a value in the program or its state.
      if (su.accessTokenSecretArn) {
        expect(env.PULUMI_ACCESS_TOKEN).toEqual({ name: 'PULUMI_ACCESS_TOKEN', value: su.accessTokenSecretArn, type: 'SECRETS_MANAGER' });
      } else {
        expect(env.PULUMI_ACCESS_TOKEN).toBeUndefined();
      }
    }),
    'the update role reaches only this stack\'s resources (ARNs of this repository\'s names), its state and its secrets key': selfUpdateOnly(run => {
      const statements = allows(roleStatements(kit, run.resources, 'self-update'));
      expect(statements.length).toBeGreaterThan(5);
      for (const statement of statements) {
        for (const resource of asList(statement.Resource) as string[]) {
          expect({ sid: statement.Sid, resource, withinStack: withinStack(kit, run, statement, resource) })
            .toEqual({ sid: statement.Sid, resource, withinStack: true });
        }
      }
    }),
    'the update role never creates a role, changes a trust, resource policy or boundary, grants, deletes stateful data, rewrites its own grants or tags with other keys: denied in its boundary, granted nowhere in its policy': selfUpdateOnly(({ resources, settings, environment }) => {
      const own = allows(roleStatements(kit, resources, 'self-update'));
      for (const action of UPDATE_ROLE_NEVER_ACTIONS) {
        const granting = own.filter(s => asList(s.Action).some((pattern: string) => actionMatches(pattern, action))).map(s => s.Sid);
        expect({ action, grantedBy: granting }).toEqual({ action, grantedBy: [] });
      }
      const ceiling = boundaryOf(kit, resources, 'self-update');
      const deniedEverywhere = (action: string) => ceiling.some(s => s.Effect === 'Deny' && !s.Condition && asList(s.Resource).includes('*') &&
        asList(s.Action).includes(action));
      for (const action of UPDATE_ROLE_NEVER_ACTIONS) {
        expect({ action, deniedInBoundary: deniedEverywhere(action) }).toEqual({ action, deniedInBoundary: true });
      }
      // Its own policies and every boundary: no new version, no other default, no deletion.
      const names = resourceNames(settings, environment, MOCK_ACCOUNT);
      const kept = [`arn:aws:iam::${MOCK_ACCOUNT}:policy/${names.boundaryPolicy}-x`, `arn:aws:iam::${MOCK_ACCOUNT}:policy/${names.updateRole}`,
        `arn:aws:iam::${MOCK_ACCOUNT}:policy/${names.updatePipelinePolicy}`];
      for (const action of POLICY_CHANGES.filter(a => !/tag/i.test(a))) {
        for (const policy of kept) {
          const denied = ceiling.some(s => s.Effect === 'Deny' && !s.Condition && asList(s.Action).includes(action) &&
            (asList(s.Resource) as string[]).some(pattern => actionMatches(pattern, policy)));
          expect({ action, policy, denied }).toEqual({ action, policy, denied: true });
          expect({
            action,
            policy,
            grantedBy: own.filter(s => asList(s.Action).some((a: string) => actionMatches(a, action)) &&
            (asList(s.Resource) as string[]).some(pattern => actionMatches(pattern, policy))).map(s => s.Sid),
          }).toEqual({ action, policy, grantedBy: [] });
        }
      }
      // Role tags: only the program's own keys, in its policy (ForAllValues) and its boundary (ForAnyValue ... deny).
      const tagKeys = Object.keys({ ...settings.tags, Environment: environment, ManagedBy: 'Pulumi' }).sort();
      const tagging = own.filter(s => asList(s.Action).some((a: string) => actionMatches(a, 'iam:TagRole')));
      expect(tagging.length).toBeGreaterThan(0);
      for (const statement of tagging) expect(statement.Condition).toEqual({ 'ForAllValues:StringEquals': { 'aws:TagKeys': tagKeys } });
      expect(ceiling.filter(s => s.Effect === 'Deny' && asList(s.Action).includes('iam:TagRole')).map(s => s.Condition))
        .toEqual([{ 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': tagKeys } }]);
    }),
    'the update role changes each CodeBuild project only with that project\'s own role (codebuild:serviceRole)': selfUpdateOnly(({ resources, settings, environment }) => {
      const names = resourceNames(settings, environment, MOCK_ACCOUNT);
      const arn = (kind: string, name: string) => kind === 'role'
        ? `arn:aws:iam::${MOCK_ACCOUNT}:role/${name}` : `arn:aws:codebuild:${MOCK_REGION}:${MOCK_ACCOUNT}:project/${name}`;
      const owners = new Map([
        [names.buildProject, names.buildRole], [names.updateProject, names.updateRole], [names.driftProject, names.driftRole],
        ...settings.stages.map(stage => stageResourceNames(stage, environment))
          .map((stage): [string, string] => [stage.deployProject, stage.deployRole]),
      ].map(([project, role]) => [arn('project', project), arn('role', role)]));
      const changing = allows(roleStatements(kit, resources, 'self-update'))
        .filter(s => asList(s.Action).some((a: string) => actionMatches(a, 'codebuild:UpdateProject') || actionMatches(a, 'codebuild:CreateProject')));
      expect(changing.length).toBe(owners.size);
      for (const statement of changing) {
        const [project, ...others] = asList(statement.Resource) as string[];
        expect({ sid: statement.Sid, others, role: statement.Condition?.StringEquals?.['codebuild:serviceRole'] })
          .toEqual({ sid: statement.Sid, others: [], role: owners.get(project) });
      }
    }),
    'the update role passes only this stack\'s roles, each to the one service that assumes it': selfUpdateOnly(({ resources, settings, environment }) => {
      const roles = resources.filter(r => r.type === TYPES.role).map(r => `arn:aws:iam::${MOCK_ACCOUNT}:role/${r.inputs.name}`);
      // The deploy stages' roles are passed as one `<pipeline>-deploy-*` pattern (stack-arns.ts), and only to CodeBuild.
      const stageRoles = `arn:aws:iam::${MOCK_ACCOUNT}:role/${resourceNames(settings, environment, MOCK_ACCOUNT).pipeline}-deploy-*`;
      const passing = allows(roleStatements(kit, resources, 'self-update')).filter(s => asList(s.Action).some((a: string) => actionMatches(a, 'iam:PassRole')));
      expect(passing.length).toBeGreaterThan(0);
      for (const statement of passing) {
        const service = statement.Condition.StringEquals['iam:PassedToService'];
        expect(service).toMatch(/^[a-z]+\.amazonaws\.com$/);
        const patterns = asList(statement.Resource) as string[];
        expect(roles).toEqual(expect.arrayContaining(patterns.filter(pattern => pattern !== stageRoles)));
        if (patterns.includes(stageRoles)) expect({ stageRoles, service }).toEqual({ stageRoles, service: 'codebuild.amazonaws.com' });
      }
      for (const stage of settings.stages) {
        const role = `arn:aws:iam::${MOCK_ACCOUNT}:role/${stageResourceNames(stage, environment).deployRole}`;
        const to = passing.filter(s => (asList(s.Resource) as string[]).some(pattern => actionMatches(pattern, role)))
          .map(s => s.Condition.StringEquals['iam:PassedToService']);
        expect({ role, to }).toEqual({ role, to: ['codebuild.amazonaws.com'] });
      }
    }),
    'with selfUpdate every role carries the boundary of its own kind, a policy of the program that exists before the role': selfUpdateOnly(({ resources, settings, environment }) => {
      const names = resourceNames(settings, environment, MOCK_ACCOUNT);
      const roles = resources.filter(r => r.type === TYPES.role);
      expect(roles.length).toBeGreaterThanOrEqual(5 + settings.stages.length);
      const kinds: Record<string, string> = {
        'pipeline-role': 'pipeline',
        'build-role': 'build',
        'self-update-role': 'update',
        'drift-check-role': 'drift',
        'drift-schedule-role': 'events',
        ...Object.fromEntries(settings.stages.map(stage => [`deploy-${stage.name}-role`, `deploy-${stage.name}`])),
      };
      for (const role of roles) {
        const name = `${names.boundaryPolicy}-${kinds[role.name]}`;
        expect({ role: role.name, boundary: role.inputs.permissionsBoundary }).toEqual({ role: role.name, boundary: `arn:aws:iam::${MOCK_ACCOUNT}:policy/${name}` });
        const policy = resources.find(r => r.type === TYPES.policy && r.inputs.name === name)!;
        expect({ role: role.name, boundaryRegistered: policy !== undefined }).toEqual({ role: role.name, boundaryRegistered: true });
        expect(role.dependencies).toContain(policy.urn);
      }
    }),
    'every role\'s own grants fit inside the boundary it carries (a grant outside it would fail in AWS, silently here)': selfUpdateOnly(({ resources }) => {
      for (const role of resources.filter(r => r.type === TYPES.role)) {
        const boundary = allows(boundaryOf(kit, resources, role.name.replace(/-role$/, '')));
        const covered = (action: string, resource: string) => boundary.some(b =>
          asList(b.Action).some((pattern: string) => actionMatches(pattern, action)) &&
          asList(b.Resource).some((pattern: string) => actionMatches(pattern, resource)));
        const policies = resources.filter(r => r.type === TYPES.attachment && r.inputs.role === role.inputs.name)
          .map(attachment => resources.find(r => r.type === TYPES.policy && attachment.inputs.policyArn === `arn:aws:iam::${MOCK_ACCOUNT}:policy/${r.inputs.name}`)!);
        expect({ role: role.name, policies: policies.length > 0 }).toEqual({ role: role.name, policies: true });
        for (const statement of policies.flatMap(policy => allows(statementsOf(policy)))) {
          const outside = (asList(statement.Action) as string[]).flatMap(action => (asList(statement.Resource) as string[])
            .filter(resource => !covered(action, resource)).map(resource => `${action} ${resource}`));
          expect({ role: role.name, sid: statement.Sid, outside }).toEqual({ role: role.name, sid: statement.Sid, outside: [] });
        }
      }
    }),
    'each boundary allows nothing outside this stack, its state and its secrets key': selfUpdateOnly(run => {
      for (const prefix of roleKinds(kit, run.resources)) {
        for (const statement of allows(boundaryOf(kit, run.resources, prefix))) {
          for (const resource of asList(statement.Resource) as string[]) {
            expect({ prefix, sid: statement.Sid, resource, withinStack: withinStack(kit, run, statement, resource, ['self-update', 'drift-check'].includes(prefix)) })
              .toEqual({ prefix, sid: statement.Sid, resource, withinStack: true });
          }
        }
      }
    }),
    'the build\'s ceiling holds no target role, state or stage secret; a deploy stage\'s only its own target and secrets': selfUpdateOnly(({ resources, settings, environment }) => {
      const su = settings.selfUpdate!;
      const state = stateScope(su, settings, environment);
      const reachable = (prefix: string) => allows(boundaryOf(kit, resources, prefix)).flatMap(s => asList(s.Resource) as string[]);
      const build = reachable('build');
      const foreign = (mine: string[]) => configuredArns(settings).filter(arn => !mine.includes(arn));
      const stateOf = (arns: string[]) => arns.filter(arn => state.bucketArn !== undefined && arn.startsWith(state.bucketArn));
      expect({ build: build.filter(arn => foreign(settings.build.secrets).includes(arn) || arn.startsWith('arn:aws:iam::')), state: stateOf(build) })
        .toEqual({ build: [], state: [] });
      for (const stage of settings.stages) {
        const mine = [...stage.secrets, ...(stage.assumeRoleArn ? [stage.assumeRoleArn] : [])];
        const ceiling = reachable(`deploy-${stage.name}`);
        expect({ stage: stage.name, others: ceiling.filter(arn => foreign(mine).includes(arn)), state: stateOf(ceiling) })
          .toEqual({ stage: stage.name, others: [], state: [] });
        expect(ceiling).toEqual(expect.arrayContaining(mine));
      }
    }),
    'the backend gives the roles only this stack\'s state, listing only under its prefix, and only the secrets key': selfUpdateOnly(({ resources, settings, environment }) => {
      const su = settings.selfUpdate!;
      const state = stateScope(su, settings, environment);
      for (const prefix of ['self-update', 'drift-check']) {
        const statements = allows(roleStatements(kit, resources, prefix));
        const onState = statements.flatMap(s => (asList(s.Resource) as string[]).map(resource => ({ s, resource })))
          .filter(({ resource }) => state.bucketArn !== undefined && resource.startsWith(state.bucketArn));
        if (su.backend.kind === 's3') {
          for (const { s, resource } of onState) {
            if (resource === state.bucketArn) {
              expect({ prefix, actions: asList(s.Action), condition: s.Condition })
                .toEqual({ prefix, actions: ['s3:ListBucket'], condition: { StringLikeIfExists: { 's3:prefix': [`${state.root!.slice(state.bucketArn.length + 1)}*`] } } });
            } else {
              expect({ prefix, resource, thisStacks: state.isStateObject(resource) }).toEqual({ prefix, resource, thisStacks: true });
            }
          }
          expect(onState.length).toBeGreaterThanOrEqual(3);
        } else {
          expect(onState).toEqual([]);
          const token = statements.filter(s => asList(s.Action).includes('secretsmanager:GetSecretValue'));
          expect(token.flatMap(s => asList(s.Resource))).toEqual([su.accessTokenSecretArn]);
        }
        const pipelineKey = one(resources, TYPES.pipeline).inputs.artifactStores[0].encryptionKey.id;
        const kms = statements.filter(s => asList(s.Action).some((a: string) => /^kms:(Decrypt|Encrypt|GenerateDataKey)$/.test(a)) &&
          !asList(s.Resource).includes(pipelineKey));
        if (su.secretsKey) {
          expect(kms.length).toBe(1);
          for (const resource of asList(kms[0].Resource) as string[]) expect(state.isSecretsKey(resource, kms[0])).toBe(true);
        } else {
          expect(kms).toEqual([]);
        }
      }
    }),
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
      expect(roleStatements(kit, resources, 'drift-schedule').map(s => [s.Effect, asList(s.Action), asList(s.Resource)]))
        .toEqual([['Allow', ['codebuild:StartBuild'], [projectArn]]]);
    }),
    'the drift project previews this stack from the repository\'s branch, with the managed drift buildspec, unprivileged': selfUpdateOnly(({ resources, settings, environment }) => {
      const project = one(resources, TYPES.project, 'drift-check').inputs;
      const connection = stagesOf(kit, resources)[0].actions[0].configuration.ConnectionArn;
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
      const statements = allows(roleStatements(kit, resources, 'drift-check'));
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
    'every IAM policy fits IAM\'s 6,144 characters, even in the longest partition and region': ({ resources }) => {
      for (const policy of resources.filter(r => r.type === TYPES.policy)) {
        const compact = JSON.stringify(JSON.parse(policy.inputs.policy)).split('arn:aws:').join('arn:aws-us-gov:').split(MOCK_REGION).join('ap-southeast-5');
        expect({ policy: policy.name, fits: compact.length <= MANAGED_POLICY_MAX, length: compact.length })
          .toEqual({ policy: policy.name, fits: true, length: compact.length });
      }
    },
  };
}

/** The installed SDK's version, which the CLI in the buildspecs must have (the consumer's own node_modules). */
const installedSdk = () => JSON.parse(fs.readFileSync(require.resolve('@pulumi/pulumi/package.json'), 'utf-8')).version as string;
const variableOf = (text: string, name: string) => new RegExp(`^\\s+${name}: "?([^"\\n]*)"?$`, 'm').exec(text)?.[1];

/** The promises about the self-update and drift buildspecs, in a consumer repository. */
export const SELF_UPDATE_FILE_GUARDRAILS: Record<string, Guardrails.FileCheck> = {
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
};

/** `engines.node` of the installed SDK: the oldest Node.js it runs on. */
const installedSdkEngine = () => JSON.parse(fs.readFileSync(require.resolve('@pulumi/pulumi/package.json'), 'utf-8')).engines?.node as string ?? '';
