/** Guardrails of the self-update feature (features/self-update/): its stage, the update role's reach, and every role's ceiling. Without `selfUpdate`, that nothing of it exists. */
import { GuardrailPart, TYPES, asList, one, statementsOf } from './kit';
import { MOCK_ACCOUNT, MOCK_REGION } from './mock-run';
import { UPDATE_ROLE_NEVER_ACTIONS, POLICY_CHANGES, actionMatches, configuredArns, stateScope, withinStack, roleStatements, allows, boundaryOf, roleKinds, envOf, stagesOf, qualifiedStack, selfUpdateOnly } from './self-update-scope';
import { resourceNames, stageResourceNames } from '../settings';

export const SELF_UPDATE: GuardrailPart = {
  part: 'self-update: stage, update role and ceilings',
  checks: {
    'with selfUpdate the stages are Source → UpdatePipeline → Build; without it nothing updates, checks or bounds the stack': ({ resources, settings }) => {
      const names = stagesOf(resources).map(stage => stage.name);
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
      const [action, ...others] = stagesOf(resources).find(stage => stage.name === 'UpdatePipeline').actions;
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
      const statements = allows(roleStatements(run.resources, 'self-update'));
      expect(statements.length).toBeGreaterThan(5);
      for (const statement of statements) {
        for (const resource of asList(statement.Resource) as string[]) {
          expect({ sid: statement.Sid, resource, withinStack: withinStack(run, statement, resource) })
            .toEqual({ sid: statement.Sid, resource, withinStack: true });
        }
      }
    }),
    'the update role never creates a role, changes a trust, resource policy or boundary, grants, deletes stateful data, rewrites its own grants or tags with other keys: denied in its boundary, granted nowhere in its policy': selfUpdateOnly(({ resources, settings, environment }) => {
      const own = allows(roleStatements(resources, 'self-update'));
      for (const action of UPDATE_ROLE_NEVER_ACTIONS) {
        const granting = own.filter(s => asList(s.Action).some((pattern: string) => actionMatches(pattern, action))).map(s => s.Sid);
        expect({ action, grantedBy: granting }).toEqual({ action, grantedBy: [] });
      }
      const ceiling = boundaryOf(resources, 'self-update');
      const deniedEverywhere = (action: string) => ceiling.some(s => s.Effect === 'Deny' && !s.Condition && asList(s.Resource).includes('*') &&
        asList(s.Action).some((pattern: string) => actionMatches(pattern, action)));
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
      const changing = allows(roleStatements(resources, 'self-update'))
        .filter(s => asList(s.Action).some((a: string) => actionMatches(a, 'codebuild:UpdateProject') || actionMatches(a, 'codebuild:CreateProject')));
      expect(changing.length).toBe(owners.size);
      for (const statement of changing) {
        const [project, ...others] = asList(statement.Resource) as string[];
        expect({ sid: statement.Sid, others, role: statement.Condition?.StringEqualsIfExists?.['codebuild:serviceRole'] })
          .toEqual({ sid: statement.Sid, others: [], role: owners.get(project) });
      }
    }),
    'the update role passes only this stack\'s roles, each to the one service that assumes it': selfUpdateOnly(({ resources, settings, environment }) => {
      const roles = resources.filter(r => r.type === TYPES.role).map(r => `arn:aws:iam::${MOCK_ACCOUNT}:role/${r.inputs.name}`);
      // The deploy stages' roles are passed as one `<pipeline>-deploy-*` pattern (stack-arns.ts), and only to CodeBuild.
      const stageRoles = `arn:aws:iam::${MOCK_ACCOUNT}:role/${resourceNames(settings, environment, MOCK_ACCOUNT).pipeline}-deploy-*`;
      const passing = allows(roleStatements(resources, 'self-update')).filter(s => asList(s.Action).some((a: string) => actionMatches(a, 'iam:PassRole')));
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
        const boundary = allows(boundaryOf(resources, role.name.replace(/-role$/, '')));
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
      for (const prefix of roleKinds(run.resources)) {
        for (const statement of allows(boundaryOf(run.resources, prefix))) {
          for (const resource of asList(statement.Resource) as string[]) {
            expect({ prefix, sid: statement.Sid, resource, withinStack: withinStack(run, statement, resource, ['self-update', 'drift-check'].includes(prefix)) })
              .toEqual({ prefix, sid: statement.Sid, resource, withinStack: true });
          }
        }
      }
    }),
    'the build\'s ceiling holds no target role, state or stage secret; a deploy stage\'s only its own target and secrets': selfUpdateOnly(({ resources, settings, environment }) => {
      const su = settings.selfUpdate!;
      const state = stateScope(su, settings, environment);
      const reachable = (prefix: string) => allows(boundaryOf(resources, prefix)).flatMap(s => asList(s.Resource) as string[]);
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
        const statements = allows(roleStatements(resources, prefix));
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
  },
};
