"""The synthetic city: department deliveries, a bank's history and the ground truth, for tests and demos."""
