"""PyTorch samplers for the training-side probes (the runtime has its own, in TypeScript).

Both use classifier-free guidance with the empty prompt's ids as the unconditional branch:
- `ddim_v`: deterministic DDIM on the v-prediction schedule (noise_schedule.alphas_cumprod)
  from any timestep down to 0, so a probe can also start from a partly noised latent;
- `euler_flow`: Euler steps along the rectified-flow velocity from s = 1 (pure noise), or a
  lower level, to 0, as diffusers' FlowMatchEulerDiscreteScheduler with shift 1;
- `noise_to` / `denoise`: either of the two by a checkpoint's objective, with the start given as a
  timestep (999 = pure noise) so the probes need not know which objective they sample.
"""

import numpy as np
import torch

from .noise_schedule import FLOW_TIMESTEP_SCALE, add_noise, alphas_cumprod, flow_interpolate


def _guided(model, z: torch.Tensor, timestep: float, ids: torch.Tensor, empty: torch.Tensor, guidance: float):
    n = z.shape[0]
    cond, uncond = model(torch.cat([z, z]), torch.full((2 * n,), float(timestep), device=z.device),
                         torch.cat([ids, empty.expand(n, -1)])).chunk(2)
    return uncond + guidance * (cond - uncond)


@torch.no_grad()
def ddim_v(model, z: torch.Tensor, ids: torch.Tensor, empty: torch.Tensor, t_start: int = 999,
           steps: int = 20, guidance: float = 5.0) -> torch.Tensor:
    ac = alphas_cumprod().to(z.device)
    timesteps = np.linspace(t_start, 0, steps).round().astype(int)
    for i, t in enumerate(timesteps):
        v = _guided(model, z, t, ids, empty, guidance)
        a = ac[t]
        x0, eps = a.sqrt() * z - (1 - a).sqrt() * v, (1 - a).sqrt() * z + a.sqrt() * v
        a_next = ac[timesteps[i + 1]] if i + 1 < len(timesteps) else None
        z = x0 if a_next is None else a_next.sqrt() * x0 + (1 - a_next).sqrt() * eps
    return z


@torch.no_grad()
def euler_flow(model, z: torch.Tensor, ids: torch.Tensor, empty: torch.Tensor, steps: int = 20,
               guidance: float = 5.0, sigma_start: float = 1.0) -> torch.Tensor:
    sigmas = torch.linspace(sigma_start, 0.0, steps + 1)
    for s, s_next in zip(sigmas[:-1], sigmas[1:]):
        z = z + (s_next - s) * _guided(model, z, float(s) * FLOW_TIMESTEP_SCALE, ids, empty, guidance)
    return z


def _flow_sigma(t_start: int) -> float:
    return (t_start + 1) / FLOW_TIMESTEP_SCALE  # 999 -> 1.0: pure noise, as for v


def noise_to(objective: str, z: torch.Tensor, noise: torch.Tensor, t_start: int) -> torch.Tensor:
    """Clean latents noised to timestep `t_start` the way `objective` trains."""
    if objective == "flow":
        return flow_interpolate(z, noise, torch.tensor([_flow_sigma(t_start)]))
    return add_noise(z, noise, torch.tensor([t_start]), alphas_cumprod())


def denoise(model, objective: str, z: torch.Tensor, ids: torch.Tensor, empty: torch.Tensor,
            t_start: int = 999, steps: int = 20, guidance: float = 5.0) -> torch.Tensor:
    """Sample from `z` at timestep `t_start` down to clean latents with `objective`'s sampler."""
    if objective == "flow":
        return euler_flow(model, z, ids, empty, steps, guidance, sigma_start=_flow_sigma(t_start))
    return ddim_v(model, z, ids, empty, t_start, steps, guidance)
