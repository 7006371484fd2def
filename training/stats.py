"""Confidence intervals for the model card's rates."""

import math

Z95 = 1.959964  # two-sided 95 % normal quantile


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (Wilson 1927): unlike the normal
    approximation it stays inside [0, 1] and is honest at 0 % and 100 %, where our
    fidelity rates sit. (0, 1) when there are no trials."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def percent_with_interval(successes: int, n: int) -> str:
    """"97.5 % [95.1, 98.7]" (Wilson 95 %), or "n/a" without trials."""
    if n == 0:
        return "n/a"
    low, high = wilson(successes, n)
    return f"{100 * successes / n:.1f} % [{100 * low:.1f}, {100 * high:.1f}]"
