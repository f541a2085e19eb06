import * as pulumi from '@pulumi/pulumi';
import { Scope } from '../../scope';
import { NameKey } from '../../settings';
import { artifactFolder } from '../shared-resources/shared-resources';

type Arn = pulumi.Output<string>;

/**
 * The ARNs of this stack's resources, built from the rendered physical names
 * of this repository and environment, not from the resources: a policy can
 * then name a resource that does not exist yet (a role added by an upgrade)
 * or that is created after the policy (the pipeline). Resources whose ARN
 * holds an id AWS picks (the KMS key, the connection) are not here.
 *
 * The kinds follow the name keys' suffixes (`...Role`, `...Project`,
 * `...LogGroup`, `...Rule`), so that a part added later is covered by naming
 * its resources the same way.
 */
export interface StackArns {
  /** Every role of the stack (the deploy stages' included). */
  readonly roles: Arn[];
  /** The same but the roles of the given name keys (the update role, which may not change its own role). */
  readonly rolesBut: (...keys: NameKey[]) => Arn[];
  /** The deploy stages' roles, as one `<pipeline>-deploy-*` pattern (CodeBuild assumes each). */
  readonly stageRoles: Arn[];
  /**
   * The patterns above that name the deploy stages' resources, one ARN per kind, each of its own service's
   * shape (role, policy, project, log group and its streams). IAM allows no wildcard in an ARN's service
   * segment ("IAM JSON policy elements: Resource"), so there is no one pattern for all kinds.
   */
  readonly stagePatterns: Arn[];
  /** The customer-managed policies of the roles (each named like its role, and the keys ending in `Policy`). */
  readonly rolePolicies: Arn[];
  /** The same but those of the given name keys (the update role's own, which it may not rewrite). */
  readonly rolePoliciesBut: (...keys: NameKey[]) => Arn[];
  /** The update role's third policy, which ties each project to its own role (`<updatePipelinePolicy>-projects`). */
  readonly updateProjectsPolicyName: string;
  readonly policy: (key: NameKey) => Arn;
  /** Each role's own permissions boundary (boundary.ts), by the role's physical name. */
  readonly boundaryOf: (roleName: string) => Arn;
  /** The name of each role's boundary, by the role's physical name: `<boundaryPolicy>-<kind>`. */
  readonly boundaryNameOf: (roleName: string) => string;
  /** Every boundary of this stack, as one `<boundaryPolicy>-*` pattern (no other policy's name begins so). */
  readonly anyBoundary: Arn;
  readonly role: (key: NameKey) => Arn;
  readonly roleNamed: (name: string) => Arn;
  readonly projects: Arn[];
  readonly project: (key: NameKey) => Arn;
  readonly projectNamed: (name: string) => Arn;
  readonly pipeline: Arn;
  /** The artifact bucket: the stack's own, or the platform's shared one. */
  readonly bucket: Arn;
  /** The artifact objects this pipeline may reach: every object of its own bucket, its folder of a shared one. */
  readonly artifactObjects: Arn;
  readonly repository: Arn;
  /** Every log group and its streams (`<group>:*`). */
  readonly logGroups: Arn[];
  readonly logGroup: (key: NameKey) => Arn;
  readonly logGroupNamed: (name: string) => Arn;
  readonly topic: Arn;
  readonly rules: Arn[];
  readonly rule: (key: NameKey) => Arn;
}

const keysEndingIn = (names: Record<NameKey, string>, suffix: string) =>
  (Object.keys(names) as NameKey[]).filter(key => key.endsWith(suffix) || key === suffix.charAt(0).toLowerCase() + suffix.slice(1));

export function stackArns(scope: Scope): StackArns {
  const { names, partition, region, accountId } = scope;
  const regional = (service: string, resource: string) => pulumi.interpolate`arn:${partition}:${service}:${region}:${accountId}:${resource}`;
  const iam = (kind: 'role' | 'policy', name: string) => pulumi.interpolate`arn:${partition}:iam::${accountId}:${kind}/${name}`;
  const role = (key: NameKey) => iam('role', names[key]);
  const project = (key: NameKey) => regional('codebuild', `project/${names[key]}`);
  const logGroup = (key: NameKey) => regional('logs', `log-group:${names[key]}`);
  const rule = (key: NameKey) => regional('events', `rule/${names[key]}`);
  const roleKeys = keysEndingIn(names, 'Role');
  // Each deploy stage's role (and its like-named policy), project and log group begins with `<pipeline>-deploy-`
  // (stageNameRules in the library's naming.ts). One ARN per kind, not one per stage, keeps the boundary and the
  // update role's policies within IAM's 6,144 characters ("IAM and AWS STS quotas") whatever the number of stages.
  const stagePrefix = `${names.pipeline}-deploy-`;
  for (const stage of scope.stageNames) {
    if (![stage.deployRole, stage.deployProject, stage.deployLogGroup.replace(/^\/aws\/codebuild\//, '')].every(name => name.startsWith(stagePrefix))) {
      throw new Error(`deploy stage names must begin with ${stagePrefix} (got ${JSON.stringify(stage)})`);
    }
  }
  const anyStage = scope.stageNames.length > 0 ? [`${stagePrefix}*`] : [];
  const stageRoles = anyStage.map(name => iam('role', name));
  const stageLogGroups = anyStage.map(name => regional('logs', `log-group:/aws/codebuild/${name}`));
  const stagePatterns = [
    ...stageRoles, ...anyStage.map(name => iam('policy', name)), ...anyStage.map(name => regional('codebuild', `project/${name}`)),
    ...stageLogGroups.flatMap(arn => [arn, pulumi.interpolate`${arn}:*`]),
  ];
  const policyKeys = [...roleKeys, ...keysEndingIn(names, 'Policy').filter(key => key !== 'boundaryPolicy')];
  const updateProjectsPolicyName = `${names.updatePipelinePolicy}-projects`;
  // The update role's third policy goes with its second (both its own).
  const rolePoliciesBut = (...but: NameKey[]) => [
    ...policyKeys.filter(key => !but.includes(key)).map(key => iam('policy', names[key])),
    ...(but.includes('updatePipelinePolicy') ? [] : [iam('policy', updateProjectsPolicyName)]),
    ...anyStage.map(name => iam('policy', name)),
  ];
  const boundaryNameOf = (roleName: string) => {
    const kind = roleKindOf(scope, roleName);
    // IAM policy names are at most 128 characters ("IAM and AWS STS quotas"); role names are at most 64.
    const name = `${names.boundaryPolicy}-${kind}`;
    if (name.length > 128) throw new Error(`the permissions boundary name ${name} is longer than IAM's 128 characters`);
    return name;
  };
  const shared = scope.shared.artifactBucket;
  const bucket = pulumi.interpolate`arn:${partition}:s3:::${shared ?? scope.nameFor('artifactBucket')}`;
  return {
    roles: [...roleKeys.map(role), ...stageRoles],
    rolesBut: (...but) => [...roleKeys.filter(key => !but.includes(key)).map(role), ...stageRoles],
    stageRoles,
    stagePatterns,
    boundaryOf: roleName => iam('policy', boundaryNameOf(roleName)),
    boundaryNameOf,
    anyBoundary: iam('policy', `${names.boundaryPolicy}-*`),
    rolePolicies: rolePoliciesBut(),
    rolePoliciesBut,
    updateProjectsPolicyName,
    policy: key => iam('policy', names[key]),
    role,
    roleNamed: name => iam('role', name),
    projects: [...keysEndingIn(names, 'Project').map(project), ...anyStage.map(name => regional('codebuild', `project/${name}`))],
    project,
    projectNamed: name => regional('codebuild', `project/${name}`),
    pipeline: regional('codepipeline', names.pipeline),
    bucket,
    artifactObjects: shared ? pulumi.interpolate`${bucket}/${artifactFolder(names.pipeline)}/*` : pulumi.interpolate`${bucket}/*`,
    repository: regional('ecr', `repository/${names.repository}`),
    logGroups: [...keysEndingIn(names, 'LogGroup').map(logGroup), ...stageLogGroups].flatMap(arn => [arn, pulumi.interpolate`${arn}:*`]),
    logGroup,
    logGroupNamed: name => regional('logs', `log-group:${name}`),
    topic: regional('sns', names.notificationTopic),
    // The release gates' notification rules exist only with a guard, under one prefix (release-gates.ts, GATE_RULE_KINDS).
    rules: [...keysEndingIn(names, 'Rule').map(rule), regional('events', `rule/${names.pipeline}-gate-*`)],
    rule,
  };
}

/**
 * The kind of a role of this stack, by its physical name: each kind has its
 * own permissions boundary (boundary.ts). A deploy stage is a kind of its own
 * (`deploy-<stage>`): its ceiling holds its own target and secrets only.
 */
export function roleKindOf(scope: Scope, roleName: string): string {
  const { names } = scope;
  const kinds: Array<[string, string]> = [
    [names.pipelineRole, 'pipeline'], [names.buildRole, 'build'], [names.updateRole, 'update'], [names.driftRole, 'drift'],
    [names.eventsRole, 'events'],
    ...scope.stageNames.map((stage): [string, string] => [stage.deployRole, stage.deployRole.slice(names.pipeline.length + 1)]),
  ];
  const kind = kinds.find(([name]) => name === roleName)?.[1];
  if (kind === undefined) throw new Error(`${roleName} is no role of this stack: it has no permissions boundary`);
  return kind;
}
