"""Questionnaire model, loader and validator.

The questionnaire file is a public contract (organisations write their own instruments), so
validation reports *every* problem with its place in the file instead of stopping at the first.
The model is made of frozen dataclasses: a round stores a snapshot and must never change under
the analysis.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from analysis.errors import Problem, ValidationError
from analysis.languages import LANGUAGES
from analysis.levels import Level, check_levels, parse_levels
from analysis.roles import ROLES, Role
from analysis.suggestions import Suggestions, check_suggestions, parse_suggestions
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
    ``reason`` starting with that place (``dimensions[0].categories[1]: ...``)."""

    def __init__(self, problems: list[str], source: str = "") -> None:
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
        """Map an answer onto 0–100 (docs/method.md, section 1), reverse-keyed items reversed."""
        if reverse:
            value = self.min + self.max - value
        return (value - self.min) / (self.max - self.min) * 100.0


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
        """The categories an index averages: a dimension, ``maturity`` or one category."""
        if index == "maturity":
            return tuple(c for c in self.categories if c.dimension in ("capability", "legacy"))
        if index in DIMENSIONS:
            return tuple(c for c in self.categories if c.dimension == index)
        return (self.category(index),)

    @property
    def indices(self) -> tuple[str, ...]:
        """Every index id the outputs use, in report order."""
        return ("maturity", *DIMENSIONS, *(c.id for c in self.categories))


def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def _place(path: Any) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def check_questionnaire(data: Any) -> list[str]:
    """Return every problem of a parsed questionnaire document, each prefixed with its place."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(_schema())
    problems = [
        f"{_place(e.absolute_path)}: {e.message}"
        for e in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    ]
    if problems:
        return problems
    return _check_semantics(data)


def _check_semantics(data: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    scales = data["scales"]
    for sid, s in scales.items():
        n = s["max"] - s["min"] + 1
        if s["max"] <= s["min"]:
            problems.append(f"scales.{sid}: max must be greater than min")
            continue
        for key in ("labels", "descriptions"):
            for lang, labels in s.get(key, {}).items():
                if len(labels) != n:
                    problems.append(
                        f"scales.{sid}.{key}.{lang}: {len(labels)} entries, "
                        f"the scale has {n} values"
                    )
    dim_ids = [d["id"] for d in data["dimensions"]]
    for dup in sorted({d for d in dim_ids if dim_ids.count(d) > 1}):
        problems.append(f"dimensions: dimension '{dup}' appears more than once")
    seen: dict[str, str] = {}
    for di, dim in enumerate(data["dimensions"]):
        for ci, cat in enumerate(dim["categories"]):
            cplace = f"dimensions[{di}].categories[{ci}]"
            seen_here = seen.get(cat["id"])
            if seen_here:
                problems.append(f"{cplace}: id '{cat['id']}' is already used at {seen_here}")
            seen[cat["id"]] = cplace
            scale = scales.get(cat["scale"])
            if scale is None:
                problems.append(f"{cplace}: scale '{cat['scale']}' is not declared")
            croles = set(cat["roles"])
            for role, level in cat.get("target", {}).items():
                if role not in croles:
                    problems.append(f"{cplace}.target: role '{role}' does not answer this category")
                if scale and not scale["min"] <= level <= scale["max"]:
                    problems.append(
                        f"{cplace}.target.{role}: {level} is outside the scale "
                        f"{scale['min']}–{scale['max']}"
                    )
            if dim["id"] == "competence":
                for role in sorted(croles - set(cat.get("target", {}))):
                    problems.append(f"{cplace}.target: no target level for role '{role}'")
            for ii, item in enumerate(cat["items"]):
                iplace = f"{cplace}.items[{ii}]"
                if item["id"] in seen:
                    problems.append(
                        f"{iplace}: id '{item['id']}' is already used at {seen[item['id']]}"
                    )
                seen[item["id"]] = iplace
                extra = set(item.get("roles", [])) - croles
                if extra:
                    problems.append(
                        f"{iplace}.roles: {', '.join(sorted(extra))} not among the category's roles"
                    )
            if not cat["items"]:
                problems.append(f"{cplace}.items: a category needs at least one item")
    for mi, com in enumerate(data.get("comments", [])):
        if com["id"] in seen:
            problems.append(
                f"comments[{mi}]: id '{com['id']}' is already used at {seen[com['id']]}"
            )
        seen[com["id"]] = f"comments[{mi}]"
    return problems + check_suggestions(data) + check_levels(data)


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
        raw=data,
    )


def read_document(path: str | Path) -> Any:
    """Read a YAML/JSON questionnaire file; raise QuestionnaireError for unreadable files."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise QuestionnaireError(["file not found"], str(path)) from None
    except UnicodeDecodeError as e:
        raise QuestionnaireError([f"not UTF-8 text (byte {e.start})"], str(path)) from None
    try:
        return parse_yaml(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise QuestionnaireError(
            [f"{where}not valid YAML ({getattr(e, 'problem', e)})"], str(path)
        ) from None


def load_questionnaire(path: str | Path) -> Questionnaire:
    """Load and validate a questionnaire file."""
    return parse_questionnaire(read_document(path), str(path))


def bundled_questionnaires() -> dict[str, Path]:
    """Questionnaire files shipped in ``questionnaires/``, by instrument id."""
    out: dict[str, Path] = {}
    for p in sorted(SCHEMA_PATH.parent.glob("*.yaml")):
        doc = parse_yaml(p.read_text(encoding="utf-8"))
        if isinstance(doc, dict) and "id" in doc:
            out[str(doc["id"])] = p
    return out
