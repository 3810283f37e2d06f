"""Tests of the registry import."""
