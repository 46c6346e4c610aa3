"""Which packages the wheel holds, beyond what pyproject.toml can say.

The templates and the questionnaires stay at the repository root, where people look for them,
but an installed Mognad has no repository: the wheel carries them inside the packages that read
them (``survey/templates``, ``analysis/questionnaires``), and the code looks in both places.
Every folder is declared a package, data folders included, so setuptools neither drops files
nor warns about folders missing from its ``packages`` list, and a new package needs no entry.
"""

from pathlib import Path

from setuptools import find_namespace_packages, setup

HERE = Path(__file__).resolve().parent
MAPPED = {"survey.templates": "templates", "analysis.questionnaires": "questionnaires"}


def folders(package: str, folder: str) -> list[str]:
    root = HERE / folder
    subs = [p.relative_to(root).parts for p in sorted(root.rglob("*")) if p.is_dir()]
    return [package, *(".".join((package, *s)) for s in subs if "__pycache__" not in s)]


setup(
    packages=[
        *find_namespace_packages(
            include=["survey", "survey.*", "analysis", "analysis.*"], exclude=["*__pycache__"]
        ),
        *(p for package, folder in MAPPED.items() for p in folders(package, folder)),
    ],
    package_dir=MAPPED,
)
