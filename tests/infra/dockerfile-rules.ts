/**
 * A reader for Dockerfiles (instructions, stages, ARG defaults) and the rules Limner's images
 * keep, checked without a Docker engine. See dockerfiles.test.ts.
 *
 * @module
 */

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Instructions with line continuations joined and comments dropped. */
export function parseDockerfile(text: string): {
  globalArgs: Map<string, string>;
  stages: Stage[];
} {
  const instructions: Instruction[] = [];
  let pending = "";
  let startLine = 0;
  text.split("\n").forEach((raw, i) => {
    const line = raw.trimEnd();
    if (pending === "" && (line.trim().startsWith("#") || line.trim() === "")) return;
    if (line.trim().startsWith("#")) return; // a comment inside a continued instruction
    if (pending === "") startLine = i + 1;
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const full = `${pending}${line}`.trim();
    pending = "";
    const [keyword = "", ...rest] = full.split(/\s+/);
    instructions.push({ keyword: keyword.toUpperCase(), args: rest.join(" "), line: startLine });
  });
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === "FROM") {
      const [image = "", as, name] = instruction.args.split(/\s+/);
      stages.push({ image, name: as?.toUpperCase() === "AS" ? name : undefined, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword === "ARG") {
        const [name = "", value = ""] = instruction.args.split("=");
        globalArgs.set(name, value);
      }
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

const BUILD_TOOLS =
  /\b(apt-get|apt|apk|yum|dnf|curl|wget|gnupg|gpg|gcc|g\+\+|make|build-essential|npm (ci|install|rebuild))\b/;
const PIPEFAIL_SHELL = /^\[\s*"\/bin\/(ba)?sh"\s*,\s*"-o"\s*,\s*"pipefail"\s*,\s*"-c"\s*\]$/;

export interface DockerfileExpectations {
  /** The path the HEALTHCHECK must request. */
  healthPath: string;
}

/** Every rule broken, as readable sentences; an empty list means the Dockerfile keeps them all. */
export function dockerfileErrors(text: string, expect: DockerfileExpectations): string[] {
  const errors: string[] = [];
  const { globalArgs, stages } = parseDockerfile(text);
  const stageNames = new Set(stages.map((s) => s.name).filter(Boolean));
  stages.forEach((stage, index) => {
    const where = `stage ${stage.name ?? index}`;
    // 1. Pinned bases: an exact version (x.y.z) or a digest, never a moving tag.
    const image = stage.image.replace(
      /^\$\{?(\w+)\}?$/,
      (_, name: string) => globalArgs.get(name) ?? "",
    );
    if (!stageNames.has(image)) {
      const pinned =
        /@sha256:[0-9a-f]{64}$/.test(image) || /:[^:/]*\d+\.\d+\.\d+[^:/]*$/.test(image);
      if (!pinned)
        errors.push(
          `${where}: base image "${image || stage.image}" is not pinned to an exact version`,
        );
    }
    // 2. A pipe in RUN must fail the build when its left side fails.
    let shell = "";
    for (const instruction of stage.instructions) {
      if (instruction.keyword === "SHELL") shell = instruction.args;
      if (instruction.keyword === "RUN" && !PIPEFAIL_SHELL.test(shell)) {
        errors.push(
          `${where}: RUN on line ${instruction.line} without SHELL ["/bin/bash", "-o", "pipefail", "-c"]`,
        );
        break;
      }
    }
  });
  const final = stages.at(-1);
  if (!final) return ["no FROM"];
  const keywords = (k: string) => final.instructions.filter((i) => i.keyword === k);
  // 3. The final stage installs and builds nothing, nor do the stages it is built FROM.
  const lineage: Stage[] = [];
  for (let at: Stage | undefined = final; at && !lineage.includes(at); ) {
    lineage.push(at);
    const parent: string = at.image;
    at = stages.find((s) => s.name === parent);
  }
  for (const stage of lineage) {
    for (const run of stage.instructions.filter((i) => i.keyword === "RUN")) {
      const tool = BUILD_TOOLS.exec(run.args);
      if (tool) errors.push(`final stage: RUN on line ${run.line} uses build tooling (${tool[0]})`);
    }
  }
  // 4. Non-root.
  const user = keywords("USER").at(-1)?.args;
  if (!user || /^(root|0)(:|$)/.test(user))
    errors.push("final stage: does not switch to a non-root USER");
  // 5. A health check on the right path.
  const health = keywords("HEALTHCHECK").at(-1)?.args ?? "";
  if (!health.includes(expect.healthPath)) {
    errors.push(`final stage: no HEALTHCHECK requesting ${expect.healthPath}`);
  }
  return errors;
}
