/** Guardrails of the platform's shared key and bucket (features/shared-resources/). */
import type * as Guardrails from './kit';
import * as Kit from './kit';
import { MOCK_SHARED_KEY_ID, RegisteredResource, runUnderMocks } from './mock-run';
import { artifactFolder } from '../features/shared-resources/shared-resources';
import { PipelineSettings } from '../settings';

/** The kit's helpers the checks use. */
export interface GuardrailKit {
  readonly one: typeof Guardrails.one;
  readonly statementsOf: typeof Guardrails.statementsOf;
  readonly asList: typeof Guardrails.asList;
  readonly TYPES: typeof Guardrails.TYPES;
}

/**
 * The promises about the stack's own artifact bucket. With a shared bucket the
 * bucket and its settings are the platform's (the README lists what the
 * pipeline expects of them), so each is checked as "the stack registers no
 * bucket resource" instead.
 */
export const OWN_BUCKET_PROMISES = [
  'the bucket has no inline configuration (deprecated in @pulumi/aws v7): each part is its own resource',
  'the bucket is versioned',
  'the bucket encrypts with KMS and a bucket key',
  'the bucket blocks all public access',
  'the bucket owner owns every object (ACLs disabled)',
  'current artifacts expire after the configured days (every run writes new keys)',
  'old artifact versions expire and incomplete uploads are aborted',
  'expired delete markers are removed, by a rule of their own (S3 rejects them beside Days)',
  'the bucket is configured one change at a time (S3 aborts concurrent ones)',
  'the bucket refuses requests without TLS',
  'the artifact bucket and its configuration outlive a long-lived environment (unless forceDestroy); an ephemeral one is emptied and deleted',
  'the pipeline waits for the bucket\'s whole configuration (versioning to TLS-only policy) before its first artifact',
];

/**
 * The promises about the stack's own key and its key policy. With a shared key
 * the key policy is the platform's (the README shows the statements it must
 * hold; test/iam-evaluation.test.ts evaluates the roles against them).
 */
export const OWN_KEY_PROMISES = [
  'the key outlives a long-lived environment, and goes 7 days after an ephemeral one',
  'no aws:SourceArn or aws:SourceAccount condition for EventBridge on the topic\'s key (SNS does not support them there)',
  'the topic\'s key lets EventBridge encrypt for this topic only (kms:EncryptionContext:aws:sns:topicArn)',
];

/** The stack's own bucket and its configuration resources. */
const bucketTypes = ({ TYPES }: GuardrailKit): string[] =>
  [TYPES.bucket, TYPES.versioning, TYPES.encryption, TYPES.publicAccess, TYPES.ownership, TYPES.lifecycle, TYPES.bucketPolicy];

/** KMS actions that change a key, its policy or who may use it: never granted on the platform's key. */
const KEY_ADMINISTRATION = /^kms:(\*|Put|Create|Delete|Disable|Enable|Schedule|Cancel|Update|Revoke|Retire|Tag|Untag|ReplicateKey|ImportKeyMaterial|Rotate)/;
/** S3 actions that change a bucket's own settings, policy or existence: never granted on the platform's bucket. */
const BUCKET_ADMINISTRATION = /^s3:(\*|PutBucket|PutEncryption|PutLifecycle|PutReplication|PutAccelerate|PutIntelligent|PutInventory|PutMetrics|PutAnalytics|DeleteBucket|CreateBucket)/;

/** The ARN the program names the shared key by: an alias ARN resolves to its key (DescribeKey under the mocks). */
export function sharedKeyArnUnderMocks(kmsKeyArn: string): string {
  if (kmsKeyArn.includes(':key/')) return kmsKeyArn;
  const [, partition, , region, account] = kmsKeyArn.split(':');
  return `arn:${partition}:kms:${region}:${account}:key/${MOCK_SHARED_KEY_ID}`;
}

/**
 * A promise a shared resource hands to the platform is checked as "the stack
 * registers none of that resource"; every other promise runs as written.
 */
export function forSharedResources(kit: GuardrailKit, promise: string, check: Guardrails.Check): Guardrails.Check {
  const { TYPES } = kit;
  return run => {
    const shared = run.settings.shared ?? {};
    if (shared.artifactBucket && OWN_BUCKET_PROMISES.includes(promise)) {
      expect(run.resources.filter(r => bucketTypes(kit).includes(r.type)).map(r => r.urn)).toEqual([]);
      return;
    }
    if (shared.kmsKeyArn && OWN_KEY_PROMISES.includes(promise)) {
      expect(run.resources.filter(r => r.type === TYPES.key).map(r => r.urn)).toEqual([]);
      return;
    }
    return check(run);
  };
}

/** Every identity policy's Allow statements (boundaries are ceilings, checked by the IAM evaluation). */
function allowStatements(kit: GuardrailKit, resources: RegisteredResource[]): Array<{ policy: string; statement: Record<string, any> }> {
  return resources.filter(r => r.type === kit.TYPES.policy && !/boundary/.test(r.name))
    .flatMap(policy => kit.statementsOf(policy).filter(s => s.Effect === 'Allow').map(statement => ({ policy: policy.name, statement })));
}

/** The shared resources' promises, one check each. */
export function sharedResourceGuardrails(kit: GuardrailKit): Record<string, Guardrails.Check> {
  const { one, asList, TYPES } = kit;
  return {
    'every encrypted resource names the pipeline\'s key: the stack\'s own, or the platform\'s shared one (and then the stack creates no key)': ({ resources, settings }) => {
      const keys = resources.filter(r => r.type === TYPES.key);
      const shared = settings.shared?.kmsKeyArn ? sharedKeyArnUnderMocks(settings.shared.kmsKeyArn) : undefined;
      expect(keys).toHaveLength(shared ? 0 : 1);
      const named = [
        ...resources.filter(r => r.type === TYPES.logGroup).map(r => ({ resource: r.name, key: r.inputs.kmsKeyId })),
        { resource: 'notifications', key: one(resources, TYPES.topic).inputs.kmsMasterKeyId },
        { resource: 'images', key: one(resources, TYPES.repository).inputs.encryptionConfigurations[0].kmsKey },
        // The projects that handle artifacts name the key; the self-update and drift projects read only the source.
        ...resources.filter(r => r.type === TYPES.project && (r.name === 'build' || r.name.startsWith('deploy-')))
          .map(r => ({ resource: r.name, key: r.inputs.encryptionKey })),
        ...resources.filter(r => r.type === TYPES.pipeline).map(r => ({ resource: r.name, key: r.inputs.artifactStores[0].encryptionKey.id })),
        ...resources.filter(r => r.type === TYPES.encryption)
          .map(r => ({ resource: r.name, key: r.inputs.rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId })),
      ];
      // The stack's own key has the ARN the mocked engine gave it; every use names the same one.
      const expected = shared ?? named[0].key;
      expect(expected).toMatch(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\//);
      for (const use of named) expect(use).toEqual({ resource: use.resource, key: expected });
    },
    'no role may change the platform\'s shared key (policy, grants, state, rotation, tags): only use it': ({ resources, settings }) => {
      if (!settings.shared?.kmsKeyArn) {
        expect(one(resources, TYPES.key).type).toBe(TYPES.key);
        return;
      }
      const keyArn = sharedKeyArnUnderMocks(settings.shared.kmsKeyArn);
      const changes = allowStatements(kit, resources)
        .filter(({ statement }) => asList(statement.Resource).some((resource: string) => resource === keyArn || resource === '*'))
        .flatMap(({ policy, statement }) => asList(statement.Action).filter((action: string) => KEY_ADMINISTRATION.test(action)).map(action => `${policy}: ${action}`));
      expect(changes).toEqual([]);
    },
    'with a shared bucket the artifact store is that bucket, and every role\'s object grants in it name only this pipeline\'s folder': ({ resources, settings }) => {
      const pipeline = one(resources, TYPES.pipeline).inputs;
      const bucket = settings.shared?.artifactBucket;
      if (!bucket) {
        expect(pipeline.artifactStores[0].location).toBe(one(resources, TYPES.bucket).inputs.bucket);
        return;
      }
      expect(pipeline.artifactStores[0].location).toBe(bucket);
      const bucketArn = `arn:aws:s3:::${bucket}`;
      const folder = `${bucketArn}/${artifactFolder(pipeline.name)}/`;
      const outside = allowStatements(kit, resources).flatMap(({ policy, statement }) => asList(statement.Resource)
        .filter((resource: string) => resource.startsWith(`${bucketArn}/`) && !resource.startsWith(folder))
        .map(resource => `${policy}: ${resource}`));
      expect(outside).toEqual([]);
      const objectGrants = allowStatements(kit, resources).filter(({ statement }) => asList(statement.Resource).includes(`${folder}*`));
      expect(objectGrants.length).toBeGreaterThanOrEqual(2);
    },
    'no role may change the platform\'s shared bucket (policy, settings, existence): only use its folder': ({ resources, settings }) => {
      const bucket = settings.shared?.artifactBucket;
      if (!bucket) {
        expect(one(resources, TYPES.bucket).inputs.bucket).toBeTruthy();
        return;
      }
      const bucketArn = `arn:aws:s3:::${bucket}`;
      const changes = allowStatements(kit, resources)
        .filter(({ statement }) => asList(statement.Resource).some((resource: string) => resource === bucketArn || resource === '*'))
        .flatMap(({ policy, statement }) => asList(statement.Action).filter((action: string) => BUCKET_ADMINISTRATION.test(action)).map(action => `${policy}: ${action}`));
      expect(changes).toEqual([]);
    },
    'switching an existing stack to the shared resources deletes only its key and bucket resources and replaces only the ECR repository (warned)': async ({ resources, settings, environment }) => {
      if (!settings.shared?.kmsKeyArn && !settings.shared?.artifactBucket) {
        // The stack owns both: a switch would take them out of it (README, "Switching an existing stack").
        expect([one(resources, TYPES.key).type, one(resources, TYPES.bucket).type]).toEqual([TYPES.key, TYPES.bucket]);
        return;
      }
      const report = await switchingReport(settings, environment);
      // What a team switching an existing stack reads before its preview shows it.
      console.warn(`Switching an existing ${environment} stack to the platform's shared resources: pulumi preview will delete ` +
        `${report.deleted.join(', ')}${report.replaced.length > 0 ? ` and replace ${report.replaced.join(', ')}` : ''}. ` +
        'See the README, "Switching an existing stack to shared resources", for the data to move first.');
      const ownKinds = [TYPES.key, ...bucketTypes(kit)];
      expect(report.deleted.filter(name => !ownKinds.some(type => name.startsWith(`${type}::`)))).toEqual([]);
      expect(report.replaced).toEqual(settings.shared.kmsKeyArn ? [`${TYPES.repository}::images`] : []);
    },
  };
}

/** What `pulumi preview` of an existing stack shows when it is switched to the platform's resources. */
export interface SwitchReport {
  /** Logical names (type::name) the switch deletes from the stack: a long-lived environment retains them in AWS. */
  readonly deleted: string[];
  /** Logical names the switch replaces: a property AWS cannot change in place differs. */
  readonly replaced: string[];
}

/**
 * Properties the switch changes that AWS cannot change in place: ECR's
 * encryption settings are fixed when a repository is created ("You can't change
 * the encryption settings of a repository once it is created", Amazon ECR
 * User Guide, Encryption at rest), so the provider replaces the repository.
 * The others it changes (log groups' kmsKeyId: AssociateKmsKey; the topic's
 * KmsMasterKeyId: SetTopicAttributes; the projects' encryptionKey and the
 * artifact store: UpdateProject and UpdatePipeline) are updates in place.
 */
const REPLACED_ON_CHANGE: Record<string, string[]> = {
  'aws:ecr/repository:Repository': ['encryptionConfigurations'],
};

/**
 * Runs the program with the stack's settings without `shared` and with it, and
 * reports what the switch deletes and replaces, so that a team switching an
 * existing stack reads it here before its `preview` shows it.
 */
export async function switchingReport(settings: PipelineSettings, environment: string): Promise<SwitchReport> {
  const { shared: _shared, ...own } = settings;
  const before = await runUnderMocks(own as PipelineSettings, environment);
  const after = await runUnderMocks(settings, environment);
  const logical = (r: RegisteredResource) => `${r.type}::${r.name}`;
  const afterByName = new Map(after.map(r => [logical(r), r]));
  return {
    deleted: before.filter(r => !afterByName.has(logical(r))).map(logical),
    replaced: before.filter(r => afterByName.has(logical(r)) && (REPLACED_ON_CHANGE[r.type] ?? [])
      .some(property => JSON.stringify(r.inputs[property]) !== JSON.stringify(afterByName.get(logical(r))!.inputs[property]))).map(logical),
  };
}

export const SHARED_RESOURCES: Kit.GuardrailPart = {
  part: 'shared key and bucket',
  checks: sharedResourceGuardrails({ one: Kit. one, statementsOf: Kit.statementsOf, asList: Kit.asList, TYPES: Kit.TYPES }),
};
