"""The training noise schedule, shared with the runtime through the manifest.

Stable Diffusion's: 1000 steps, "scaled_linear" betas from 0.00085 to 0.012, with
v-prediction (Salimans & Ho 2022, as SD 2.x): with epsilon prediction, this short CPU training
left the high-noise steps' x0 estimates so noisy that 20-step samples decoded to coloured noise. `SCHEDULER_CONFIG` goes verbatim into model.json's `generation.scheduler_config`,
so the runtime's Euler/DDIM/DPM-Solver++ sample on exactly the alphas the U-Net learned.
"""

import torch

NUM_TRAIN_TIMESTEPS = 1000
BETA_START = 0.00085
BETA_END = 0.012

SCHEDULER_CONFIG = {
    "_class_name": "EulerDiscreteScheduler",
    "num_train_timesteps": NUM_TRAIN_TIMESTEPS,
    "beta_start": BETA_START,
    "beta_end": BETA_END,
    "beta_schedule": "scaled_linear",
    "prediction_type": "v_prediction",
    "timestep_spacing": "linspace",
    "steps_offset": 0,
}


def alphas_cumprod() -> torch.Tensor:
    betas = torch.linspace(BETA_START**0.5, BETA_END**0.5, NUM_TRAIN_TIMESTEPS, dtype=torch.float64) ** 2
    return torch.cumprod(1.0 - betas, dim=0).float()


def add_noise(x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor, ac: torch.Tensor) -> torch.Tensor:
    a = ac[t].reshape(-1, 1, 1, 1)
    return a.sqrt() * x0 + (1 - a).sqrt() * noise


def velocity(x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor, ac: torch.Tensor) -> torch.Tensor:
    """The v-prediction target: sqrt(a) * noise - sqrt(1 - a) * x0."""
    a = ac[t].reshape(-1, 1, 1, 1)
    return a.sqrt() * noise - (1 - a).sqrt() * x0


def min_snr_weight(t: torch.Tensor, ac: torch.Tensor, gamma: float = 5.0) -> torch.Tensor:
    """Min-SNR-gamma loss weights for v-prediction (Hang et al. 2023): min(SNR, gamma) / (SNR + 1).

    Stops the many easy high-SNR steps from dominating, which speeds up convergence a lot.
    """
    snr = ac[t] / (1 - ac[t])
    return torch.clamp(snr, max=gamma) / (snr + 1)


# Rectified flow (Liu et al. 2022; SD3, Esser et al. 2024): x_s = (1 - s) x0 + s noise on a
# straight line, the network predicts the velocity noise - x0, and the training noise levels s
# are logit-normal (SD3's best of 61 formulations: more weight on the middle levels, where the
# layout and the shapes are decided). The timestep input is 1000 s, as diffusers'
# FlowMatchEulerDiscreteScheduler passes it.
FLOW_TIMESTEP_SCALE = 1000.0


# The runtime samples a flow model with diffusers' FlowMatchEulerDiscreteScheduler at shift 1
# (the straight line as trained); `prediction_type` is not a diffusers field of that class, the
# manifest carries it for the runtime's check that denoiser and scheduler agree.
FLOW_SCHEDULER_CONFIG = {
    "_class_name": "FlowMatchEulerDiscreteScheduler",
    "num_train_timesteps": NUM_TRAIN_TIMESTEPS,
    "shift": 1.0,
    "prediction_type": "flow_prediction",
}


def scheduler_config(objective: str) -> dict:
    """model.json's `generation.scheduler_config` for a denoiser trained with `objective`."""
    configs = {"v": SCHEDULER_CONFIG, "flow": FLOW_SCHEDULER_CONFIG}
    if objective not in configs:
        raise ValueError(f"unknown objective {objective!r}: use 'v' or 'flow'")
    return dict(configs[objective])


def logit_normal_sigmas(count: int, generator: torch.Generator, mean: float = 0.0, std: float = 1.0) -> torch.Tensor:
    return torch.sigmoid(mean + std * torch.randn(count, generator=generator))


def flow_interpolate(x0: torch.Tensor, noise: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    s = sigma.reshape(-1, 1, 1, 1)
    return (1 - s) * x0 + s * noise


def flow_velocity(x0: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    return noise - x0
