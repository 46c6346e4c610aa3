"""Every problem of a questionnaire document at once, each at a place a person can follow.

An organisation writes its own instrument in a text editor, so a problem is said as the person
would look for it ("dimension 1, kategori 1, påstående 3: engelsk text saknas"), not as a JSON
path with 0-based indices, and never in jsonschema's English. The schema's errors come from
``iter_errors`` (all of them, not the first) and the checks the schema cannot express run as
well, on whatever parts of the document are whole enough to be read, so that a file with a
schema error and a semantic one shows both. Messages are :class:`~analysis.errors.Text`:
Swedish, translated by the application where they are shown.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from analysis.errors import Text, say
from analysis.plan_areas import check_plan_areas

__all__ = ["check_document", "check_semantics", "place"]

Path_ = tuple[str | int, ...]

# What each key of the document is called in a place; a key not here is shown as written.
_KEYS: dict[str, Text] = {
    "id": say("id"),
    "version": say("version"),
    "title": say("titel"),
    "description": say("beskrivning"),
    "short": say("kortnamn"),
    "scales": say("skalor"),
    "dimensions": say("dimensioner"),
    "categories": say("kategorier"),
    "items": say("påståenden"),
    "comments": say("kommentarsfrågor"),
    "suggestions": say("förslag"),
    "plan_areas": say("planområden"),
    "quadrants": say("kvadranter"),
    "labels": say("etiketter"),
    "descriptions": say("beskrivningar"),
    "roles": say("roller"),
    "target": say("målnivå"),
    "levels": say("nivåer"),
    "meaning": say("betydelse"),
    "learning": say("lärförslag"),
    "scale": say("skala"),
    "sv": say("svensk text"),
    "en": say("engelsk text"),
}
# A numbered entry of these lists is named by what it is, counted from 1.
_ENTRIES: dict[str, str] = {
    "dimensions": "dimension %(n)s",
    "categories": "kategori %(n)s",
    "items": "påstående %(n)s",
    "comments": "kommentarsfråga %(n)s",
    "plan_areas": "planområde %(n)s",
    "levels": "nivå %(n)s",
    "learning": "lärförslag %(n)s",
}
_TYPES: dict[str, Text] = {
    "string": say("text"),
    "integer": say("ett heltal"),
    "number": say("ett tal"),
    "boolean": say("true eller false"),
    "array": say("en lista"),
    "object": say("nycklar med värden"),
}


def _join(first: Text | str, second: Text | str) -> Text:
    return say("%(first)s, %(second)s", first=first, second=second)


def place(path: Path_) -> Text | None:
    """The Swedish place of ``path`` in the document; None for the document itself.

    A list's name is left out before its numbered entry ("kategori 2", not "kategorier,
    kategori 2"), and so is a statement's or a comment question's ``text``: it is the thing.
    """
    out: Text | None = None
    for n, part in enumerate(path):
        parent = path[n - 1] if n else None
        following = path[n + 1] if n + 1 < len(path) else None
        seg: Text | None
        if isinstance(part, int):
            entry = _ENTRIES.get(str(parent), "nummer %(n)s")
            seg = say(entry, n=part + 1)
        elif (part in _ENTRIES and isinstance(following, int)) or (
            part == "scales" and following is not None
        ):
            seg = None
        elif parent == "scales":
            seg = say("skalan '%(id)s'", id=part)
        elif n >= 2 and path[n - 2] == "suggestions":
            seg = say("'%(id)s'", id=part)
        elif part == "text" and isinstance(parent, int):
            seg = None
        else:
            seg = _KEYS.get(part) or say("'%(key)s'", key=part)
        if seg is not None:
            out = seg if out is None else _join(out, seg)
    return out


def _at(path: Path_, what: Text) -> Text:
    where = place(path)
    return what if where is None else say("%(place)s: %(what)s", place=where, what=what)


def _schema_problem(error: Any) -> Iterator[Text]:
    """Our sentence for one jsonschema error (for ``required``, one per missing key)."""
    kind, expected, value = error.validator, error.validator_value, error.instance
    path: Path_ = tuple(error.absolute_path)
    if kind == "required":
        for key in expected:
            if isinstance(value, dict) and key not in value:
                name = _KEYS.get(key) or say("'%(key)s'", key=key)
                yield _at(path, say("%(field)s saknas", field=name))
        return
    yield _at(path, _reason(kind, expected, value, error))


def _reason(kind: str, expected: Any, value: Any, error: Any) -> Text:
    if kind == "type":
        wanted = [expected] if isinstance(expected, str) else list(expected)
        names = [_TYPES.get(t, say("'%(key)s'", key=t)) for t in wanted]
        joined = names[0] if len(names) == 1 else say("%(a)s eller %(b)s", a=names[0], b=names[1])
        return say("ska vara %(type)s", type=joined)
    if kind == "minLength":
        return say("får inte vara tom")
    if kind == "maxLength":
        return say("får vara högst %(n)s tecken", n=expected)
    if kind in ("minItems", "minProperties"):
        return say("behöver minst %(n)s post", n=expected)
    if kind == "enum":
        allowed = ", ".join(str(v) for v in expected)
        return say(
            "'%(value)s' är inte tillåtet (tillåtet: %(allowed)s)", value=value, allowed=allowed
        )
    if kind == "pattern":
        return say(
            "'%(value)s' är ingen giltig id (små bokstäver a–z, siffror, '_' och '-', den "
            "första en bokstav)",
            value=value,
        )
    if kind == "uniqueItems":
        return say("samma värde står mer än en gång")
    if kind == "additionalProperties" and isinstance(value, dict):
        known = set(error.schema.get("properties", {}))
        extra = ", ".join(repr(k) for k in value if k not in known)
        return say("okänd nyckel %(keys)s", keys=extra)
    return say("värdet är inte tillåtet här")


def check_document(data: Any, schema_path: Path) -> list[Text]:
    """Every problem: the schema's (in document order), then the semantic checks'."""
    import jsonschema

    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    problems = [p for e in errors for p in _schema_problem(e)]
    if not isinstance(data, dict):
        return problems
    return problems + [p for p in check_semantics(data) if p not in problems]


def _dicts(value: Any) -> list[tuple[int, dict[str, Any]]]:
    """The entries of a list that are mappings, with their indices (nothing if no list)."""
    return (
        [(i, v) for i, v in enumerate(value) if isinstance(v, dict)]
        if isinstance(value, list)
        else []
    )


def _mapping(value: Any) -> dict[str, Any]:
    """``value`` if it is a mapping, else an empty one (a broken part has nothing to check)."""
    return value if isinstance(value, dict) else {}


def _scale_bounds(data: Mapping[str, Any]) -> dict[str, tuple[int, int]]:
    scales = data.get("scales")
    out = {}
    for sid, s in scales.items() if isinstance(scales, dict) else ():
        if isinstance(s, dict) and isinstance(s.get("min"), int) and isinstance(s.get("max"), int):
            out[str(sid)] = (s["min"], s["max"])
    return out


def check_scales(data: Mapping[str, Any]) -> list[Text]:
    """A scale runs upwards, and has one label (and description) per value."""
    problems: list[Text] = []
    scales = _mapping(data.get("scales"))
    for sid, (low, high) in _scale_bounds(data).items():
        if high <= low:
            problems.append(_at(("scales", sid), say("max måste vara större än min")))
            continue
        for key in ("labels", "descriptions"):
            for lang, labels in _mapping(scales[sid].get(key)).items():
                if isinstance(labels, list) and len(labels) != high - low + 1:
                    problems.append(
                        _at(
                            ("scales", sid, key, lang),
                            say(
                                "%(count)s poster, men skalan har %(n)s värden",
                                count=len(labels),
                                n=high - low + 1,
                            ),
                        )
                    )
    return problems


def check_ids(data: Mapping[str, Any]) -> list[Text]:
    """Every category, statement and comment question has an id of its own; a dimension once."""
    problems: list[Text] = []
    dim_ids = [d.get("id") for _i, d in _dicts(data.get("dimensions"))]
    for dup in sorted({str(d) for d in dim_ids if d is not None and dim_ids.count(d) > 1}):
        problems.append(
            _at(("dimensions",), say("dimensionen '%(id)s' finns mer än en gång", id=dup))
        )
    seen: dict[str, Text | None] = {}

    def claim(path: Path_, ident: Any) -> None:
        if not isinstance(ident, str):
            return
        if ident in seen:
            used = seen[ident]
            problems.append(
                _at(path, say("id '%(id)s' används redan (%(place)s)", id=ident, place=used))
            )
        else:
            seen[ident] = place(path)

    for di, dim in _dicts(data.get("dimensions")):
        for ci, cat in _dicts(dim.get("categories")):
            claim(("dimensions", di, "categories", ci), cat.get("id"))
            for ii, item in _dicts(cat.get("items")):
                claim(("dimensions", di, "categories", ci, "items", ii), item.get("id"))
    for mi, com in _dicts(data.get("comments")):
        claim(("comments", mi), com.get("id"))
    return problems


def check_categories(data: Mapping[str, Any]) -> list[Text]:
    """A category's scale exists, its targets are for its roles and on its scale (every role
    has one in competence), and its statements ask only its roles."""
    problems: list[Text] = []
    bounds = _scale_bounds(data)
    scales = _mapping(data.get("scales"))
    for di, dim in _dicts(data.get("dimensions")):
        for ci, cat in _dicts(dim.get("categories")):
            here: Path_ = ("dimensions", di, "categories", ci)
            scale = cat.get("scale")
            if isinstance(scale, str) and scale not in scales:
                problems.append(
                    _at(here, say("skalan '%(scale)s' finns inte under scales", scale=scale))
                )
            roles = cat.get("roles")
            croles = {r for r in roles if isinstance(r, str)} if isinstance(roles, list) else set()
            target = _mapping(cat.get("target"))
            for role, level in target.items():
                if croles and role not in croles:
                    problems.append(
                        _at(
                            (*here, "target"),
                            say("rollen '%(role)s' svarar inte på den här kategorin", role=role),
                        )
                    )
                low, high = bounds.get(str(scale), (level, level))
                if isinstance(level, int) and not low <= level <= high:
                    problems.append(
                        _at(
                            (*here, "target", role),
                            say(
                                "%(level)s ligger utanför skalan %(min)s–%(max)s",
                                level=level,
                                min=low,
                                max=high,
                            ),
                        )
                    )
            if dim.get("id") == "competence":
                for role in sorted(croles - set(target)):
                    problems.append(
                        _at(
                            (*here, "target"),
                            say("målnivå saknas för rollen '%(role)s'", role=role),
                        )
                    )
            for ii, item in _dicts(cat.get("items")):
                asked = item.get("roles")
                extra = (
                    {r for r in asked if isinstance(r, str)} - croles
                    if isinstance(asked, list)
                    else set()
                )
                if croles and extra:
                    problems.append(
                        _at(
                            (*here, "items", ii, "roles"),
                            say(
                                "%(roles)s finns inte bland kategorins roller",
                                roles=", ".join(sorted(extra)),
                            ),
                        )
                    )
    return problems


def check_suggestions(data: Mapping[str, Any]) -> list[Text]:
    """Suggestions for categories that exist, as many in sv as in en."""
    problems: list[Text] = []
    block = data.get("suggestions")
    if not isinstance(block, dict):
        return problems
    known = {
        c.get("id")
        for _i, d in _dicts(data.get("dimensions"))
        for _j, c in _dicts(d.get("categories"))
    }
    categories = block.get("categories")
    for ident in categories if isinstance(categories, dict) else ():
        if ident not in known:
            problems.append(
                _at(
                    ("suggestions", "categories", ident),
                    say("det finns ingen kategori '%(id)s' i den här enkäten", id=ident),
                )
            )
    for group in ("quadrants", "categories"):
        entries = block.get(group)
        for ident, entry in entries.items() if isinstance(entries, dict) else ():
            sv = entry.get("sv") if isinstance(entry, dict) else None
            en = entry.get("en") if isinstance(entry, dict) else None
            if isinstance(sv, list) and isinstance(en, list) and len(sv) != len(en):
                problems.append(
                    _at(
                        ("suggestions", group, ident),
                        say(
                            "%(sv)s förslag på svenska men %(en)s på engelska; varje förslag "
                            "behöver sin översättning",
                            sv=len(sv),
                            en=len(en),
                        ),
                    )
                )
    return problems


def check_levels(data: Mapping[str, Any]) -> list[Text]:
    """A category's ``levels`` (what each level means, for the competence profile) has one
    entry per value of its scale."""
    problems: list[Text] = []
    found = data.get("scales")
    scales: dict[str, Any] = found if isinstance(found, dict) else {}
    for di, dim in _dicts(data.get("dimensions")):
        for ci, cat in _dicts(dim.get("categories")):
            levels, scale = cat.get("levels"), scales.get(str(cat.get("scale")))
            if not isinstance(levels, list) or not isinstance(scale, dict):
                continue
            low, high = scale.get("min"), scale.get("max")
            if (
                not (isinstance(low, int) and isinstance(high, int))
                or len(levels) == high - low + 1
            ):
                continue
            problems.append(
                _at(
                    ("dimensions", di, "categories", ci, "levels"),
                    say(
                        "%(count)s nivåer, men skalan '%(scale)s' har %(n)s värden (en post "
                        "per värde, lägsta först)",
                        count=len(levels),
                        scale=cat.get("scale"),
                        n=high - low + 1,
                    ),
                )
            )
    return problems


def check_semantics(data: Mapping[str, Any]) -> list[Text]:
    """The checks the schema cannot express, on every part whole enough to be read."""
    return (
        check_scales(data)
        + check_ids(data)
        + check_categories(data)
        + check_suggestions(data)
        + check_levels(data)
        + check_plan_areas(data, _at)
    )
