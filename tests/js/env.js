/** Shared setup of the Node suites: a simulator with a controllable clock, and clients pointed at it. */
import { readFileSync } from 'node:fs';
import { startSimulator } from '../../simulator/index.js';

// The simulator's seeded platform key, role and model, as its own tests use them.
import { BASE, ROLE_ARN, HAIKU } from '../../simulator/test/helpers.js';

export { BASE, ROLE_ARN, HAIKU };
export const EXTERNAL_ID = 'platform-42';

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
