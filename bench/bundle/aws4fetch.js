// bench/bundle/aws4fetch.js — bundle-size entry for aws4fetch + hand-written AssumeRole + json-p3 + mustache: the same flow as ours.js.
import { AwsClient } from 'aws4fetch';
import { jsonpath } from 'json-p3';
import Mustache from 'mustache';

Mustache.escape = (v) => JSON.stringify(String(v)).slice(1, -1);

export async function main(cfg) {
  const body = new TextEncoder().encode(Mustache.render(cfg.template, cfg.vars));
  const sts = new AwsClient({ ...cfg.credentials, service: 'sts', region: cfg.region });
  const form = new URLSearchParams({ Action: 'AssumeRole', Version: '2011-06-15', RoleArn: cfg.roleArn, RoleSessionName: 'app', ExternalId: cfg.externalId });
  const xml = await (await sts.fetch(`${cfg.endpoint}/`, { method: 'POST', body: form })).text();
  const pick = (tag) => xml.match(new RegExp(`<${tag}>([^<]*)</${tag}>`))[1];
  const aws = new AwsClient({ accessKeyId: pick('AccessKeyId'), secretAccessKey: pick('SecretAccessKey'), sessionToken: pick('SessionToken'), service: 'bedrock', region: cfg.region });
  const res = await aws.fetch(`${cfg.endpoint}/model/${encodeURIComponent(cfg.modelId)}/invoke`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body });
  const data = await res.json();
  return {
    outputText: jsonpath.compile("$.content[?@.type=='text'].text").query(data).values().join(''),
    inputTokens: jsonpath.compile('$.usage.input_tokens').query(data).values()[0],
    outputTokens: jsonpath.compile('$.usage.output_tokens').query(data).values()[0],
  };
}
