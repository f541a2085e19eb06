/** The self-update guardrails' shared helpers: what "this stack's" means for a grant, and the lookups of its roles and boundaries. */
import { Check, GuardrailRun, TYPES, asList, one, statementsOf } from './kit';
import { MOCK_ACCOUNT, MOCK_ORGANIZATION, MOCK_REGION, RegisteredResource } from './mock-run';
import { artifactFolder } from '../features/shared-resources/shared-resources';
import { PipelineSettings, SelfUpdateSettings, resourceNames, selfUpdateStackName, stageResourceNames } from '../settings';

export type Statement = Record<string, any>;

/**
 * What the update role may never do (issue 17): create a role, change a trust
 * policy, a boundary or a resource policy, add inline or attached grants,
 * create a KMS grant, delete stateful resources, cancel or revoke signing. Kept here, apart from the
 * program's own list (boundary.ts), so that a change there shows here.
 */
export const UPDATE_ROLE_NEVER_ACTIONS = [
  'iam:CreateRole', 'iam:UpdateAssumeRolePolicy', 'iam:PutRolePermissionsBoundary', 'iam:DeleteRolePermissionsBoundary', 'iam:PutRolePolicy',
  'iam:AttachRolePolicy', 'kms:PutKeyPolicy', 'kms:CreateGrant', 's3:PutBucketPolicy', 's3:DeleteBucketPolicy', 'sns:SetTopicAttributes',
  'ecr:SetRepositoryPolicy', 'kms:ScheduleKeyDeletion', 's3:DeleteBucket', 'ecr:DeleteRepository', 'logs:DeleteLogGroup',
  // The signing profile: cancelled, revoked or shared with another account (issue 18).
  'signer:CancelSigningProfile', 'signer:RevokeSignature', 'signer:RevokeSigningProfile', 'signer:AddProfilePermission', 'signer:RemoveProfilePermission',
];
/** Changes to a managed policy: none may reach the boundary. */
export const POLICY_CHANGES = [
  'iam:CreatePolicyVersion', 'iam:DeletePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:DeletePolicy', 'iam:TagPolicy', 'iam:UntagPolicy',
];
/** Actions AWS authorizes on `"*"` only, which reading the stack needs. */
export const ONLY_ON_ANY_RESOURCE = ['logs:DescribeLogGroups', 'sns:GetSubscriptionAttributes', 'inspector-scan:ScanSbom', 'signer:PutSigningProfile'];
/** What the read-only drift check may do besides Get, List and Describe. */
export const DRIFT_NON_READS = ['logs:CreateLogStream', 'logs:PutLogEvents', 'kms:Decrypt', 'codestar-connections:UseConnection',
  'codeconnections:UseConnection', 'codestar-connections:GetConnectionToken', 'codeconnections:GetConnectionToken'];
export const READ_VERB = /^[a-z0-9-]+:(Get|List|Describe|BatchGet)/;

/** Whether an IAM pattern (with `*` and `?`: an action or a resource) matches `action`; each pattern compiled once (the checks stay fast). */
export const compiled = new Map<string, RegExp>();
export const actionMatches = (pattern: string, action: string) => {
  let regex = compiled.get(pattern);
  if (!regex) {
    regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
    compiled.set(pattern, regex);
  }
  return regex.test(action);
};

/** Every name this stack's resources have in AWS (in the mocked account). */
export const physicalNames = (settings: PipelineSettings, environment: string) => [
  ...Object.values(resourceNames(settings, environment, MOCK_ACCOUNT)),
  // The update role's third policy (stack-arns.ts).
  `${resourceNames(settings, environment, MOCK_ACCOUNT).updatePipelinePolicy}-projects`,
  ...settings.stages.flatMap(stage => Object.values(stageResourceNames(stage, environment))),
];
/** The secrets and target roles the build and deploy stages are configured with (their ARNs, as given). */
export const configuredArns = (settings: PipelineSettings) => [
  ...settings.build.secrets,
  ...settings.stages.flatMap(stage => [...stage.secrets, ...(stage.assumeRoleArn ? [stage.assumeRoleArn] : [])]),
];

/** The state files, secrets key and token the backend gives the stack (settings, not the program, say which). */
export function stateScope(su: SelfUpdateSettings, settings: PipelineSettings, environment: string) {
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
export function withinStack(run: GuardrailRun, statement: Statement, resource: string, pipelinePatterns = false): boolean {
  const { resources, settings, environment } = run;
  const su = settings.selfUpdate!;
  const actions = asList(statement.Action) as string[];
  if (resource === '*') return actions.every(action => ONLY_ON_ANY_RESOURCE.includes(action) || action === 'ecr:GetAuthorizationToken');
  // With signing: the stack's signing profiles by their rendered prefix (features/supply-chain/signing.ts), and the signing
  // jobs whose revocation a deploy stage's verification reads (GetRevocationStatus takes a job and a profile).
  const { signingProfilePrefix } = resourceNames(settings, environment, MOCK_ACCOUNT);
  if (settings.supplyChain?.signing && resource === `arn:aws:signer:${MOCK_REGION}:${MOCK_ACCOUNT}:/signing-profiles/${signingProfilePrefix}*`) return true;
  if (/^arn:aws:signer:[a-z0-9-]+:\d{12}:\/signing-jobs\/\*$/.test(resource)) return actions.every(action => action === 'signer:GetRevocationStatus');
  if (/^arn:aws:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection\/\*$/.test(resource)) {
    return actions.every(action => /:ListConnections$/.test(action));
  }
  const pipeline = one(resources, TYPES.pipeline).inputs;
  // The pipeline's key, as the artifact store names it.
  if (resource === pipeline.artifactStores[0].encryptionKey.id) return true;
  const connection = pipeline.stages[0].actions[0].configuration.ConnectionArn as string;
  const [, , , ...rest] = connection.split(':');
  if (['codeconnections', 'codestar-connections'].some(service => resource === ['arn', 'aws', service, ...rest].join(':'))) return true;
  const state = stateScope(su, settings, environment);
  if (resource === state.bucketArn || state.isStateObject(resource) || resource === state.token) return true;
  if (state.isSecretsKey(resource, statement)) return true;
  // The platform's shared bucket: bucket-level reads on it, objects only in this pipeline's folder (shared-resources.ts).
  const sharedBucket = settings.shared?.artifactBucket && `arn:aws:s3:::${settings.shared.artifactBucket}`;
  if (sharedBucket && resource === `${sharedBucket}/${artifactFolder(pipeline.name)}/*`) return true;
  // On the bucket itself, nothing that changes its settings, policy or existence (a ceiling's other actions cannot apply to it).
  if (sharedBucket && resource === sharedBucket) {
    return !actions.some(action => /^s3:(\*|PutBucket|PutEncryption|PutLifecycle|PutReplication|PutAccelerate|DeleteBucket)/.test(action));
  }
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
export const roleStatements = (resources: RegisteredResource[], prefix: string): Statement[] =>
  resources.filter(r => r.type === TYPES.policy && [`${prefix}-policy`, `${prefix}-pipeline-policy`, `${prefix}-projects-policy`].includes(r.name))
    .flatMap(policy => statementsOf(policy));
export const allows = (statements: Statement[]) => statements.filter(s => s.Effect === 'Allow');
/** The statements of the boundary of a role, by the role's logical prefix. */
export const boundaryOf = (resources: RegisteredResource[], prefix: string): Statement[] => {
  const arn = one(resources, TYPES.role, `${prefix}-role`).inputs.permissionsBoundary;
  return statementsOf(resources.find(r => r.type === TYPES.policy && `arn:aws:iam::${MOCK_ACCOUNT}:policy/${r.inputs.name}` === arn)!);
};
/** The logical prefixes of the stack's roles. */
export const roleKinds = (resources: RegisteredResource[]) =>
  resources.filter(r => r.type === TYPES.role).map(r => r.name.replace(/-role$/, ''));
export const envOf = (project: RegisteredResource) =>
  Object.fromEntries((project.inputs.environment.environmentVariables as any[]).map(v => [v.name, v]));
export const stagesOf = (resources: RegisteredResource[]): any[] => one(resources, TYPES.pipeline).inputs.stages;
/** The stack the pipeline updates, as the CLI names it: `<organization>/<project>/<stack>`. */
export const qualifiedStack = (settings: PipelineSettings, environment: string) =>
  `${MOCK_ORGANIZATION}/${settings.pulumiProject}/${selfUpdateStackName(settings.selfUpdate!, environment)}`;

/**
 * The promises of the self-update stage, the drift check, the permissions
 * boundary and the fleet view, one check each. Without `selfUpdate`, each
/** A check that holds only with `selfUpdate` (without it, other checks prove that nothing of it exists). */
export const selfUpdateOnly = (check: Check): Check => run => {
  if (run.settings.selfUpdate) check(run);
};
