"""The problem-agnostic engine."""
