// npm start: the local AWS simulator, a short demo in the terminal (assume role → invoke →
// answer, usage, latency), then the playground (www/) served against the simulator until Ctrl-C.
// `--once` runs the demo and exits (used by the tests).
import { startSimulator, defaultConfig } from '../simulator/index.js';
import { BedrockClient } from '../pkg/node.mjs';

const root = new URL('../', import.meta.url).pathname;
const once = process.argv.includes('--once');
const port = Number(process.env.PORT ?? (once ? 0 : 4566));

const sim = await startSimulator({ port, static: { '/www': `${root}www`, '/pkg': `${root}pkg` } });
const [base] = defaultConfig().baseCredentials;
const client = new BedrockClient({
  region: 'us-east-1',
  credentials: { accessKeyId: base.accessKeyId, secretAccessKey: base.secretAccessKey },
  assumeRole: { roleArn: 'arn:aws:iam::123456789012:role/BedrockAccess', externalId: 'platform-42', stsRegion: 'eu-west-1', stsEndpoint: sim.url },
  endpoint: sim.url,
  controlEndpoint: sim.url,
});

console.log(`local AWS simulator on ${sim.url} (STS, Bedrock runtime, control plane; SigV4 verified)`);
const role = await client.checkRole();
console.log(`assumed ${role.assumedRoleArn} until ${role.expiration.toISOString()}`);
const res = await client.invoke({
  modelId: 'anthropic.claude-3-haiku-20240307-v1:0',
  body: { anthropic_version: 'bedrock-2023-05-31', max_tokens: 200, messages: [{ role: 'user', content: 'Hello World' }] },
});
const answer = res.json().content.filter((b) => b.type === 'text').map((b) => b.text).join('');
console.log(`answer: ${answer}`);
console.log(`usage: ${res.usage.inputTokens} input / ${res.usage.outputTokens} output tokens; latency ${res.latencyMs} ms (server ${res.serverLatencyMs} ms)`);
const models = await client.listFoundationModels({ provider: 'Anthropic' });
console.log(`models by Anthropic: ${models.map((m) => m.modelId).join(', ')}`);

if (once) {
  await sim.close();
} else {
  console.log(`\nplayground: ${sim.url}/www/index.html  (Ctrl-C to stop)`);
  process.on('SIGINT', () => sim.close().then(() => process.exit(0)));
}
