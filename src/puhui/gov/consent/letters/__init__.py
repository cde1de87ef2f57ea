"""Authorization letter templates, versioned: ``v<N>.<language>.<clause>.txt`` (package data, never edited in place:
a changed text is a new version, since signed consents record the version and the hash of what was shown)."""
