// bench/bundle/aws4fetch.js — bundle-size entry for aws4fetch + hand-written AssumeRole + json-p3 + mustache: the same flow as ours.js.
import { AwsClient } from 'aws4fetch';
import { mapAnswer, renderBody } from './peer-parts.js';

export async function main(cfg) {
  const body = renderBody(cfg);
  const sts = new AwsClient({ ...cfg.credentials, service: 'sts', region: cfg.region });
  const form = new URLSearchParams({ Action: 'AssumeRole', Version: '2011-06-15', RoleArn: cfg.roleArn, RoleSessionName: 'app', ExternalId: cfg.externalId });
  const xml = await (await sts.fetch(`${cfg.endpoint}/`, { method: 'POST', body: form })).text();
  const pick = (tag) => xml.match(new RegExp(`<${tag}>([^<]*)</${tag}>`))[1];
  const aws = new AwsClient({ accessKeyId: pick('AccessKeyId'), secretAccessKey: pick('SecretAccessKey'), sessionToken: pick('SessionToken'), service: 'bedrock', region: cfg.region });
  const res = await aws.fetch(`${cfg.endpoint}/model/${encodeURIComponent(cfg.modelId)}/invoke`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body });
  const data = await res.json();
  return mapAnswer(data);
}
