"""The domain core: identifiers, money, pseudonyms, masking and the declarative definitions.

It imports no framework or engine (enforced by import-linter), so every rule here can be tested
without a database, a web server or a data engine.
"""
