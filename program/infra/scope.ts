import { getCallerIdentityOutput } from '@pulumi/aws/getCallerIdentity';
import { getPartitionOutput } from '@pulumi/aws/getPartition';
import { getRegionOutput } from '@pulumi/aws/getRegion';
import * as iam from '@pulumi/aws/iam';
import * as pulumi from '@pulumi/pulumi';
import { EnvironmentLifecycle, NameKey, PipelineSettings, StageNameKey, environmentLifecycle, resourceNames, stageResourceNames } from './settings';

/** Checked once synchronously so a bad suffix fails before any resource is registered. */
const ACCOUNT_FOR_LENGTH_CHECK = '000000000000';

/**
 * Where every part of the pipeline is built: the component that parents each
 * resource, the stack's account, region and partition, the physical names and
 * the tags.
 */
export interface Scope {
  /** Every resource is created with `{ parent }`: the component's type token is part of its URN. */
  readonly parent: pulumi.Resource;
  /** Physical names that do not contain the account id (checked against their AWS limits). */
  readonly names: Record<NameKey, string>;
  /** The physical names of each deploy stage's resources, in the order of `settings.stages`. */
  readonly stageNames: ReadonlyArray<Record<StageNameKey, string>>;
  /** A physical name that contains the account id (the artifact bucket's). */
  readonly nameFor: (key: NameKey) => pulumi.Output<string>;
  readonly accountId: pulumi.Output<string>;
  readonly region: pulumi.Output<string>;
  readonly partition: pulumi.Output<string>;
  /** The tags of every taggable resource. */
  readonly tags: Record<string, string>;
  /** The tags of the pipeline and its build projects: `tags` and the fleet's version tag. */
  readonly versionedTags: Record<string, string>;
  /**
   * With self-update, each role's own permissions boundary (boundary.ts), by the role's physical name: every
   * role carries the one of its kind.
   */
  readonly permissionsBoundaries?: Readonly<Record<string, pulumi.Output<string>>>;
  /** Whether destroy keeps (long-lived) or deletes (ephemeral) the stateful resources. */
  readonly lifecycle: EnvironmentLifecycle;
  /** The platform's key and bucket the stack uses instead of its own (shared-resources.ts). */
  readonly shared: NonNullable<PipelineSettings['shared']>;
}

/**
 * The condition of every grant on the artifact bucket: the bucket must be in the stack's account
 * (`aws:ResourceAccount`), so that a bucket of the same name in another account is never read or written.
 */
export const inThisAccount = (scope: Scope) => ({ StringEquals: { 'aws:ResourceAccount': scope.accountId } });

/** The physical names that do not depend on the account, checked against their AWS limits. */
export function namesOf(settings: PipelineSettings, environment: string): Record<NameKey, string> {
  return resourceNames(settings, environment, ACCOUNT_FOR_LENGTH_CHECK);
}

/** The scope of one environment's pipeline, under `parent`. */
export function scopeOf(parent: pulumi.Resource, settings: PipelineSettings, environment: string): Scope {
  const names = namesOf(settings, environment);
  const stageNames = settings.stages.map(stage => stageResourceNames(stage, environment));
  const invoke = { parent };
  const identity = getCallerIdentityOutput({}, invoke);
  const tags = { ...settings.tags, Environment: environment, ManagedBy: 'Pulumi' };
  return {
    parent,
    names,
    stageNames,
    nameFor: key => identity.accountId.apply(account => resourceNames(settings, environment, account)[key]),
    accountId: identity.accountId,
    region: getRegionOutput({}, invoke).region,
    partition: getPartitionOutput({}, invoke).partition,
    tags,
    versionedTags: { ...tags, [settings.fleet.versionTag.key]: settings.fleet.versionTag.value },
    lifecycle: environmentLifecycle(settings, environment),
    shared: settings.shared ?? {},
  };
}

/** The same scope, whose roles carry `boundaries` (by role name) as their permissions boundaries. */
export function withPermissionsBoundaries(scope: Scope, boundaries: Record<string, iam.Policy> | undefined): Scope {
  return boundaries
    ? { ...scope, permissionsBoundaries: Object.fromEntries(Object.entries(boundaries).map(([role, policy]) => [role, policy.arn])) }
    : scope;
}
