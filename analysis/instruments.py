"""Questionnaire model, loader and validator.

The questionnaire file is a public contract (organisations write their own instruments), so
validation reports *every* problem with its place in the file instead of stopping at the first.
The model is made of frozen dataclasses: a round stores a snapshot and must never change under
the analysis.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from analysis.errors import Problem, ValidationError, say
from analysis.errors import Text as Message
from analysis.languages import LANGUAGES
from analysis.levels import Level, parse_levels
from analysis.plan_areas import PlanArea, parse_plan_areas
from analysis.questionnaire_check import check_document
from analysis.rescale import rescale as rescale_answer
from analysis.roles import ROLES, Role
from analysis.suggestions import Suggestions, parse_suggestions
from analysis.yamldoc import AliasRefused, parse_yaml

__all__ = [
    "DIMENSIONS",
    "DONT_KNOW",
    "LANGUAGES",
    "ROLES",
    "AliasRefused",
    "Category",
    "Comment",
    "Dimension",
    "Invalid",
    "Item",
    "Questionnaire",
    "QuestionnaireError",
    "Role",
    "Scale",
    "bundled_questionnaires",
    "check_questionnaire",
    "load_questionnaire",
    "parse_questionnaire",
    "parse_yaml",
]

DIMENSIONS: tuple[str, ...] = ("capability", "legacy", "competence")
#: How "vet ej" (don't know) is written in a draft, a form and an answer file.
DONT_KNOW = "dk"


def _questionnaires() -> Path:
    """An installed wheel carries the questionnaires inside this package (setup.py); a checkout
    keeps them at the repository root."""
    here = Path(__file__).resolve().parent
    inside = here / "questionnaires"
    return inside if inside.is_dir() else here.parent / "questionnaires"


SCHEMA_PATH = _questionnaires() / "schema.json"

Text = dict[str, str]


class QuestionnaireError(ValidationError, ValueError):
    """A questionnaire that cannot be used: one problem per place in the document, each
    ``reason`` starting with that place ("dimension 1, kategori 2: ...")."""

    def __init__(self, problems: list[str | Message] | list[Message], source: str = "") -> None:
        self.source = source
        super().__init__(Problem(p, source or None) for p in problems)


class Invalid(Enum):
    """Why :meth:`Scale.parse` refused a raw answer."""

    OFF_SCALE = "off_scale"
    DONT_KNOW_NOT_ALLOWED = "dont_know_not_allowed"


@dataclass(frozen=True)
class Scale:
    id: str
    min: int
    max: int
    dont_know: bool
    labels: dict[str, tuple[str, ...]]
    descriptions: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def values(self) -> range:
        return range(self.min, self.max + 1)

    def parse(self, raw: str, *, lenient: bool = False) -> int | None | Invalid:
        """An answer as written (form, draft or file): its value, None for "vet ej", or Invalid.

        Forms and drafts hold exactly what the page offered ("3", "dk"), so anything else is
        refused; a file written by hand may also say "DK" or "+3" (``lenient``).
        """
        if (raw.lower() if lenient else raw) == DONT_KNOW:
            return None if self.dont_know else Invalid.DONT_KNOW_NOT_ALLOWED
        try:
            value = int(raw)
        except ValueError:
            return Invalid.OFF_SCALE
        if str(value) != (raw.lstrip("+") if lenient else raw) or value not in self.values:
            return Invalid.OFF_SCALE
        return value

    def rescale(self, value: float, reverse: bool = False) -> float:
        """Map an answer onto 0–100 (docs/method.md, section 1), reverse-keyed items reversed
        (the one rule, :func:`analysis.rescale.rescale`)."""
        return rescale_answer(value, self.min, self.max, reverse)


@dataclass(frozen=True)
class Item:
    id: str
    text: Text
    roles: tuple[str, ...]
    reverse: bool = False


@dataclass(frozen=True)
class Category:
    id: str
    dimension: str
    title: Text
    description: Text
    scale: Scale
    roles: tuple[str, ...]
    items: tuple[Item, ...]
    target: dict[str, int] = field(default_factory=dict)

    def items_for(self, role: str) -> tuple[Item, ...]:
        return tuple(i for i in self.items if role in i.roles)


@dataclass(frozen=True)
class Dimension:
    id: str
    title: Text
    description: Text
    categories: tuple[Category, ...]


@dataclass(frozen=True)
class Comment:
    id: str
    text: Text
    roles: tuple[str, ...]


@dataclass(frozen=True)
class Questionnaire:
    id: str
    version: str
    title: Text
    description: Text
    scales: dict[str, Scale]
    dimensions: tuple[Dimension, ...]
    comments: tuple[Comment, ...]
    suggestions: Suggestions = field(default_factory=Suggestions)
    #: Category id → what each scale value means and what to learn next (``analysis.levels``).
    levels: Mapping[str, tuple[Level, ...]] = field(default_factory=dict)
    #: The organisation's own strategic areas (``analysis.plan_areas``), each a composite index.
    plan_areas: tuple[PlanArea, ...] = ()
    raw: dict[str, Any] = field(repr=False, compare=False, hash=False, default_factory=dict)

    @cached_property
    def categories(self) -> tuple[Category, ...]:
        return tuple(c for d in self.dimensions for c in d.categories)

    @cached_property
    def items(self) -> dict[str, tuple[Item, Category]]:
        return {i.id: (i, c) for c in self.categories for i in c.items}

    def category(self, category_id: str) -> Category:
        for c in self.categories:
            if c.id == category_id:
                return c
        raise KeyError(f"no category {category_id!r} in questionnaire {self.id}")

    def categories_for(self, role: str) -> tuple[Category, ...]:
        """The categories a role answers: those with at least one item for the role."""
        return tuple(c for c in self.categories if c.items_for(role))

    def items_for(self, role: str) -> tuple[Item, ...]:
        return tuple(i for c in self.categories for i in c.items_for(role))

    def comments_for(self, role: str) -> tuple[Comment, ...]:
        return tuple(c for c in self.comments if role in c.roles)

    def index_categories(self, index: str) -> tuple[Category, ...]:
        """The categories an index averages: a dimension, ``maturity``, a plan area (in
        questionnaire order) or one category."""
        if index == "maturity":
            return tuple(c for c in self.categories if c.dimension in ("capability", "legacy"))
        if index in DIMENSIONS:
            return tuple(c for c in self.categories if c.dimension == index)
        area = next((a for a in self.plan_areas if a.id == index), None)
        if area is not None:
            return tuple(c for c in self.categories if c.id in area.categories)
        return (self.category(index),)

    @property
    def plan_area_ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.plan_areas)

    @property
    def composites(self) -> tuple[str, ...]:
        """The indices that average several categories: the headline ones, then plan areas."""
        return ("maturity", *DIMENSIONS, *self.plan_area_ids)

    @property
    def indices(self) -> tuple[str, ...]:
        """Every index id the outputs use, in report order (plan areas last)."""
        return ("maturity", *DIMENSIONS, *(c.id for c in self.categories), *self.plan_area_ids)


def check_questionnaire(data: Any) -> list[Message]:
    """Return every problem of a parsed questionnaire document, each beginning with its place
    as a person would look for it (:mod:`analysis.questionnaire_check`)."""
    return check_document(data, SCHEMA_PATH)


def parse_questionnaire(data: Any, source: str = "") -> Questionnaire:
    """Validate a parsed document and build the model; raise QuestionnaireError listing problems."""
    problems = check_questionnaire(data)
    if problems:
        raise QuestionnaireError(problems, source)
    scales = {
        sid: Scale(
            id=sid,
            min=s["min"],
            max=s["max"],
            dont_know=bool(s.get("dont_know", False)),
            labels={k: tuple(v) for k, v in s["labels"].items()},
            descriptions={k: tuple(v) for k, v in s.get("descriptions", {}).items()},
        )
        for sid, s in data["scales"].items()
    }
    dims = []
    for d in data["dimensions"]:
        cats = []
        for c in d["categories"]:
            croles = tuple(r for r in ROLES if r in c["roles"])
            items = tuple(
                Item(
                    id=i["id"],
                    text=dict(i["text"]),
                    roles=tuple(r for r in croles if r in i.get("roles", croles)),
                    reverse=bool(i.get("reverse", False)),
                )
                for i in c["items"]
            )
            cats.append(
                Category(
                    id=c["id"],
                    dimension=d["id"],
                    title=dict(c["title"]),
                    description=dict(c.get("description", {})),
                    scale=scales[c["scale"]],
                    roles=croles,
                    items=items,
                    target=dict(c.get("target", {})),
                )
            )
        dims.append(
            Dimension(d["id"], dict(d["title"]), dict(d.get("description", {})), tuple(cats))
        )
    order = {d: n for n, d in enumerate(DIMENSIONS)}
    dims.sort(key=lambda d: order[d.id])
    comments = tuple(
        Comment(m["id"], dict(m["text"]), tuple(r for r in ROLES if r in m["roles"]))
        for m in data.get("comments", [])
    )
    return Questionnaire(
        id=data["id"],
        version=str(data["version"]),
        title=dict(data["title"]),
        description=dict(data.get("description", {})),
        scales=scales,
        dimensions=tuple(dims),
        comments=comments,
        suggestions=parse_suggestions(data),
        levels=parse_levels(data),
        plan_areas=parse_plan_areas(data),
        raw=data,
    )


def read_document(path: str | Path) -> Any:
    """Read a YAML/JSON questionnaire file; raise QuestionnaireError for unreadable files."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise QuestionnaireError([say("filen finns inte")], str(path)) from None
    except UnicodeDecodeError as e:
        reason = say("filen är inte text i UTF-8 (byte %(byte)s)", byte=e.start)
        raise QuestionnaireError([reason], str(path)) from None
    try:
        return parse_yaml(text)
    except yaml.YAMLError as e:
        raise QuestionnaireError([yaml_problem(e)], str(path)) from None


def yaml_problem(error: yaml.YAMLError) -> Message:
    """Where a file stops being YAML, in words; the parser's own reason is left out (English)."""
    mark = getattr(error, "problem_mark", None)
    if mark is None:
        return say("filen är inte giltig YAML")
    if isinstance(error, AliasRefused):
        return say(
            "rad %(line)s, tecken %(column)s: ankare och alias (& och *) är inte tillåtna; "
            "skriv ut värdet på varje ställe där det behövs",
            line=mark.line + 1,
            column=mark.column + 1,
        )
    return say(
        "rad %(line)s, tecken %(column)s: filen är inte giltig YAML härifrån (kontrollera "
        "indrag, kolon och citattecken)",
        line=mark.line + 1,
        column=mark.column + 1,
    )


def load_questionnaire(path: str | Path) -> Questionnaire:
    """Load and validate a questionnaire file.

    The model is kept per version of the file (its path, modification time and size): a staff
    preview page, a round and the demo read the same bundled file again and again, and
    reading and checking 66 kB of YAML costs a tenth of a second each time. A file that has
    changed since is read again; a file that cannot be read is never kept.
    """
    try:
        stat = Path(path).stat()
    except OSError:
        return parse_questionnaire(read_document(path), str(path))
    return _load_version(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=32)
def _load_version(path: str, mtime_ns: int, size: int) -> Questionnaire:
    return parse_questionnaire(read_document(path), path)


def bundled_questionnaires() -> dict[str, Path]:
    """Questionnaire files shipped in ``questionnaires/``, by instrument id."""
    out: dict[str, Path] = {}
    for p in sorted(SCHEMA_PATH.parent.glob("*.yaml")):
        stat = p.stat()
        instrument = _instrument_id(str(p), stat.st_mtime_ns, stat.st_size)
        if instrument is not None:
            out[instrument] = p
    return out


@functools.lru_cache(maxsize=32)
def _instrument_id(path: str, mtime_ns: int, size: int) -> str | None:
    """The ``id`` of one version of a bundled file (None when it has none)."""
    doc = parse_yaml(Path(path).read_text(encoding="utf-8"))
    return str(doc["id"]) if isinstance(doc, dict) and "id" in doc else None
