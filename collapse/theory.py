"""Closed forms from the literature, for chart overlays and for tests.

Notation as in SCIENCE.md: M = training-set size per generation, n =
generation, s = synthetic fraction, a = 1 - s (fresh share), sigma2_0 = the
real world's variance. Round 1 trains on M real samples (generation 0 is the
real world), so every formula starts from the real world at n = 0.

References: Shumailov et al., Nature 631 (2024) for section 1; Bertrand et al.
(ICLR 2024) and Alemohammad et al. (ICLR 2024) for fresh data; Gerstgrasser et
al. (2024) for accumulation.
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma, polygamma


def expected_variance(n, M: int, ddof: int = 0, sigma2_0: float = 1.0):
    """E[sigma2_n] when each model trains only on the previous one's output (s = 1).

    Maximum likelihood (ddof=0): ``sigma2_0 ((M-1)/M)^n``, about ``e^{-n/M}``.
    Unbiased (ddof=1): ``sigma2_0`` for every n (a martingale).
    """
    n = np.asarray(n, dtype=float)
    return sigma2_0 * ((M - 1) / (M - ddof)) ** n


def log_variance_mean(n, M: int, ddof: int = 0, sigma2_0: float = 1.0, temperature: float = 1.0):
    """E[log sigma2_n] for s = 1: a random walk with drift about -2/M per step.

    Each step multiplies the variance by ``chi2_{M-1} / (M - ddof)``, whose log
    has mean ``psi((M-1)/2) + ln 2 - ln(M - ddof)``; sampling at temperature T
    adds ``ln T`` per step after the first (round 1 samples the real world).
    """
    n = np.asarray(n, dtype=float)
    step = digamma((M - 1) / 2) + np.log(2) - np.log(M - ddof)
    return np.log(sigma2_0) + n * step + np.maximum(n - 1, 0) * np.log(temperature)


def log_variance_var(n, M: int):
    """Var[log sigma2_n] for s = 1: ``n psi'((M-1)/2)``, about 2n/M."""
    return np.asarray(n, dtype=float) * polygamma(1, (M - 1) / 2)


def median_variance(n, M: int, ddof: int = 0, sigma2_0: float = 1.0):
    """Median of sigma2_n for s = 1, from the log random walk (large n).

    It falls about twice as fast as the mean: ``e^{-2n/M}`` against ``e^{-n/M}``.
    """
    return np.exp(log_variance_mean(n, M, ddof, sigma2_0))


def expected_drift(n, M: int, ddof: int = 0, sigma2_0: float = 1.0):
    """E[(mu_n - mu_0)^2] for s = 1: the lost variance becomes drift of the mean.

    ML: ``sigma2_0 (1 - ((M-1)/M)^n)``; unbiased: ``n sigma2_0 / M`` (unbounded).
    """
    n = np.asarray(n, dtype=float)
    if ddof == 0:
        return sigma2_0 * (1 - ((M - 1) / M) ** n)
    return n * sigma2_0 / M


def moments_with_fresh_data(
    generations: int,
    M: int,
    synthetic_fraction: float,
    ddof: int = 0,
    temperature: float = 1.0,
    sigma2_0: float = 1.0,
):
    """Exact E[sigma2_n] and E[(mu_n - mu_0)^2] for n = 0..G, mode "replace".

    Round n trains on a M fresh real samples and (1-a) M samples drawn from
    N(mu_{n-1}, temperature * sigma2_{n-1}); with ``s_n = a sigma2_0 + (1-a) T v_n``
    and ``c = M / (M - ddof)``::

        v_{n+1} = c [(1 - 1/M) s_n + a (1-a) D_n]
        D_{n+1} = (1-a)^2 D_n + s_n / M

    Round 1 trains on real data only (generation 0 is the real world), so it
    uses a = 1. ``a M`` should be a whole number, as in the engine.

    Returns
    -------
    v, D : ndarray of shape (generations + 1,)
    """
    a = 1.0 - synthetic_fraction
    c = M / (M - ddof)
    v = np.empty(generations + 1)
    D = np.empty(generations + 1)
    v[0], D[0] = sigma2_0, 0.0
    v[1], D[1] = c * (1 - 1 / M) * sigma2_0, sigma2_0 / M
    for n in range(1, generations):
        s_n = a * sigma2_0 + (1 - a) * temperature * v[n]
        v[n + 1] = c * ((1 - 1 / M) * s_n + a * (1 - a) * D[n])
        D[n + 1] = (1 - a) ** 2 * D[n] + s_n / M
    return v, D


def stationary_drift(M: int, synthetic_fraction: float, sigma2_0: float = 1.0) -> float:
    """D* = sigma2_0 / (a (2-a) M + 1 - a): where the mean's drift settles (ML, T = 1)."""
    a = 1.0 - synthetic_fraction
    return sigma2_0 / (a * (2 - a) * M + 1 - a)


def stationary_variance(M: int, synthetic_fraction: float, sigma2_0: float = 1.0) -> float:
    """v* = sigma2_0 - D*: any fresh share stops the collapse (ML, T = 1)."""
    return sigma2_0 - stationary_drift(M, synthetic_fraction, sigma2_0)


def stationary_variance_biased_sampling(
    synthetic_fraction: float, temperature: float, sigma2_0: float = 1.0
) -> float:
    """v* = a sigma2_0 / (1 - T (1-a)) for large M when samples use T times the variance.

    With no fresh data (a = 0) and T < 1 this is 0: collapse even with infinite M.
    """
    a = 1.0 - synthetic_fraction
    return a * sigma2_0 / (1 - temperature * (1 - a))


def accumulate_drift(expected_variances, M: int):
    """E[(mu_n - mu_0)^2] when accumulating, s = 1: ``(1/M) sum_k E[sigma2_{k-1}] / k^2``.

    Round k adds M samples centred on mu_{k-1}; the pool mean moves by 1/k of
    their offset. Pass E[sigma2_k] for k = 0..G; returns n = 0..G.
    """
    v = np.asarray(expected_variances, dtype=float)
    k = np.arange(1, v.size)
    return np.concatenate([[0.0], np.cumsum(v[:-1] / k**2) / M])


def accumulate_drift_bound(M: int, sigma2_0: float = 1.0) -> float:
    """Upper limit of the accumulated drift when E[sigma2_k] <= sigma2_0: (pi^2/6) sigma2_0 / M."""
    return np.pi**2 / 6 * sigma2_0 / M


def regression_test_error(n, sigma2: float, d: int, T: int, mode: str = "replace"):
    """Test error of linear regression retrained on its own labels (Gerstgrasser et al. 2024).

    Fixed design of T rows and d features, label noise sigma2, labels of each
    round regenerated by the last fit. Replace: ``n sigma2 d / (T-d-1)``;
    accumulate: ``sigma2 d/(T-d-1) sum_{i=1..n} 1/i^2``, below ``pi^2/6`` times
    one round's error.
    """
    n = np.asarray(n)
    unit = sigma2 * d / (T - d - 1)
    if mode == "replace":
        return n * unit
    partial = np.cumsum(1.0 / np.arange(1, int(np.max(n)) + 1) ** 2)
    return unit * np.where(n > 0, partial[np.maximum(n, 1) - 1], 0.0)


# -- Section 4: a vocabulary resampled (Wright-Fisher drift with population M) --------
def gini_simpson(p) -> float:
    """Gini-Simpson diversity ``1 - sum p_i^2``: the chance two random words differ."""
    p = np.asarray(p, dtype=float)
    return float(1.0 - p @ p)


def expected_gini_simpson(n, M: int, H0: float):
    """E[H_n] = H_0 (1 - 1/M)^n when each generation reads only the last one's text."""
    return H0 * (1 - 1 / M) ** np.asarray(n, dtype=float)


def gini_simpson_with_fresh_data(generations: int, M: int, synthetic_fraction: float, real_p):
    """Exact E[H_n], n = 0..G, when round n reads a M fresh real words and (1-a) M model words.

    With S_n = E[sum p_i^2] and C_n = E[sum p0_i p_i]::

        S_{n+1} = [a (1 - S_0) + (1-a)(1 - S_n)] / M + a^2 S_0 + 2a(1-a) C_n + (1-a)^2 S_n
        C_{n+1} = a S_0 + (1-a) C_n

    (no decoding; ``a M`` a whole number, as in the engine).
    """
    a = 1.0 - synthetic_fraction
    S0 = float(np.sum(np.asarray(real_p, dtype=float) ** 2))
    S = np.empty(generations + 1)
    S[0], C = S0, S0
    for n in range(generations):
        S[n + 1] = (a * (1 - S0) + (1 - a) * (1 - S[n])) / M + a * a * S0 + 2 * a * (1 - a) * C + (1 - a) ** 2 * S[n]
        C = a * S0 + (1 - a) * C
    return 1.0 - S


def stationary_gini_simpson(M: int, synthetic_fraction: float, H0: float) -> float:
    """H* = H_0 (a(2-a) - a/M) / (a(2-a) + (1-a)/M): the same form as the Gaussian v*."""
    a = 1.0 - synthetic_fraction
    b = a * (2 - a)
    return H0 * (b - a / M) / (b + (1 - a) / M)


def survival_scale(n):
    """g_n of the branching approximation: g_1 = 1, g_{n+1} = 1 - e^{-g_n} (about 2/n)."""
    n = int(np.max(n))
    g = np.empty(n + 1)
    g[0] = np.inf  # generation 0 is the real world: every word is alive
    if n >= 1:
        g[1] = 1.0
    for k in range(1, n):
        g[k + 1] = -np.expm1(-g[k])
    return g


def word_survival(expected_count, n):
    """P(a word is still alive at generation n), s = 1: about 1 - exp(-M p0 g_n)."""
    g = survival_scale(n)[np.asarray(n)]
    return -np.expm1(-np.asarray(expected_count, dtype=float) * g)


def word_survival_exact(p0: float, M: int, generations: int) -> np.ndarray:
    """Exact P(alive at n), n = 0..G, from the binomial chain c_{n+1} ~ Bin(M, c_n / M), c_1 ~ Bin(M, p0)."""
    from scipy.stats import binom

    states = np.arange(M + 1)
    transition = binom.pmf(states[None, :], M, states[:, None] / M)  # row: from, column: to
    counts = binom.pmf(states, M, p0)
    alive = np.ones(generations + 1)
    for n in range(1, generations + 1):
        if n > 1:
            counts = counts @ transition
        alive[n] = 1.0 - counts[0]
    return alive
