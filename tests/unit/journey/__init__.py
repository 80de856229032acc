"""Unit tests of pure journey modules."""
