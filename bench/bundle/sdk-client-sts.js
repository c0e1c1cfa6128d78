// bench/bundle/sdk-client-sts.js — bundle-size entry for AWS SDK v3 with @aws-sdk/client-sts AssumeRoleCommand by hand + json-p3 + mustache: the same flow as ours.js.
import { BedrockRuntimeClient, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { STSClient, AssumeRoleCommand } from '@aws-sdk/client-sts';
import { mapAnswer, renderBody } from './peer-parts.js';

export async function main(cfg) {
  const body = renderBody(cfg);
  const sts = new STSClient({ region: cfg.region, endpoint: cfg.endpoint, credentials: cfg.credentials });
  const { Credentials: c } = await sts.send(new AssumeRoleCommand({ RoleArn: cfg.roleArn, ExternalId: cfg.externalId, RoleSessionName: 'app' }));
  const client = new BedrockRuntimeClient({
    region: cfg.region,
    endpoint: cfg.endpoint,
    credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration },
  });
  const res = await client.send(new InvokeModelCommand({ modelId: cfg.modelId, body, contentType: 'application/json', accept: 'application/json' }));
  const data = JSON.parse(new TextDecoder().decode(res.body));
  return mapAnswer(data);
}
