/** Guardrails of the roles and their grants (parts/roles.ts and every part's statements). */
import { actionsOf, allows, artifactObjectsOf, asList, bucketArnOf, buildProjectOf, grantsOf, GuardrailPart, isBoundary, one, sourceActionOf, statementsOf, TYPES } from './kit';
import { MOCK_ACCOUNT, MOCK_REGION } from './mock-run';

/**
 * Actions that AWS authorizes on `"*"` only (the Service Authorization Reference lists no resource type
 * for them): pushing images needs a registry token, reading a log group or a subscription, the scan gate's
 * `inspector-scan:ScanSbom` ("Actions, resources, and condition keys for Amazon InspectorScan"), and creating
 * the signing profile, which the self-update may do (`signer:PutSigningProfile`, "... for AWS Signer").
 */
const ONLY_ON_ANY_RESOURCE = [
  'ecr:GetAuthorizationToken', 'logs:DescribeLogGroups', 'sns:GetSubscriptionAttributes', 'inspector-scan:ScanSbom', 'signer:PutSigningProfile',
];

/** IAM's limit for a managed policy, whitespace aside ("IAM and AWS STS quotas"). */
const MANAGED_POLICY_MAX = 6144;

export const PERMISSIONS: GuardrailPart = {
  part: 'permissions',
  checks: {
    'the pipeline role has AWS\'s minimum S3 permissions for CodePipeline, on the artifact bucket only': ({ resources, settings }) => {
      const bucketArn = bucketArnOf(resources);
      const statements = statementsOf(one(resources, TYPES.policy, 'pipeline-policy'));
      for (const action of ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:PutObjectAcl']) {
        expect({ action, allowed: allows(statements, action, artifactObjectsOf(resources, settings)) }).toEqual({ action, allowed: true });
      }
      for (const action of ['s3:GetBucketVersioning', 's3:GetBucketAcl', 's3:GetBucketLocation']) {
        expect({ action, allowed: allows(statements, action, bucketArn) }).toEqual({ action, allowed: true });
      }
    },
    'the build role has AWS\'s minimum S3 and log permissions for CodeBuild, on this stack\'s bucket and log group only': ({ resources, settings }) => {
      const bucketArn = bucketArnOf(resources);
      const statements = statementsOf(one(resources, TYPES.policy, 'build-policy'));
      for (const action of ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject']) {
        expect({ action, allowed: allows(statements, action, artifactObjectsOf(resources, settings)) }).toEqual({ action, allowed: true });
      }
      for (const action of ['s3:GetBucketAcl', 's3:GetBucketLocation']) {
        expect({ action, allowed: allows(statements, action, bucketArn) }).toEqual({ action, allowed: true });
      }
      const logs = statements.find(st => asList(st.Action).includes('logs:PutLogEvents'))!;
      expect(asList(logs.Action)).toEqual(expect.arrayContaining(['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents']));
      const logGroup = one(resources, TYPES.logGroup, 'build-logs').inputs.name;
      for (const resource of asList(logs.Resource)) expect(resource).toContain(`:log-group:${logGroup}`);
    },
    'the pipeline role may use the connection, under the service prefix of its ARN': ({ resources }) => {
      const statements = statementsOf(one(resources, TYPES.policy, 'pipeline-policy'));
      const connectionArn = sourceActionOf(resources).configuration.ConnectionArn;
      expect(allows(statements, `${connectionArn.split(':')[2]}:UseConnection`, connectionArn)).toBe(true);
    },
    // The build, deploy and update projects; not the drift check's, which its schedule starts.
    'the pipeline role may start and watch only the projects its CodeBuild actions run, each once': ({ resources }) => {
      const policy = one(resources, TYPES.policy, 'pipeline-policy');
      const run = actionsOf(resources).filter(a => a.provider === 'CodeBuild').map(a => a.configuration.ProjectName);
      expect(run).toContain(buildProjectOf(resources).inputs.name);
      const projects = run.map(name => `arn:aws:codebuild:${MOCK_REGION}:${MOCK_ACCOUNT}:project/${name}`).sort();
      for (const action of ['codebuild:StartBuild', 'codebuild:BatchGetBuilds']) {
        expect({ action, projects: grantsOf(policy, action).sort() }).toEqual({ action, projects });
      }
    },
    'no IAM statement allows a "*" resource, except for the actions AWS authorizes on "*" only': ({ resources }) => {
      const policies = resources.filter(r => r.type === TYPES.policy);
      expect(policies.length).toBeGreaterThanOrEqual(2);
      for (const policy of policies) {
        for (const statement of statementsOf(policy).filter(st => st.Effect === 'Allow')) {
          const wildcard = asList(statement.Resource).some((r: string) => r === '*' || /^arn:[^:]*:[^:]*:[^:]*:[^:]*:\*$/.test(r));
          if (wildcard) {
            const others = asList(statement.Action).filter((action: string) => !ONLY_ON_ANY_RESOURCE.includes(action));
            expect({ policy: policy.name, others }).toEqual({ policy: policy.name, others: [] });
          }
        }
      }
    },
    'no IAM statement allows every action of a service (a permissions boundary, which grants nothing, aside)': ({ resources }) => {
      for (const policy of resources.filter(r => r.type === TYPES.policy && !isBoundary(resources, r))) {
        for (const statement of statementsOf(policy)) {
          expect({ policy: policy.name, wildcard: asList(statement.Action).filter((a: string) => a === '*' || a.endsWith(':*')) })
            .toEqual({ policy: policy.name, wildcard: [] });
        }
      }
    },
    'every role is assumed by exactly one service, from this account only': ({ resources }) => {
      const roles = resources.filter(r => r.type === TYPES.role);
      expect(roles.length).toBeGreaterThanOrEqual(2);
      for (const role of roles) {
        const [trust] = JSON.parse(role.inputs.assumeRolePolicy).Statement;
        expect(Object.keys(trust.Principal)).toEqual(['Service']);
        expect(trust.Condition.StringEquals['aws:SourceAccount']).toBe(MOCK_ACCOUNT);
      }
    },
    'every IAM policy fits IAM\'s 6,144 characters, even in the longest partition and region': ({ resources }) => {
      for (const policy of resources.filter(r => r.type === TYPES.policy)) {
        const compact = JSON.stringify(JSON.parse(policy.inputs.policy)).split('arn:aws:').join('arn:aws-us-gov:').split(MOCK_REGION).join('ap-southeast-5');
        expect({ policy: policy.name, fits: compact.length <= MANAGED_POLICY_MAX, length: compact.length })
          .toEqual({ policy: policy.name, fits: true, length: compact.length });
      }
    },
  },
};
