// Type-checks the README's ```js examples against pkg/index.d.ts with tsc --noEmit (strict); the
// package's types as a consumer sees them — `import` and `require` (index.d.cts) under
// module node16 / nodenext, with the default libs (no esnext.disposable); and checks that every
// error code the core can produce is listed in the README.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(new URL('..', import.meta.url).pathname);
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const out = path.join(root, 'target', 'readme-examples');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
const files = blocks.map((code, i) => {
  const file = path.join(out, `example-${i + 1}.mjs`);
  writeFileSync(file, `// @ts-check\n${code}\nexport {};\n`);
  return file;
});
writeFileSync(path.join(out, 'tsconfig.json'), JSON.stringify({
  compilerOptions: {
    strict: true, noEmit: true, allowJs: true, checkJs: true, target: 'es2022', module: 'esnext',
    moduleResolution: 'bundler', lib: ['es2022', 'dom', 'esnext.disposable'], types: [],
    paths: { 'bedrock-connect': [path.join(root, 'pkg', 'index.d.ts')] },
  },
  files: [...files, path.join(root, 'pkg', 'index.d.ts')],
}));
execFileSync(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', out], { stdio: 'inherit' });

// The package as installed: node16 / nodenext resolution through package.json `exports`.
const dts = readFileSync(path.join(root, 'pkg', 'index.d.ts'), 'utf8');
if (readFileSync(path.join(root, 'pkg', 'index.d.cts'), 'utf8') !== dts) {
  console.error('pkg/index.d.cts differs from pkg/index.d.ts (scripts/build.sh copies it)');
  process.exit(1);
}
const consumer = path.join(root, 'target', 'types-consumer');
rmSync(consumer, { recursive: true, force: true });
mkdirSync(path.join(consumer, 'node_modules'), { recursive: true });
symlinkSync(path.join(root, 'pkg'), path.join(consumer, 'node_modules', 'bedrock-connect'), 'dir');
const use = (lib) => `const client = new ${lib}.BedrockClient({ region: 'us-east-1', bearerToken: 'k' });
client[Symbol.dispose]();
const tier: ${lib}.ServiceTierType = 'priority';
void client.converse({ modelId: 'm', messages: [], serviceTier: { type: tier } });
`;
writeFileSync(path.join(consumer, 'esm.mts'), `import * as bc from 'bedrock-connect';
${use('bc')}`);
writeFileSync(path.join(consumer, 'cjs.cts'), `import bc = require('bedrock-connect');
${use('bc')}`);
for (const module of ['node16', 'nodenext']) {
  writeFileSync(path.join(consumer, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, target: 'es2022', module, moduleResolution: module, lib: ['es2022', 'dom'], types: [] },
    files: ['esm.mts', 'cjs.cts'],
  }));
  execFileSync(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', consumer], { stdio: 'inherit' });
}

const codes = new Set();
for (const f of readdirSync(path.join(root, 'src'), { recursive: true })) {
  if (!f.endsWith('.rs')) continue;
  for (const m of readFileSync(path.join(root, 'src', f), 'utf8').matchAll(/"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)"/g)) codes.add(m[1]);
}
const missing = [...codes].filter((c) => !c.startsWith('HTTP_') && !c.startsWith('CARGO_') && !readme.includes(`\`${c}\``));
if (missing.length) {
  console.error(`README is missing error codes: ${missing.join(', ')}`);
  process.exit(1);
}
console.log(`${blocks.length} passed, 0 failed: README examples type-check; the package's types work for import and require (node16, nodenext, default libs); ${codes.size} error codes documented`);
