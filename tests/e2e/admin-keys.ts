/**
 * API keys minted through the edge's admin API for one test, with their own limits, so a test
 * can exercise a tiny per-key limit while the rest of its file keeps the stack's generous
 * defaults.
 */
import type { RunningStack } from "@limner/dev-stack";

export interface KeyLimits {
  requests_per_minute?: number;
  images_per_minute?: number;
}

/** A fresh `lmn_…` key with `limits` (the deployment's defaults for the ones left out). */
export async function mintKeyWithLimits(stack: RunningStack, limits: KeyLimits): Promise<string> {
  const response = await fetch(`${stack.edgeUrl}/admin/keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${stack.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ label: "e2e limits", limits }),
  });
  if (response.status !== 201) {
    throw new Error(`minting a key answered ${response.status}: ${await response.text()}`);
  }
  return ((await response.json()) as { key: string }).key;
}
