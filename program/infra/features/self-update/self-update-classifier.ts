/**
 * Sorts the changes of a `pulumi preview --json` into those the self-update's
 * role may make and those only a person may make, so that the UpdatePipeline
 * stage stops before `pulumi up` instead of failing half-way with AccessDenied
 * on every execution.
 *
 * It reads the preview digest the CLI prints (pulumi/pulumi
 * `pkg/backend/display/json.go`, `ShowPreviewDigest`): `steps`, each with an
 * `op` (same, create, update, delete, replace, create-replacement,
 * delete-replaced, read, refresh, …), the resource's `urn`, `oldState` /
 * `newState` (`type`, `inputs`), `diffReasons` (the top-level properties that
 * change) and `detailedDiff` (property paths). Same steps are left out of the
 * digest unless `--show-sames` is given.
 *
 * What the update role may do mirrors the `change` actions of its policies
 * (stack-access.ts, self-update.ts): anything the table below does not allow
 * stops the stage, so a resource type or an operation the program learns later
 * stops the update until this table learns it too, never the other way round.
 * It imports nothing: the update stage compiles it on its own (self-update-check.ts).
 */

/** One step of `pulumi preview --json`. */
export interface PreviewStep {
  readonly op: string;
  readonly urn: string;
  readonly oldState?: { readonly type?: string; readonly inputs?: Record<string, unknown> };
  readonly newState?: { readonly type?: string; readonly inputs?: Record<string, unknown> };
  readonly diffReasons?: readonly string[];
  readonly replaceReasons?: readonly string[];
  readonly detailedDiff?: Record<string, { readonly kind: string; readonly inputDiff?: boolean }>;
}

/** The document `pulumi preview --json` prints. */
export interface PreviewDigest {
  readonly steps?: readonly PreviewStep[];
  readonly changeSummary?: Record<string, number>;
}

/** Why a change is a person's deploy. */
export type StopReason =
  | 'new-role'
  | 'trust-policy'
  | 'resource-policy'
  | 'boundary'
  | 'stateful-data'
  | 'own-permissions'
  | 'approval-removed'
  | 'role-tag-key'
  | 'not-allowed';

/** What each reason means, in the words the build log and the notification use. */
export const STOP_REASONS: Record<StopReason, string> = {
  'new-role': 'a new role (a role\'s trust policy decides who may use it)',
  'trust-policy': 'a trust policy (who may assume a role: assumeRolePolicy)',
  'resource-policy': 'a resource policy (the key\'s, a bucket\'s, the topic\'s or the repository\'s policy, or the bucket\'s public access block)',
  'boundary': 'a permissions boundary (a role\'s ceiling)',
  'stateful-data': 'a deletion or replacement of stateful data (key, bucket, repository, log group, signing profile, or a rule that expires data)',
  'own-permissions': 'the update role\'s own policies',
  'approval-removed': 'the removal of a manual approval (a person decides when a stage deploys)',
  'role-tag-key': 'a new tag key on a role (a role\'s tags can satisfy aws:PrincipalTag conditions elsewhere in the account)',
  'not-allowed': 'a change the update role has no permission for',
};

/** A step's operation, as the update role's permissions see it. */
export type Operation = 'none' | 'create' | 'update' | 'delete' | 'replace';

const OPERATIONS: Record<string, Operation> = {
  'same': 'none',
  'read': 'none',
  'refresh': 'none',
  'discard': 'none',
  'create': 'create',
  'update': 'update',
  'delete': 'delete',
  'replace': 'replace',
  'create-replacement': 'replace',
  'delete-replaced': 'replace',
  'read-replacement': 'none',
  'discard-replaced': 'none',
};

/** A change that the update stage will not apply. */
export interface StoppedChange {
  readonly reason: StopReason;
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly op: string;
  /** The properties that change (updates only). */
  readonly properties: readonly string[];
}

export interface Classification {
  /** Changes the update role may make (no-op steps excluded). */
  readonly allowed: readonly { readonly urn: string; readonly op: string }[];
  /** Changes that stop the stage; empty when `pulumi up` may run. */
  readonly stopped: readonly StoppedChange[];
}

/** What a rule decides for one change: allowed (undefined) or the reason it stops. */
type Rule = (operation: Operation, properties: readonly string[], name: string) => StopReason | undefined;

const allow = (...operations: Operation[]): Rule => operation => operations.includes(operation) ? undefined : 'not-allowed';
const always = (reason: StopReason): Rule => () => reason;

/**
 * An update of only `properties` (and tags, which have actions of their own)
 * is allowed; `policy` is a resource policy; a deletion or replacement is
 * stateful data when `stateful`.
 */
function updateOnly(properties: string[], options: { stateful?: boolean; policy?: string } = {}): Rule {
  const allowed = new Set([...properties, 'tags', 'tagsAll']);
  return (operation, changed) => {
    if (operation === 'delete' || operation === 'replace') return options.stateful ? 'stateful-data' : 'not-allowed';
    if (operation !== 'update') return 'not-allowed';
    if (options.policy && changed.includes(options.policy)) return 'resource-policy';
    // An update that names no property cannot be checked: stop rather than guess.
    return changed.length > 0 && changed.every(p => allowed.has(p)) ? undefined : 'not-allowed';
  };
}

/** The update role's own role, policies and attachments carry this logical-name prefix (self-update.ts, stack-runner.ts). */
export const OWN_PREFIX = 'self-update-';
const isBoundary = (name: string) => /(^|-)boundary(-|$)/.test(name);

const tagKeys = (state: PreviewStep['oldState']) => Object.keys((state?.inputs?.tags ?? {}) as Record<string, unknown>);

const roleRule = (step: PreviewStep): Rule => (operation, changed) => {
  if (operation === 'create' || operation === 'replace') return 'new-role';
  if (operation === 'delete') return 'not-allowed';
  if (changed.includes('assumeRolePolicy')) return 'trust-policy';
  if (changed.includes('permissionsBoundary')) return 'boundary';
  // The update role may tag roles with the keys they carry already (values change with the settings), never a new key.
  if (changed.includes('tags') && tagKeys(step.newState).some(key => !tagKeys(step.oldState).includes(key))) return 'role-tag-key';
  // Inline and exclusive managed policies are granted nowhere; tags, description and session duration are (UpdateRole).
  return changed.length > 0 && changed.every(p => ['tags', 'tagsAll', 'description', 'maxSessionDuration'].includes(p)) ? undefined : 'not-allowed';
};

const policyRule: Rule = (operation, _changed, name) => {
  if (isBoundary(name)) return 'boundary';
  if (name.startsWith(OWN_PREFIX)) return 'own-permissions';
  // CreatePolicyVersion is granted (stack-access.ts, OtherRolesPolicies); CreatePolicy and DeletePolicy are not:
  // a new policy comes with a new role or attachment, which are a person's too.
  return operation === 'update' ? undefined : 'not-allowed';
};

/** `<stage>/<action>` of each manual approval in a pipeline's `stages` input. */
function approvals(inputs: Record<string, unknown> | undefined): string[] | undefined {
  const stages = inputs?.stages;
  if (!Array.isArray(stages)) return undefined;
  return stages.flatMap((stage: { name?: string; actions?: Array<{ name?: string; category?: string }> }) =>
    (stage.actions ?? []).filter(action => action.category === 'Approval').map(action => `${stage.name}/${action.name}`));
}

/**
 * UpdatePipeline is granted, but an update that drops a manual approval is a
 * person's: otherwise a commit could let itself reach a stage no one approved.
 */
const pipelineRule = (step: PreviewStep): Rule => (operation, changed) => {
  if (operation !== 'update') return 'not-allowed';
  if (!changed.includes('stages')) return undefined;
  const before = approvals(step.oldState?.inputs);
  const after = approvals(step.newState?.inputs);
  if (before === undefined || after === undefined) return 'not-allowed';
  return before.every(approval => after.includes(approval)) ? undefined : 'approval-removed';
};

/** AttachRolePolicy and DetachRolePolicy are granted nowhere: what is attached to a role is a person's deploy. */
const attachmentRule: Rule = (_operation, _changed, name) => name.startsWith(OWN_PREFIX) ? 'own-permissions' : 'not-allowed';

/**
 * CreateProject and UpdateProject are granted only with the project's own service role
 * (`codebuild:serviceRole`, stack-access.ts): moving a project to another role is a person's.
 */
const projectRule: Rule = (operation, changed) => {
  if (operation !== 'create' && operation !== 'update') return 'not-allowed';
  return changed.includes('serviceRole') ? 'not-allowed' : undefined;
};

/** Per resource type: what the update role may do to it. A type missing here stops the update. */
const RULES: Record<string, Rule> = {
  // Decided per step (roleRule): whether a tag key is new.
  'aws:iam/role:Role': allow(),
  'aws:iam/policy:Policy': policyRule,
  'aws:iam/rolePolicyAttachment:RolePolicyAttachment': attachmentRule,
  'aws:kms/key:Key': updateOnly(['description', 'enableKeyRotation', 'rotationPeriodInDays'], { stateful: true, policy: 'policy' }),
  'aws:kms/keyPolicy:KeyPolicy': always('resource-policy'),
  'aws:s3/bucket:Bucket': updateOnly(['forceDestroy'], { stateful: true, policy: 'policy' }),
  'aws:s3/bucketPolicy:BucketPolicy': always('resource-policy'),
  'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock': always('resource-policy'),
  'aws:s3/bucketVersioning:BucketVersioning': allow('create', 'update'),
  'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration': allow('create', 'update'),
  // Ownership controls decide whether ACLs apply (who may read the artifacts): a person's, like a resource policy.
  'aws:s3/bucketOwnershipControls:BucketOwnershipControls': always('resource-policy'),
  // Lifecycle rules expire (delete) objects.
  'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration': always('stateful-data'),
  'aws:ecr/repository:Repository': updateOnly(['imageScanningConfiguration', 'imageTagMutability', 'imageTagMutabilityExclusionFilters', 'forceDelete'],
    { stateful: true }),
  'aws:ecr/repositoryPolicy:RepositoryPolicy': always('resource-policy'),
  // An image lifecycle policy expires (deletes) images: PutLifecyclePolicy is denied to the update role.
  'aws:ecr/lifecyclePolicy:LifecyclePolicy': always('stateful-data'),
  // A retention change can delete logs (PutRetentionPolicy is denied), and a new group is created with its retention.
  'aws:cloudwatch/logGroup:LogGroup': (operation, changed) => {
    if (operation === 'delete' || operation === 'replace' || changed.includes('retentionInDays')) return 'stateful-data';
    if (operation === 'create') return 'not-allowed';
    return updateOnly([])(operation, changed, '');
  },
  'aws:codebuild/project:Project': projectRule,
  // Decided per step (pipelineRule): whether an approval goes.
  'aws:codepipeline/pipeline:Pipeline': allow('update'),
  'aws:codeconnections/connection:Connection': updateOnly([]),
  'aws:sns/topic:Topic': updateOnly([], { policy: 'policy' }),
  'aws:sns/topicPolicy:TopicPolicy': always('resource-policy'),
  'aws:sns/topicSubscription:TopicSubscription': allow('create'),
  'aws:cloudwatch/eventRule:EventRule': allow('create', 'update'),
  'aws:cloudwatch/eventTarget:EventTarget': allow('create', 'update', 'delete', 'replace'),
  // The signing profile (supply-chain gate): created with PutSigningProfile, its tags changed in place. Any other change
  // replaces it, which cancels the old one (CancelSigningProfile is denied) and leaves images signed by it unverifiable.
  'aws:signer/signingProfile:SigningProfile': (operation, changed) =>
    operation === 'create' ? undefined : updateOnly([], { stateful: true })(operation, changed, ''),
};

/** Rules that read the step's old and new inputs. */
const STEP_RULES: Record<string, (step: PreviewStep) => Rule> = {
  'aws:codepipeline/pipeline:Pipeline': pipelineRule,
  'aws:iam/role:Role': roleRule,
};

/** The resource types the classifier has a rule for: any other type stops the update. */
export const CLASSIFIED_TYPES: readonly string[] = Object.keys(RULES);

/** Types that make no AWS call: the stack, providers and the program's component. */
export const isEngineOnly = (type: string) => type.startsWith('pulumi:') || type === 'cicd-pipeline-type:index:CicdPipeline';

/** `urn:pulumi:<stack>::<project>::<parent types$>type::<name>`. */
export function parseUrn(urn: string): { type: string; name: string } {
  const parts = urn.split('::');
  const qualified = parts[2] ?? '';
  return { type: qualified.slice(qualified.lastIndexOf('$') + 1), name: parts.slice(3).join('::') };
}

/** The top-level properties a step changes: `diffReasons`, and the first segment of each `detailedDiff` path. */
function changedProperties(step: PreviewStep): string[] {
  const paths = [...step.diffReasons ?? [], ...Object.keys(step.detailedDiff ?? {})];
  return [...new Set(paths.map(p => p.split(/[.[]/)[0]).filter(p => p !== ''))].sort();
}

/** Classifies every step of a preview; throws when `digest` is not a preview digest. */
export function classifyPreview(digest: unknown): Classification {
  const steps = (digest as PreviewDigest | null)?.steps;
  if (typeof digest !== 'object' || digest === null || !Array.isArray(steps)) {
    throw new Error('not the output of pulumi preview --json (no "steps" list)');
  }
  const allowed: { urn: string; op: string }[] = [];
  const stopped: StoppedChange[] = [];
  const seen = new Set<string>();
  for (const step of steps as PreviewStep[]) {
    if (typeof step?.op !== 'string' || typeof step.urn !== 'string') throw new Error('a preview step without "op" and "urn"');
    const operation: Operation | undefined = OPERATIONS[step.op];
    if (operation === 'none') continue;
    const parsed = parseUrn(step.urn);
    const type = step.newState?.type ?? step.oldState?.type ?? parsed.type;
    const properties = operation === 'update' ? changedProperties(step) : [];
    // A replacement shows as up to three steps (create-replacement, replace, delete-replaced): report it once.
    const key = `${step.urn}|${operation ?? step.op}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const rule = operation === undefined ? always('not-allowed')
      : isEngineOnly(type) ? () => undefined
        : STEP_RULES[type]?.(step) ?? RULES[type] ?? always('not-allowed');
    const reason = rule(operation ?? 'none', properties, parsed.name);
    if (reason) stopped.push({ reason, urn: step.urn, type, name: parsed.name, op: step.op, properties });
    else allowed.push({ urn: step.urn, op: step.op });
  }
  return { allowed, stopped };
}

export interface StopMessageContext {
  /** `<organization>/<project>/<stack>`. */
  readonly stack: string;
  readonly pipeline?: string;
}

/**
 * The message of a stopped update, for the build log and the notification
 * topic: each resource with what makes it a person's change, and what to run.
 */
export function stopMessage(stopped: readonly StoppedChange[], context: StopMessageContext): string {
  const stackName = context.stack.split('/').pop();
  const lines = [
    `The self-update of ${context.stack}${context.pipeline ? ` (pipeline ${context.pipeline})` : ''} stopped before changing anything: ` +
      'this commit changes what only a person may change.',
    '',
  ];
  for (const reason of Object.keys(STOP_REASONS) as StopReason[]) {
    const changes = stopped.filter(change => change.reason === reason);
    if (changes.length === 0) continue;
    lines.push(`${STOP_REASONS[reason]}:`);
    for (const change of changes) {
      const what = change.properties.length > 0 ? `${change.op} of ${change.properties.join(', ')}` : change.op;
      lines.push(`  - ${change.type} "${change.name}" (${what})`);
    }
  }
  lines.push(
    '',
    `Run \`npx projen deploy\` as a person, on a checkout of this commit with stack ${stackName} selected ` +
      `(pulumi stack select ${stackName}), with rights to make these changes; then release the change in the pipeline again.`,
    'Why: the pipeline\'s update role may not create roles, change trust, resource or boundary policies, its own policies, ' +
      'drop a manual approval, add tag keys to roles, or delete or replace stateful data, so that a commit cannot give itself more than a person approved. ' +
      'Nothing was applied; until a person deploys it, every execution stops at this stage.',
  );
  return lines.join('\n');
}
