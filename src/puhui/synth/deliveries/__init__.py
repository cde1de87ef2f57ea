"""Deliveries driven by the catalog: for every data set the catalog declares, a file whose columns are exactly the
catalog's fields, filled from the city by a mapping where one exists and by a type-driven filler otherwise,
written in the declared format and encoding, with deliberate bad rows recorded in an answer key."""
