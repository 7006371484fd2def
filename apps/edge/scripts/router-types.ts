/**
 * Emits the declaration of the edge's tRPC router type, `dist/router-types/edge-router.d.ts`,
 * for `@limner/sdk/trpc` to bundle into its own `.d.ts` (package export
 * `@limner/edge/router-types`): an app outside this repo gets a client typed end to end without
 * the edge's source, Hono or the Workers types.
 *
 * Only the router's file and its context type's are emitted (one program, `emit` per file, as
 * `tsc` would): the declaration names nothing else of the edge — procedure inputs and outputs
 * are the contracts' types written out — and this script fails if that stops being true.
 *
 * @module
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import ts from "typescript";

const root = join(import.meta.dirname, "..");
const outDir = join(root, "dist/router-types");
const files = ["src/trpc/edge-router.ts", "src/trpc/edge-trpc-context.ts"].map((f) =>
  join(root, f),
);

const config = ts.getParsedCommandLineOfConfigFile(
  join(root, "tsconfig.json"),
  {},
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    },
  },
);
if (!config) throw new Error("apps/edge/tsconfig.json could not be read");
const program = ts.createProgram({
  rootNames: files,
  options: {
    ...config.options,
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
  },
});

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
// Both files sit in src/trpc, so their declarations keep their relative import as written.
const write = (name: string, text: string) => writeFileSync(join(outDir, basename(name)), text);
const diagnostics: ts.Diagnostic[] = [];
for (const file of files) {
  const source = program.getSourceFile(file);
  if (!source) throw new Error(`${file} is not in the program`);
  diagnostics.push(
    ...program.getSyntacticDiagnostics(source),
    ...program.getSemanticDiagnostics(source),
    ...program.emit(source, write, undefined, true).diagnostics,
  );
}
if (diagnostics.length) {
  const host = {
    getCanonicalFileName: (f: string) => f,
    getCurrentDirectory: () => root,
    getNewLine: () => "\n",
  };
  process.stderr.write(ts.formatDiagnostics(diagnostics, host));
  process.exit(1);
}

// The declarations may import only each other and packages the SDK depends on.
const allowed = new Set(["@trpc/server", "./edge-trpc-context"]);
for (const name of readdirSync(outDir)) {
  const text = readFileSync(join(outDir, name), "utf8");
  for (const [, specifier] of text.matchAll(/(?:from |import\()"([^"]+)"/g)) {
    if (specifier && !allowed.has(specifier)) {
      throw new Error(`${name} imports '${specifier}': the router's type must not need it`);
    }
  }
}
process.stdout.write(`router types → ${outDir}\n`);
