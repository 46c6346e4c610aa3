"""The services' settings: built from a configuration mapping by the callers, never read inside.

The services are called from requests, the worker, the command line and tests without an app;
what they are given must be all they use, so no module of ``survey/services`` may reach for the
app's configuration, and the values built from it must keep the fallbacks the settings promise.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from analysis.dcat import DEFAULT_SPATIAL
from survey import create_app
from survey.services.settings import DataSettings, FigureSettings
from survey.services.transitions import move_round

SERVICES = Path(__file__).resolve().parents[3] / "survey" / "services"


def _names(tree: ast.AST) -> Iterator[tuple[str, int]]:
    """Every name, attribute and imported name of a module, with its line."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            yield node.id, node.lineno
        elif isinstance(node, ast.Attribute):
            yield node.attr, node.lineno
        elif isinstance(node, ast.ImportFrom):
            yield from ((alias.name, node.lineno) for alias in node.names)


def test_no_service_reads_the_apps_configuration() -> None:
    found = [
        f"{path.name}:{line} {name}"
        for path in sorted(SERVICES.glob("*.py"))
        for name, line in _names(ast.parse(path.read_text(encoding="utf-8")))
        if name in ("current_app", "has_app_context")
    ]
    assert not found


def _imported_modules(tree: ast.AST) -> Iterator[tuple[str, int]]:
    """Every module a module imports (``import m``, ``from m import …``), with its line."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            yield node.module, node.lineno


def test_no_service_imports_flask() -> None:
    """Services are plain use cases: templates and translations come in from the callers or
    through ``survey.i18n``, never from Flask or an extension of it (Flask-Babel, …) directly."""
    found = [
        f"{path.name}:{line} {module}"
        for path in sorted(SERVICES.glob("*.py"))
        for module, line in _imported_modules(ast.parse(path.read_text(encoding="utf-8")))
        if module == "flask" or module.startswith(("flask.", "flask_"))
    ]
    assert not found


def test_figure_settings_are_the_configurations_and_default_to_its_defaults(tmp_path) -> None:
    config = {"K_ANONYMITY": "7", "K_HOMOGENEOUS": 12, "MIN_TEST_N": "25"}
    assert FigureSettings.of(config) == FigureSettings(7, 12, 25)
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "TESTING": True})
    assert FigureSettings.of(app.config) == FigureSettings()  # what a test without an app passes


def test_data_settings_fall_back_as_the_readme_says() -> None:
    bare = DataSettings.of({"DATA_LICENSE": "", "BASE_URL": "https://mognad.example.se/"})
    assert bare.license is None  # the package then says CC0-1.0
    catalogue = bare.catalogue("Staden", 3)
    assert catalogue.publisher == "Staden" and catalogue.contact_email == ""
    assert catalogue.spatial == DEFAULT_SPATIAL
    assert catalogue.base_url == "https://mognad.example.se"
    assert catalogue.files_url == "https://mognad.example.se/results/3/files"

    named = DataSettings.of({"ORGANISATION_NAME": "Exempelstad", "MAIL_FROM": "enkat@ex.se"})
    assert named.catalogue("Staden", 3).publisher == "Exempelstad"
    assert named.catalogue("Staden", 3).contact_email == "enkat@ex.se"
    assert named.catalogue("Staden", 3).files_url == ""  # no address: beside the file
    own = DataSettings.of(
        {
            "ORGANISATION_NAME": "Exempelstad",
            "DATA_PUBLISHER": "Exempelstads kommun",
            "MAIL_FROM": "enkat@ex.se",
            "DATA_CONTACT_EMAIL": "data@ex.se",
            "DATA_SPATIAL": "http://publications.europa.eu/resource/authority/place/SWE_MAL",
            "DATA_LICENSE": "CC-BY-4.0",
        }
    )
    assert own.license == "CC-BY-4.0"
    assert (own.publisher, own.contact_email) == ("Exempelstads kommun", "data@ex.se")
    assert own.spatial.endswith("SWE_MAL")


def test_closing_without_the_installations_settings_is_refused() -> None:
    """Closing stores the figures: without the settings they would be made with guesses."""
    with pytest.raises(ValueError, match="settings"):
        move_round(None, "R2025", "close", sealer=object())
