// Owns pkg/THIRD-PARTY.md: lists the Rust crates compiled into bedrock_connect_bg.wasm, with their licenses.
//
// Usage:
//   node scripts/third-party.js          regenerate pkg/THIRD-PARTY.md
//   node scripts/third-party.js --check  exit 1 if pkg/THIRD-PARTY.md is out of date (for CI)
//
// The crate set comes from `cargo metadata --filter-platform wasm32-unknown-unknown`: starting at
// bedrock_connect, follow only normal dependency edges (dev- and build-dependencies are not linked
// into the .wasm) and skip proc-macro crates (they run in the compiler on the host; neither they
// nor their own dependencies end up in the .wasm). License texts are read from each crate's source
// directory in the local cargo registry (LICENSE*, LICENCE*, COPYING*, UNLICENSE*, NOTICE*, and the
// manifest's `license-file`). Node builtins only; output is sorted so reruns are byte-identical.

import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, "pkg", "THIRD-PARTY.md");
const ROOT_CRATE = "bedrock_connect";
const TARGET = "wasm32-unknown-unknown";

// ---------------------------------------------------------------------------------------------
// cargo metadata

function cargoMetadata() {
  const base = [
    "metadata",
    "--format-version", "1",
    "--filter-platform", TARGET,
    "--manifest-path", join(ROOT, "Cargo.toml"),
  ];
  const opts = { cwd: ROOT, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] };
  try {
    return JSON.parse(execFileSync("cargo", base, opts));
  } catch (first) {
    try {
      return JSON.parse(execFileSync("cargo", [...base, "--offline"], opts));
    } catch (second) {
      process.stderr.write(String(first.stderr || first.message) + String(second.stderr || second.message));
      throw new Error("cargo metadata failed (also with --offline)");
    }
  }
}

const NON_LIB_KINDS = new Set(["bin", "example", "test", "bench", "custom-build"]);

function isProcMacro(pkg) {
  const libs = pkg.targets.filter((t) => t.kind.some((k) => !NON_LIB_KINDS.has(k)));
  return libs.length > 0 && libs.every((t) => t.kind.includes("proc-macro"));
}

function wasmCrates(meta) {
  const pkgs = new Map(meta.packages.map((p) => [p.id, p]));
  const nodes = new Map(meta.resolve.nodes.map((n) => [n.id, n]));
  const root = meta.packages.find((p) => p.name === ROOT_CRATE && meta.workspace_members.includes(p.id));
  if (!root) throw new Error(`package ${ROOT_CRATE} not found in cargo metadata`);

  const seen = new Set([root.id]);
  const queue = [root.id];
  while (queue.length) {
    const node = nodes.get(queue.shift());
    for (const dep of node?.deps ?? []) {
      if (!dep.dep_kinds.some((k) => k.kind === null)) continue; // dev/build only
      if (seen.has(dep.pkg)) continue;
      if (isProcMacro(pkgs.get(dep.pkg))) continue; // runs on the host, not linked
      seen.add(dep.pkg);
      queue.push(dep.pkg);
    }
  }
  // Our own crates (the workspace: crates/scan) are covered by the project's LICENSE.
  for (const id of meta.workspace_members) seen.delete(id);
  return [...seen].map((id) => pkgs.get(id)).sort(byNameVersion);
}

// ---------------------------------------------------------------------------------------------
// deterministic ordering (no locale-dependent comparisons)

function cmp(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cmpVersion(a, b) {
  const pa = a.split(/[.+-]/);
  const pb = b.split(/[.+-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? "";
    const y = pb[i] ?? "";
    const nx = /^\d+$/.test(x) ? Number(x) : NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : NaN;
    const c = !Number.isNaN(nx) && !Number.isNaN(ny) ? nx - ny : cmp(x, y);
    if (c) return c;
  }
  return 0;
}

function byNameVersion(a, b) {
  return cmp(a.name, b.name) || cmpVersion(a.version, b.version);
}

const label = (p) => `${p.name} ${p.version}`;

// ---------------------------------------------------------------------------------------------
// license files

const LICENSE_FILE = /^(licen[cs]e|copying|unlicense|notice)/i;

function normalize(text) {
  return text
    .replace(/^\uFEFF/, "")
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((l) => l.replace(/\s+$/, ""))
    .join("\n")
    .replace(/^\n+/, "")
    .replace(/\n+$/, "");
}

function licenseFiles(pkg) {
  const dir = dirname(pkg.manifest_path);
  const names = new Set(readdirSync(dir).filter((f) => LICENSE_FILE.test(f)));
  if (pkg.license_file) names.add(pkg.license_file);
  const files = [];
  for (const name of [...names].sort(cmp)) {
    const path = join(dir, name);
    if (!existsSync(path) || !statSync(path).isFile()) continue;
    files.push({ name: basename(name), text: normalize(readFileSync(path, "utf8")) });
  }
  return files;
}

// Classify a license file by its content (file names are unreliable: LICENSE, COPYING, ...).
function classify(name, text) {
  if (/^notice/i.test(name)) return "NOTICE";
  if (/Apache License/i.test(text) && /Version 2\.0/.test(text) && /TERMS AND CONDITIONS/.test(text)) return "Apache-2.0";
  // Boost and Unicode texts also contain "Permission is hereby granted, free of charge": test them first.
  if (/Boost Software License/i.test(text)) return "BSL-1.0";
  if (/UNICODE LICENSE V3/i.test(text)) return "Unicode-3.0";
  if (/UNICODE, INC\. LICENSE AGREEMENT/i.test(text)) return "Unicode-DFS-2016";
  if (/Permission is hereby granted, free of charge/i.test(text)) return "MIT";
  if (/free and unencumbered software released into the public domain/i.test(text)) return "Unlicense";
  if (/Redistribution and use in source and binary forms/i.test(text)) {
    return /Neither the name/i.test(text) ? "BSD-3-Clause" : "BSD-2-Clause";
  }
  if (/Permission to use, copy, modify, and(\/or)? distribute this software/i.test(text)) return "ISC";
  if (/provided ['‘]as-is['’]/i.test(text) && /altered source versions/i.test(text)) return "Zlib";
  if (/Mozilla Public License,? (Version|v\.?) ?2\.0/i.test(text)) return "MPL-2.0";
  if (/CC0 1\.0 Universal/i.test(text)) return "CC0-1.0";
  return "Other";
}

// Section order: the project's own license first, the rest alphabetically, leftovers last.
function familyOrder(a, b) {
  const rank = (f) => (f === "Apache-2.0" ? 0 : f === "NOTICE" ? 1 : f === "Other" ? 3 : 2);
  return rank(a) - rank(b) || cmp(a, b);
}

// SPDX ids mentioned in a crate's license expression ("Apache-2.0/MIT" is the old spelling of OR).
function spdxIds(expr) {
  return (expr ?? "")
    .split(/\s+(?:OR|AND|WITH)\s+|[()/\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

// ---------------------------------------------------------------------------------------------
// markdown

function cell(s) {
  return String(s ?? "")
    .replace(/\\/g, "\\\\")
    .replace(/\|/g, "\\|")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\s+/g, " ")
    .trim();
}

function fenced(text) {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}text\n${text}\n${fence}`;
}

function repoCell(p) {
  const url = p.repository || p.homepage;
  return url ? `<${url}>` : "—";
}

function render(crates) {
  const apacheCanonical = normalize(readFileSync(join(ROOT, "LICENSE"), "utf8"));

  // family -> normalized text -> [{crate, file}]
  const texts = new Map();
  const noFiles = [];
  for (const p of crates) {
    const files = licenseFiles(p);
    if (!files.length) noFiles.push(p);
    for (const f of files) {
      const family = classify(f.name, f.text);
      if (!texts.has(family)) texts.set(family, new Map());
      const byText = texts.get(family);
      // One copy of the Apache-2.0 terms covers every crate (section 4(a)); its NOTICE files are
      // reproduced separately below.
      const key = family === "Apache-2.0" ? "" : f.text;
      if (!byText.has(key)) byText.set(key, []);
      byText.get(key).push({ crate: p, file: f.name });
    }
  }
  // Crates that declare a license in Cargo.toml but ship no file for it.
  for (const p of noFiles) {
    for (const id of spdxIds(p.license)) {
      if (!texts.has(id)) texts.set(id, new Map());
    }
  }

  const out = [];
  out.push("# Third-party software in bedrock_connect_bg.wasm");
  out.push("");
  out.push(
    "`wasm/*/bedrock_connect_bg.wasm` in this package is compiled from the `bedrock_connect` Rust crate " +
      "(Apache-2.0, see `LICENSE`) together with the third-party Rust crates listed below. " +
      "This list contains exactly the crates linked into the `.wasm` for `wasm32-unknown-unknown`: " +
      "normal dependencies only; build-dependencies, dev-dependencies and proc-macro crates (which run " +
      "in the compiler and are not part of the output) are left out.",
  );
  out.push("");
  out.push(
    "This file is generated by `node scripts/third-party.js` from `cargo metadata` and the license " +
      "files shipped in each crate's source. Do not edit it by hand; CI runs " +
      "`node scripts/third-party.js --check`.",
  );
  out.push("");
  out.push(`## Crates (${crates.length})`);
  out.push("");
  out.push("| Crate | Version | License | Repository | Authors |");
  out.push("| --- | --- | --- | --- | --- |");
  for (const p of crates) {
    out.push(
      `| ${cell(p.name)} | ${cell(p.version)} | ${cell(p.license ?? (p.license_file ? "see license file" : "unspecified"))} | ${repoCell(p)} | ${cell((p.authors ?? []).join(", ")) || "—"} |`,
    );
  }
  out.push("");

  const families = [...texts.keys()].sort(familyOrder);
  out.push("## License texts");
  out.push("");
  out.push(
    "Crates offered under a choice of licenses (for example `MIT OR Apache-2.0`) are listed under " +
      "every license they ship a text for. Identical texts are shown once, followed by the crates that " +
      "ship them.",
  );
  out.push("");

  for (const family of families) {
    const byText = texts.get(family);
    const missing = noFiles.filter((p) => spdxIds(p.license).includes(family));
    const title = family === "NOTICE" ? "NOTICE files" : family === "Other" ? "Other license notices" : family;
    out.push(`### ${title}`);
    out.push("");

    if (family === "Apache-2.0") {
      const users = (byText.get("") ?? []).map((u) => u.crate);
      const declared = crates.filter((p) => spdxIds(p.license).includes("Apache-2.0"));
      const all = [...new Map([...users, ...declared].map((p) => [p.id, p])).values()].sort(byNameVersion);
      out.push(`Used by: ${all.map(label).join(", ")}.`);
      out.push("");
      out.push(fenced(apacheCanonical));
      out.push("");
      continue;
    }

    const groups = [...byText.entries()]
      .map(([text, users]) => ({
        text,
        users: users.sort((a, b) => byNameVersion(a.crate, b.crate) || cmp(a.file, b.file)),
      }))
      .sort((a, b) => byNameVersion(a.users[0].crate, b.users[0].crate) || cmp(a.text, b.text));
    for (const g of groups) {
      out.push(`From: ${g.users.map((u) => `${label(u.crate)} (\`${u.file}\`)`).join(", ")}`);
      out.push("");
      out.push(fenced(g.text));
      out.push("");
    }
    if (missing.length) {
      out.push(
        `The following crates declare \`${family}\` in their Cargo.toml but ship no license file in the ` +
          "published crate; their copyright holders, per their Cargo.toml, are:",
      );
      out.push("");
      for (const p of missing.sort(byNameVersion)) {
        out.push(`- ${label(p)}: ${cell((p.authors ?? []).join(", ")) || "the crate's authors"} (${repoCell(p)})`);
      }
      out.push("");
      if (family === "MIT") {
        out.push(`For these crates the standard ${family} terms apply:`);
        out.push("");
        out.push(fenced(MIT_TERMS));
        out.push("");
      }
    }
  }

  return out.join("\n").replace(/\n+$/, "") + "\n";
}

// The MIT terms (without a copyright line), for crates that declare MIT but ship no license file.
const MIT_TERMS = `Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.`;

// ---------------------------------------------------------------------------------------------

function main() {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== "--check");
  if (unknown.length) {
    process.stderr.write(`usage: node scripts/third-party.js [--check]\n`);
    process.exit(2);
  }
  const check = args.includes("--check");
  const crates = wasmCrates(cargoMetadata());
  const md = render(crates);
  const rel = "pkg/THIRD-PARTY.md";
  if (check) {
    const current = existsSync(OUT) ? readFileSync(OUT, "utf8") : null;
    if (current !== md) {
      process.stderr.write(`${rel} is out of date; run: node scripts/third-party.js\n`);
      process.exit(1);
    }
    process.stdout.write(`${rel} is up to date (${crates.length} crates)\n`);
    return;
  }
  writeFileSync(OUT, md);
  process.stdout.write(`wrote ${rel} (${crates.length} crates, ${Buffer.byteLength(md)} bytes)\n`);
}

main();
