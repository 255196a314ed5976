"""The one thing pyproject.toml cannot say: the wheel carries the top-level templates/ (the
theme a user edits in a checkout) as the package `generator.theme`, so that the repository
keeps one copy of it. Everything else is in pyproject.toml."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["generator", "generator.*"]), "generator.theme"],
    package_dir={"generator.theme": "templates"},
    package_data={"generator.theme": ["**/*"]},
    include_package_data=False,  # the theme is data, not packages: no "would be ignored" warnings
)
