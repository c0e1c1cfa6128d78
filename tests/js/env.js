/** Shared setup of the Node suites: a simulator with a controllable clock, and clients pointed at it. */
import { readFileSync } from 'node:fs';
import { startSimulator } from '../../simulator/index.js';

export const BASE = {
  accessKeyId: 'AKIAPLATFORM00000001',
  secretAccessKey: 'platformSecretKey/0000000000000000000000',
};
export const ROLE_ARN = 'arn:aws:iam::123456789012:role/BedrockAccess';
export const EXTERNAL_ID = 'platform-42';
export const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';

/** The fixture of a model family (the same file the simulator serves). */
export function fixture(family) {
  return JSON.parse(readFileSync(new URL(`../fixtures/responses/${family}.json`, import.meta.url), 'utf8'));
}

/** A simulator and a clock shared with the clients made by `client()`. */
export async function setup() {
  const clock = { ms: Date.now() };
  const sim = await startSimulator({ now: () => clock.ms });
  const client = (BedrockClient, overrides = {}) => {
    const { assumeRole, ...rest } = overrides;
    return new BedrockClient({
      region: 'us-east-1',
      credentials: BASE,
      assumeRole: { roleArn: ROLE_ARN, externalId: EXTERNAL_ID, stsRegion: 'eu-west-1', stsEndpoint: sim.url, ...assumeRole },
      endpoint: sim.url,
      controlEndpoint: sim.url,
      now: () => clock.ms,
      ...rest,
    });
  };
  return { sim, clock, client };
}
