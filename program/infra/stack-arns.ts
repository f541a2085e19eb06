import * as pulumi from '@pulumi/pulumi';
import { Scope } from './scope';
import { NameKey } from './settings';

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
  /** Every role of the stack. */
  readonly roles: Arn[];
  /** The customer-managed policies of the roles (each named like its role, and the keys ending in `Policy`). */
  readonly rolePolicies: Arn[];
  /** The permissions boundary (boundary.ts). */
  readonly boundary: Arn;
  readonly role: (key: NameKey) => Arn;
  readonly projects: Arn[];
  readonly project: (key: NameKey) => Arn;
  readonly pipeline: Arn;
  readonly bucket: Arn;
  readonly repository: Arn;
  /** Every log group and its streams (`<group>:*`). */
  readonly logGroups: Arn[];
  readonly logGroup: (key: NameKey) => Arn;
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
  return {
    roles: roleKeys.map(role),
    rolePolicies: [...roleKeys, ...keysEndingIn(names, 'Policy').filter(key => key !== 'boundaryPolicy')].map(key => iam('policy', names[key])),
    boundary: iam('policy', names.boundaryPolicy),
    role,
    projects: keysEndingIn(names, 'Project').map(project),
    project,
    pipeline: regional('codepipeline', names.pipeline),
    bucket: pulumi.interpolate`arn:${partition}:s3:::${scope.nameFor('artifactBucket')}`,
    repository: regional('ecr', `repository/${names.repository}`),
    logGroups: keysEndingIn(names, 'LogGroup').flatMap(key => [logGroup(key), pulumi.interpolate`${logGroup(key)}:*`]),
    logGroup,
    topic: regional('sns', names.notificationTopic),
    rules: keysEndingIn(names, 'Rule').map(rule),
    rule,
  };
}
