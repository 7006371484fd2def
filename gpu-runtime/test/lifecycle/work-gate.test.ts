import { describe, expect, it } from "vitest";
import { RuntimeUnavailableError, WorkGate } from "../../src/lifecycle/work-gate";

describe("WorkGate", () => {
  it("refuses work while starting, admits it once open", async () => {
    const gate = new WorkGate();
    await expect(gate.run(async () => 1)).rejects.toMatchObject({ reason: "starting" });
    gate.open();
    await expect(gate.run(async () => 1)).resolves.toBe(1);
  });

  it("closes only after admitted work has finished, refusing new work meanwhile", async () => {
    const gate = new WorkGate();
    gate.open();
    let finish: () => void = () => {};
    const admitted = gate.run(
      () => new Promise<string>((resolve) => (finish = () => resolve("done"))),
    );
    let closed = false;
    const closing = gate.close().then(() => (closed = true));
    await expect(gate.run(async () => 1)).rejects.toBeInstanceOf(RuntimeUnavailableError);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closed).toBe(false);
    finish();
    await expect(admitted).resolves.toBe("done");
    await closing;
    expect(closed).toBe(true);
  });
});
