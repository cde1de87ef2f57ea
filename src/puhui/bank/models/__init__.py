"""Risk models at the bank: the registry (champion, challenger), the facts-to-features bridge, trained models
that score one application, training on replayed history, and their artefacts under ``PUHUI_HOME/bank/models``.
The estimators themselves (scorecard, gradient boosting) and their metrics come from ``bank.scoring``."""
