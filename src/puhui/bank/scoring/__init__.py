"""Risk models of the bank node: the WoE scorecard, the gradient-boosted model, their metrics and reports, and the
benchmarks that measure them on real data (the vertical benchmark, cross-validation)."""

from puhui.bank.scoring.gbm import GbmModel
from puhui.bank.scoring.scorecard import WoeScorecard

__all__ = ["GbmModel", "WoeScorecard"]
