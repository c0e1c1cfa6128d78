// bench/bundle/sdk-client-sts.js — bundle-size entry for AWS SDK v3 with @aws-sdk/client-sts AssumeRoleCommand by hand + json-p3 + mustache: the same flow as ours.js.
import { BedrockRuntimeClient, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { STSClient, AssumeRoleCommand } from '@aws-sdk/client-sts';
import { jsonpath } from 'json-p3';
import Mustache from 'mustache';

Mustache.escape = (v) => JSON.stringify(String(v)).slice(1, -1);

export async function main(cfg) {
  const body = new TextEncoder().encode(Mustache.render(cfg.template, cfg.vars));
  const sts = new STSClient({ region: cfg.region, endpoint: cfg.endpoint, credentials: cfg.credentials });
  const { Credentials: c } = await sts.send(new AssumeRoleCommand({ RoleArn: cfg.roleArn, ExternalId: cfg.externalId, RoleSessionName: 'app' }));
  const client = new BedrockRuntimeClient({
    region: cfg.region,
    endpoint: cfg.endpoint,
    credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration },
  });
  const res = await client.send(new InvokeModelCommand({ modelId: cfg.modelId, body, contentType: 'application/json', accept: 'application/json' }));
  const data = JSON.parse(new TextDecoder().decode(res.body));
  return {
    outputText: jsonpath.compile("$.content[?@.type=='text'].text").query(data).values().join(''),
    inputTokens: jsonpath.compile('$.usage.input_tokens').query(data).values()[0],
    outputTokens: jsonpath.compile('$.usage.output_tokens').query(data).values()[0],
  };
}
