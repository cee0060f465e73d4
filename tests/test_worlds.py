import numpy as np
import pytest

from collapse.families.gaussian import (
    BimodalWorld,
    GaussianWorld,
    HeavyTailedWorld,
    make_world,
)
from collapse.scenario import Scenario

WORLDS = [GaussianWorld(), HeavyTailedWorld(2.5), HeavyTailedWorld(5.0), BimodalWorld()]


def test_student_t_is_scaled_to_sd_one():
    assert HeavyTailedWorld(2.5).dist.std() == pytest.approx(1)
    assert HeavyTailedWorld(40).dist.std() == pytest.approx(1)


@pytest.mark.parametrize("world", [GaussianWorld(), HeavyTailedWorld(5.0), BimodalWorld()], ids=lambda w: w.name)
def test_every_world_has_mean_zero_and_sd_one(world):
    x = np.linspace(-60, 60, 400_001)
    density = world.pdf(x)
    dx = x[1] - x[0]
    assert np.sum(density) * dx == pytest.approx(1, abs=1e-4)
    assert np.sum(x * density) * dx == pytest.approx(0, abs=1e-9)
    assert np.sum(x**2 * density) * dx == pytest.approx(1, abs=1e-3)


@pytest.mark.parametrize("world", WORLDS, ids=lambda w: w.name)
def test_samples_match_the_distribution(world):
    draws = world.sample(200_000, np.random.default_rng(0))
    # tail mass beyond 2 sd: a binomial proportion, 4 standard errors
    p = world.tail_mass(2)
    se = np.sqrt(p * (1 - p) / draws.size)
    assert abs(np.mean(np.abs(draws) > 2) - p) < 4 * se


def test_quantiles_invert_the_cdf():
    world = BimodalWorld()
    u = np.array([1e-9, 0.01, 0.3, 0.5, 0.9])
    assert np.allclose(world.cdf(world.ppf(u)), u, rtol=1e-4, atol=1e-12)
    assert np.allclose(world.isf(u), -world.ppf(u))


def test_heavier_tails_put_more_mass_far_out():
    assert HeavyTailedWorld(3).tail_mass(3) > HeavyTailedWorld(30).tail_mass(3) > GaussianWorld().tail_mass(3)
    with pytest.raises(ValueError):
        HeavyTailedWorld(2.0)


def test_make_world_reads_the_scenario():
    assert make_world(Scenario(world="heavy_tailed", tail_index=4)).tail_index == 4
    assert isinstance(make_world(Scenario(world="bimodal")), BimodalWorld)
