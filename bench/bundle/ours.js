// bench/bundle/ours.js — bundle-size entry for bedrock-connect: template → assume-role → invoke → mapping with a filter path.
import { BedrockClient, Template, OutputMapping } from '../../pkg/browser.js';

export async function main(cfg) {
  const body = new Template(cfg.template).renderBytes(cfg.vars);
  const client = new BedrockClient({
    region: cfg.region,
    credentials: cfg.credentials,
    assumeRole: { roleArn: cfg.roleArn, externalId: cfg.externalId, stsEndpoint: cfg.endpoint },
    endpoint: cfg.endpoint,
  });
  const res = await client.invoke({ modelId: cfg.modelId, body });
  const mapping = new OutputMapping({ outputText: "$.content[?@.type=='text'].text", inputTokens: '$.usage.input_tokens', outputTokens: '$.usage.output_tokens' });
  return mapping.apply(res.body, res.headers);
}
