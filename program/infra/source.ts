import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { Scope } from './scope';
import { PipelineSettings } from './settings';

/** The GitHub connection the source action and the push trigger use. */
export interface GithubSource {
  readonly connectionArn: pulumi.Output<string>;
  /** PENDING until someone authorizes a new connection once in the AWS console. */
  readonly connectionStatus: pulumi.Output<string>;
  /** `UseConnection` with the service prefix of the connection's own ARN (IAM matches the prefix). */
  readonly useConnectionAction: pulumi.Output<string>;
}

/** An existing connection (`connectionArn`), or a new one to GitHub through CodeConnections. */
export function githubSource(scope: Scope, source: PipelineSettings['source']): GithubSource {
  const parent = { parent: scope.parent };
  let connectionArn: pulumi.Output<string>;
  let connectionStatus: pulumi.Output<string>;
  if (source.connectionArn) {
    connectionArn = pulumi.output(source.connectionArn);
    connectionStatus = aws.codestarconnections.getConnectionOutput({ arn: source.connectionArn }, parent).connectionStatus;
  } else {
    const connection = new aws.codeconnections.Connection('github', {
      name: scope.names.connection,
      providerType: 'GitHub',
      tags: scope.tags,
    }, parent);
    connectionArn = connection.arn;
    connectionStatus = connection.connectionStatus;
  }
  const useConnectionAction = connectionArn.apply(arn => `${arn.split(':')[2]}:UseConnection`);
  return { connectionArn, connectionStatus, useConnectionAction };
}
