// Builds the web app into dist/: one minified bundle (the app's own code and
// its dependencies, Preact and Wallet Standard discovery), the page, the
// style sheet and the icon. Fails if the bundle grows past its budget of
// 150 KB gzipped; prints what it weighs.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const BUDGET_BYTES = 150 * 1024;
const out = new URL("./dist/", import.meta.url);

rmSync(out, { recursive: true, force: true });
mkdirSync(out);
await build({
  entryPoints: [new URL("./src/main.jsx", import.meta.url).pathname],
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2020",
  jsx: "automatic",
  jsxImportSource: "preact",
  legalComments: "none",
  outfile: new URL("app.js", out).pathname,
});
for (const file of ["index.html", "style.css", "icon.svg"]) {
  copyFileSync(new URL(file, import.meta.url), new URL(file, out));
}

let total = 0;
for (const file of ["app.js", "style.css", "index.html"]) {
  const bytes = readFileSync(new URL(file, out));
  const gzipped = gzipSync(bytes, { level: 9 }).length;
  total += gzipped;
  console.log(`${file}: ${bytes.length} bytes, ${gzipped} gzipped`);
}
writeFileSync(new URL("size.json", out), JSON.stringify({ gzipped_bytes: total }) + "\n");
console.log(`total: ${(total / 1024).toFixed(1)} KB gzipped (budget ${BUDGET_BYTES / 1024} KB)`);
if (total > BUDGET_BYTES) {
  console.error("the web app is over its size budget");
  process.exit(1);
}
