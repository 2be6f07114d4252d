"""A wheel that uses every .data scheme: purelib and platlib belong in the bundle, the rest not."""
