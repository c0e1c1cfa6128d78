// bench/bundle/sdk-temporary-credentials.js — bundle-size entry for AWS SDK v3 (fromTemporaryCredentials) + json-p3 + mustache: the same flow as ours.js.
import { BedrockRuntimeClient, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
// The package's browser entry, named directly: its "browser" map keys lack the .js extension, so esbuild does not apply
// the map to the "module" entry (dist-es/index.js) and would pull in the Node-only providers (node:fs, node:child_process).
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers/dist-es/index.browser.js';
import { mapAnswer, renderBody } from './peer-parts.js';

export async function main(cfg) {
  const body = renderBody(cfg);
  const client = new BedrockRuntimeClient({
    region: cfg.region,
    endpoint: cfg.endpoint,
    credentials: fromTemporaryCredentials({
      params: { RoleArn: cfg.roleArn, ExternalId: cfg.externalId, RoleSessionName: 'app' },
      masterCredentials: cfg.credentials,
      clientConfig: { region: cfg.region, endpoint: cfg.endpoint },
    }),
  });
  const res = await client.send(new InvokeModelCommand({ modelId: cfg.modelId, body, contentType: 'application/json', accept: 'application/json' }));
  const data = JSON.parse(new TextDecoder().decode(res.body));
  return mapAnswer(data);
}
