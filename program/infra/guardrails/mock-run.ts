import * as fs from 'fs';
import * as path from 'path';
import * as pulumi from '@pulumi/pulumi';
import { pipelineForStack } from '../pipeline';
import { PipelineSettings } from '../settings';

/** What the mocked Pulumi engine received for one resource. */
export interface RegisteredResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>;
  /** URNs this resource was registered as depending on (explicit `dependsOn` and inferred). */
  readonly dependencies: string[];
  /** Whether `pulumi destroy` leaves the resource in AWS (the `retainOnDelete` option). */
  readonly retainOnDelete: boolean;
  /** What a component registered with `registerOutputs` (empty for other resources). */
  readonly outputs: Record<string, any>;
}

/** The GitHub connection as the mocked AWS reports it: a status, or `absent` (not created yet). */
export type MockConnection = 'AVAILABLE' | 'PENDING' | 'ERROR' | 'absent' | 'unreadable';

export interface MockRunOptions {
  /** @default 'AVAILABLE' */
  readonly connection?: MockConnection;
  /**
   * The stack's name.
   * @default - the environment with self-update (whose stack is named after it), MOCK_STACK otherwise
   */
  readonly stack?: string;
  /**
   * The region `aws.getRegion` reports (ARNs of mocked resources stay in MOCK_REGION).
   * @default MOCK_REGION
   */
  readonly region?: string;
  /**
   * The partition `aws.getPartition` reports (ARNs of mocked resources stay in `aws`).
   * @default 'aws'
   */
  readonly partition?: string;
  /** How the mocked AWS reports the platform's shared key and bucket (shared-resources.ts). @default - an enabled customer-managed key, a bucket in MOCK_REGION */
  readonly platform?: MockPlatform;
}

/** The platform's shared resources as the mocked AWS reports them. */
export interface MockPlatform {
  readonly keyState?: string;
  readonly keyManager?: 'CUSTOMER' | 'AWS';
  readonly bucketRegion?: string;
}

/** The key an alias ARN resolves to under the mocks (in the alias's account and region). */
export const MOCK_SHARED_KEY_ID = '9f8e7d6c-1111-4222-8333-abcdefabcdef';

export const MOCK_ACCOUNT = '123456789012';
/** The suffix and version the mocked AWS gives a signing profile. */
export const MOCK_SIGNING_PROFILE_SUFFIX = '20261202041810123400000001';
export const MOCK_SIGNING_PROFILE_VERSION = 'Vx7wQp2sLm';
export const MOCK_REGION = 'eu-west-1';
export const MOCK_STACK = 'guardrails';
/** The organization an S3 (DIY) backend reports: always `organization`. */
export const MOCK_ORGANIZATION = 'organization';

/**
 * Runs the real program under `pulumi.runtime.setMocks` and returns every
 * resource the engine was asked to register, in registration order.
 */
export async function runUnderMocks(settings: PipelineSettings, environment: string, options: MockRunOptions = {}): Promise<RegisteredResource[]> {
  const connection = options.connection ?? 'AVAILABLE';
  const byUrn = new Map<string, { type: string; name: string; dependencies: string[]; retainOnDelete: boolean }>();
  const inputsByKey = new Map<string, Record<string, any>>();
  const outputsByUrn = new Map<string, Record<string, any>>();
  await pulumi.runtime.setMocks({
    newResource(args) {
      inputsByKey.set(`${args.type}::${args.name}`, args.inputs);
      return { id: `${args.name}-id`, state: { ...args.inputs, ...mockOutputs(args.type, args.name, args.inputs) } };
    },
    call(args) {
      return mockCall(args.token, args.inputs, connection, options.region ?? MOCK_REGION, options.platform ?? {}, options.partition ?? 'aws');
    },
  }, settings.pulumiProject, options.stack ?? (settings.selfUpdate ? environment : MOCK_STACK), false, MOCK_ORGANIZATION);

  // Record the dependencies the SDK sends with each registration.
  const monitor = pulumi.runtime.getMonitor() as any;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: any) => {
    const wrapped = (err: any, res: any) => {
      if (!err && res) {
        byUrn.set(res.getUrn(), {
          type: req.getType(), name: req.getName(), dependencies: req.getDependenciesList(), retainOnDelete: req.getRetainondelete() === true,
        });
      }
      callback(err, res);
    };
    return register(req, wrapped);
  };
  const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req: any, callback: any) => {
    outputsByUrn.set(req.getUrn(), req.getOutputs()?.toJavaScript() ?? {});
    return registerOutputs(req, callback);
  };

  // The SDK reads `new Error().stack` for every promise it tracks (four per output property of every
  // resource, runtime/debuggable.js) and every resource it registers (Resource.callsites), thousands per
  // run. Under jest each read went through jest's source-mapping formatter (three quarters of the mocked
  // runs' CPU time in a profile) and captured up to jest's 100 frames (jest-runner sets
  // `Error.stackTraceLimit = 100`). During the runs: V8's plain frames, which are all the SDK parses; Node's
  // default of 10 frames, as under `pulumi up` (Resource.callsites lifts the limit itself for what it
  // parses); and no text for the tracked promises' stacks, which the SDK prints only with
  // PULUMI_DEBUG_PROMISE_LEAKS (promiseDebugString). With selfUpdate and two stages, the two mocked runs
  // took 0.75 s -> 0.43 s (medians, timed around them). jest's formatter and limit are back for whatever the test reports.
  const jestFormatter = Error.prepareStackTrace;
  const jestLimit = Error.stackTraceLimit;
  Error.prepareStackTrace = plainStack;
  Error.stackTraceLimit = NODE_STACK_TRACE_LIMIT;
  try {
    await pipelineForStack(settings, environment);
    await pulumi.runtime.disconnect();
  } finally {
    Error.prepareStackTrace = jestFormatter;
    Error.stackTraceLimit = jestLimit;
  }

  return [...byUrn.entries()].map(([urn, r]) => ({
    urn,
    type: r.type,
    name: r.name,
    inputs: inputsByKey.get(`${r.type}::${r.name}`) ?? {},
    dependencies: r.dependencies,
    retainOnDelete: r.retainOnDelete,
    outputs: outputsByUrn.get(urn) ?? {},
  }));
}

/** Node's own `Error.stackTraceLimit` (jest raises it to 100). */
const NODE_STACK_TRACE_LIMIT = 10;

/** Whether a stack is the one the SDK keeps beside each promise it tracks, read only to report a leak with PULUMI_DEBUG_PROMISE_LEAKS. */
const isTrackedPromiseStack = (frames: NodeJS.CallSite[]) => frames[0]?.getFunctionName() === 'debuggablePromise'
  && /[\\/]runtime[\\/]debuggable\.js$/.test(frames[0].getFileName() ?? '') && !process.env.PULUMI_DEBUG_PROMISE_LEAKS;

/** A stack in V8's own format (`Error: message` then `    at <frame>` lines), without source maps; empty for a tracked promise's. */
function plainStack(error: Error, frames: NodeJS.CallSite[]): string {
  if (isTrackedPromiseStack(frames)) return '';
  return `${error}${frames.map(frame => `\n    at ${frame}`).join('')}`;
}

function mockOutputs(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
  const service = type.split(':')[1].split('/')[0];
  const physical = inputs.name ?? inputs.bucket ?? name;
  switch (type) {
    case 'aws:codeconnections/connection:Connection':
      return {
        arn: `arn:aws:codeconnections:${MOCK_REGION}:${MOCK_ACCOUNT}:connection/0b3e5a8e-1111-4222-8333-944455556666`,
        connectionStatus: 'PENDING',
      };
    case 'aws:ecr/repository:Repository':
      return {
        arn: `arn:aws:ecr:${MOCK_REGION}:${MOCK_ACCOUNT}:repository/${physical}`,
        repositoryUrl: `${MOCK_ACCOUNT}.dkr.ecr.${MOCK_REGION}.amazonaws.com/${physical}`,
      };
    // ARNs in the shape AWS gives them, so that checks on policies see real resource ARNs.
    case 'aws:cloudwatch/eventRule:EventRule':
      return { arn: `arn:aws:events:${MOCK_REGION}:${MOCK_ACCOUNT}:rule/${physical}` };
    case 'aws:cloudwatch/logGroup:LogGroup':
      return { arn: `arn:aws:logs:${MOCK_REGION}:${MOCK_ACCOUNT}:log-group:${physical}` };
    case 'aws:sns/topic:Topic':
      return { arn: `arn:aws:sns:${MOCK_REGION}:${MOCK_ACCOUNT}:${physical}` };
    case 'aws:kms/key:Key':
      return { arn: `arn:aws:kms:${MOCK_REGION}:${MOCK_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab` };
    case 'aws:codebuild/project:Project':
      return { arn: `arn:aws:codebuild:${MOCK_REGION}:${MOCK_ACCOUNT}:project/${physical}` };
    case 'aws:s3/bucket:Bucket':
      return { arn: `arn:aws:s3:::${physical}`, bucket: physical };
    case 'aws:signer/signingProfile:SigningProfile': {
      // The provider completes `namePrefix` with a unique 26-character suffix; a profile's version ARN is `<arn>/<version>`.
      const profile = inputs.name ?? `${inputs.namePrefix}${MOCK_SIGNING_PROFILE_SUFFIX}`;
      const arn = `arn:aws:signer:${MOCK_REGION}:${MOCK_ACCOUNT}:/signing-profiles/${profile}`;
      return { arn, name: profile, version: MOCK_SIGNING_PROFILE_VERSION, versionArn: `${arn}/${MOCK_SIGNING_PROFILE_VERSION}`, status: 'Active' };
    }
    case 'aws:iam/role:Role':
    case 'aws:iam/policy:Policy':
      return { arn: `arn:aws:iam::${MOCK_ACCOUNT}:${type.endsWith('Role') ? 'role' : 'policy'}/${physical}` };
    default:
      return { arn: `arn:aws:${service}:${MOCK_REGION}:${MOCK_ACCOUNT}:${physical}` };
  }
}

function mockCall(
  token: string, inputs: Record<string, any>, connection: MockConnection, region: string, platform: MockPlatform, partition: string,
): Record<string, any> {
  switch (token) {
    case 'aws:kms/getKey:getKey': {
      // DescribeKey resolves an alias ARN to its key's ARN.
      const [, keyPartition, , keyRegion, account] = String(inputs.keyId).split(':');
      const arn = /:key\//.test(inputs.keyId) ? inputs.keyId : `arn:${keyPartition}:kms:${keyRegion}:${account}:key/${MOCK_SHARED_KEY_ID}`;
      const keyState = platform.keyState ?? 'Enabled';
      return {
        arn,
        id: arn,
        keyId: arn.split('/').pop(),
        enabled: keyState === 'Enabled',
        keyState,
        keyManager: platform.keyManager ?? 'CUSTOMER',
        keyUsage: 'ENCRYPT_DECRYPT',
        keySpec: 'SYMMETRIC_DEFAULT',
        awsAccountId: account,
        region: keyRegion,
      };
    }
    case 'aws:s3/getBucket:getBucket':
      return { arn: `arn:aws:s3:::${inputs.bucket}`, bucket: inputs.bucket, id: inputs.bucket, bucketRegion: platform.bucketRegion ?? MOCK_REGION, region: MOCK_REGION };
    case 'aws:index/getCallerIdentity:getCallerIdentity':
      return { accountId: MOCK_ACCOUNT, arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/ci`, userId: 'AIDA0000', id: MOCK_ACCOUNT };
    case 'aws:index/getRegion:getRegion':
      return { region, id: region, endpoint: `ec2.${region}.amazonaws.com`, description: region === MOCK_REGION ? 'Europe (Ireland)' : region };
    case 'aws:index/getPartition:getPartition':
      return { partition, dnsSuffix: 'amazonaws.com', id: partition, reverseDnsPrefix: 'com.amazonaws' };
    case 'aws:codestarconnections/getConnection:getConnection': {
      if (connection === 'absent' && inputs.arn === undefined) {
        // The provider's message when no connection has the name (terraform-provider-aws, connection_data_source.go),
        // as the engine reports a failed invoke: a gRPC error whose `details` the SDK rethrows.
        throw engineError(`invoking aws:codestarconnections/getConnection:getConnection: CodeStar Connections Connection (${inputs.name}): not found`);
      }
      if (connection === 'unreadable') {
        throw engineError('invoking aws:codestarconnections/getConnection:getConnection: AccessDeniedException: not authorized to perform codestar-connections:ListConnections');
      }
      const arn = inputs.arn ?? `arn:aws:codeconnections:${MOCK_REGION}:${MOCK_ACCOUNT}:connection/0b3e5a8e-1111-4222-8333-944455556666`;
      const status = connection === 'absent' ? 'AVAILABLE' : connection;
      return { arn, connectionStatus: status, providerType: 'GitHub', id: arn, name: inputs.name ?? 'existing', hostArn: '', tags: {} };
    }
    default:
      throw new Error(`The program called ${token}, which the guardrail mocks do not know: add it to mock-run.ts.`);
  }
}

function engineError(details: string): Error {
  return Object.assign(new Error(details), { details });
}

/**
 * Whether a resource type accepts `tags`, read from the installed
 * @pulumi/aws typings (its `<Type>Args` interface), not from a hand-kept list.
 */
export function isTaggable(type: string): boolean {
  const match = /^aws:([a-zA-Z0-9]+)\/([a-zA-Z0-9]+):([A-Za-z0-9]+)$/.exec(type);
  if (!match) return false;
  const [, module, file, className] = match;
  const root = path.dirname(require.resolve('@pulumi/aws/package.json'));
  const typings = path.join(root, module === 'index' ? '' : module, `${file}.d.ts`);
  const text = fs.readFileSync(typings, 'utf-8');
  const start = text.indexOf(`export interface ${className}Args {`);
  if (start < 0) throw new Error(`${typings} has no ${className}Args interface`);
  const body = text.slice(start, text.indexOf('\n}', start));
  return /\n\s+tags\?: /.test(body);
}
