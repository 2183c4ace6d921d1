"""Tests of the calendar files: real parsers, golden files and clock changes."""
