"""Test data files shared by several tests."""
