import * as codeconnections from '@pulumi/aws/codeconnections';
import * as codestarconnections from '@pulumi/aws/codestarconnections';
import * as pulumi from '@pulumi/pulumi';
import { Scope, namesOf } from '../scope';
import { PipelineSettings } from '../settings';

/**
 * The stack's connection as AWS reports it before this deployment. `status`
 * is undefined when the program has not created its connection yet.
 */
export interface ConnectionLookup {
  readonly status?: string;
}

/**
 * Looks the connection up before any resource is registered: the configured
 * `connectionArn`, or the connection this program creates, by its name (a
 * connection name is unique in the account and region).
 */
export async function lookUpConnection(settings: PipelineSettings, environment: string): Promise<ConnectionLookup> {
  if (settings.source.connectionArn) {
    const existing = await codestarconnections.getConnection({ arn: settings.source.connectionArn });
    return { status: existing.connectionStatus };
  }
  const name = namesOf(settings, environment).connection;
  try {
    return { status: (await codestarconnections.getConnection({ name })).connectionStatus };
  } catch (error) {
    if (isNotFound(error, name)) return {};
    throw error;
  }
}

/** The AWS provider's answer when no connection has that name; anything else is a real error. */
function isNotFound(error: unknown, name: string): boolean {
  const { message, details } = (error ?? {}) as { message?: string; details?: string };
  return `${message ?? ''} ${details ?? ''}`.includes(`Connection (${name}): not found`);
}

/**
 * Whether the pipeline may exist yet. A connection is created PENDING and
 * "must be completed (moved to available) before it can be used"; one in
 * ERROR "is retried automatically" ("Workflow to create or update
 * connections", https://docs.aws.amazon.com/dtconsole/latest/userguide/welcome-connections-workflow.html).
 * A pipeline created on a PENDING connection starts its first run at once and
 * fails at Source, and may never see pushes even after the handshake; so it
 * waits for AVAILABLE. ERROR is transient and only occurs after authorization:
 * it keeps an existing pipeline rather than deleting it.
 */
export function connectionAuthorized(connection: ConnectionLookup): boolean {
  return connection.status !== undefined && connection.status !== 'PENDING';
}

/** The GitHub connection the source action and the push trigger use. */
export interface GithubSource {
  readonly connectionArn: pulumi.Output<string>;
  /** PENDING until someone authorizes a new connection once in the AWS console. */
  readonly connectionStatus: pulumi.Output<string>;
  /** `UseConnection` with the service prefix of the connection's own ARN (IAM matches the prefix). */
  readonly useConnectionAction: pulumi.Output<string>;
}

/** An existing connection (`connectionArn`), or a new one to GitHub through CodeConnections. */
export function githubSource(scope: Scope, source: PipelineSettings['source'], lookup: ConnectionLookup): GithubSource {
  let connectionArn: pulumi.Output<string>;
  let connectionStatus: pulumi.Output<string>;
  if (source.connectionArn) {
    connectionArn = pulumi.output(source.connectionArn);
    connectionStatus = pulumi.output(lookup.status ?? 'UNKNOWN');
  } else {
    const connection = new codeconnections.Connection('github', {
      name: scope.names.connection,
      providerType: 'GitHub',
      tags: scope.tags,
    }, { parent: scope.parent });
    connectionArn = connection.arn;
    // The looked-up status is current; the resource's own output changes only on `pulumi refresh`.
    connectionStatus = lookup.status === undefined ? connection.connectionStatus : pulumi.output(lookup.status);
  }
  const useConnectionAction = connectionArn.apply(arn => `${arn.split(':')[2]}:UseConnection`);
  return { connectionArn, connectionStatus, useConnectionAction };
}
