#!/usr/bin/env node
// Standalone runner for the local AWS simulator: `node simulator/cli.js [--port 4566] [--static /prefix=dir ...]`.
import { startSimulator, defaultConfig } from './index.js';

/** Parse --port N and repeated --static PREFIX=DIR. */
function parseArgs(argv) {
  const options = { port: 4566 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--port') options.port = Number(argv[++i]);
    else if (arg === '--static') {
      const [prefix, dir] = argv[++i].split('=');
      options.static = { ...options.static, [prefix]: dir };
    } else if (arg === '--help' || arg === '-h') options.help = true;
    else throw new Error(`unknown argument ${arg}`);
  }
  return options;
}

const options = parseArgs(process.argv.slice(2));
if (options.help) {
  console.log('usage: node simulator/cli.js [--port 4566] [--static /prefix=dir ...]');
  process.exit(0);
}
delete options.help;
const sim = await startSimulator(options);
const config = defaultConfig();
const base = config.baseCredentials[0];
console.log(`AWS simulator listening on ${sim.url}`);
console.log(`  STS / Bedrock runtime / Bedrock control endpoint: ${sim.url}`);
console.log(`  base credentials: accessKeyId=${base.accessKeyId} secretAccessKey=${base.secretAccessKey} (${base.arn})`);
for (const role of config.roles) {
  console.log(`  role: ${role.roleArn}${role.externalId ? ` externalId=${role.externalId}` : ''} actions=${role.actions.join(',')}`);
}
console.log(`  admin: GET ${sim.url}/__sim/stats, POST ${sim.url}/__sim/configure, POST ${sim.url}/__sim/reset`);
const stop = async () => {
  await sim.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
