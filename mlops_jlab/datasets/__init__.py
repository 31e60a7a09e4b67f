"""Datasets: content fingerprints, dataset versions, their profiles, diffs and drift.

A dataset version keeps a description of its content, not the data:
:func:`mlops_jlab.datasets.profiling.describe` gives its schema, counts and a profile per
column, and :func:`mlops_jlab.datasets.drift.diff` compares two versions with drift
statistics. :mod:`mlops_jlab.datasets.fingerprint` names content by its fingerprint, and a
version may have a role, one of :data:`mlops_jlab.datasets.roles.ROLES`.

Importing this package loads nothing heavy: pandas, NumPy and SciPy are loaded by the
modules that need them.
"""
