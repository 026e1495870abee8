"""Benchmarks: seed a large data set, load the pages, print the figures."""
