"""Packaging for the one part pyproject.toml cannot say: the import names.

The repository's top level is its design (maxcode/, sandbox/, reward/, critique/, benchmarks/,
records/), but `records`, `sandbox`, `benchmarks` and `reward` are also PyPI projects' import
names. So every folder installs under `maxcode.`: `records/` is `maxcode.records`, and so on.
Hydra's conf/ travels as `maxcode.conf` (data only), so an installed wheel finds its
configuration. A wheel holds one top-level name, `maxcode`; an editable install maps the same
names onto these folders.
"""
from setuptools import find_namespace_packages, setup

# Folders beside maxcode/ that install as its sub-packages.
BESIDE = ("records", "sandbox", "benchmarks", "critique", "reward", "conf")


def _packages(folder: str, name: str) -> list[str]:
    # Namespace finding, so that data folders (the built-in suites, sandbox images) travel too.
    found = find_namespace_packages(where=folder, exclude=["*__pycache__*"])
    return [name, *(f"{name}.{sub}" for sub in found)]


packages = _packages("maxcode", "maxcode")
for folder in BESIDE:
    packages += _packages(folder, f"maxcode.{folder}")

setup(
    packages=packages,
    package_dir={"maxcode": "maxcode", **{f"maxcode.{folder}": folder for folder in BESIDE}},
)
