// Checks Solana Actions responses against the spec's own types: every JSON
// file in the directory given, named `<Type>.<anything>.json` with <Type> one
// of @solana/actions-spec's (ActionsJson, ActionGetResponse,
// ActionPostResponse, ActionError, ...), becomes a typed constant of a
// TypeScript module that `tsc --strict` must accept, so a missing field, an
// extra one, a null where the spec has none, or a wrong enum value fails.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node check-action-types.mjs <directory of <Type>.<name>.json files>");
  process.exit(2);
}
const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
if (files.length === 0) {
  console.error(`no responses in ${dir}`);
  process.exit(2);
}
const types = new Set();
const constants = files.map((file, i) => {
  const type = file.split(".")[0];
  types.add(type);
  const value = JSON.parse(readFileSync(join(dir, file), "utf8"));
  return `// ${file}\nexport const r${i}: ${type} = ${JSON.stringify(value, null, 2)};\n`;
});
const here = fileURLToPath(new URL(".", import.meta.url));
// Inside this package, so the module resolves its node_modules.
const work = mkdtempSync(join(here, ".checked-"));
const module = join(work, "responses.ts");
writeFileSync(
  module,
  `import type { ${[...types].join(", ")} } from "@solana/actions-spec";\n\n${constants.join("\n")}`,
);
try {
  execFileSync(
    process.execPath,
    [
      join(here, "node_modules/typescript/bin/tsc"),
      "--noEmit",
      "--strict",
      "--exactOptionalPropertyTypes",
      "--skipLibCheck",
      "--module", "nodenext",
      "--moduleResolution", "nodenext",
      module,
    ],
    { stdio: "inherit", cwd: here },
  );
} catch {
  console.error(`responses do not match @solana/actions-spec (module kept: ${module})`);
  process.exit(1);
}
rmSync(work, { recursive: true });
console.log(`${files.length} responses match @solana/actions-spec (${[...types].join(", ")})`);
