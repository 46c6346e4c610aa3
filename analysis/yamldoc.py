"""Reading YAML text safely: plain data types only, and no anchors or aliases.

Questionnaires are uploaded by staff and checked by the command line, so their text is not
trusted. ``yaml.safe_load`` already refuses arbitrary objects but still expands aliases: a few
hundred bytes of nested ``*alias`` references grow into billions of values and take minutes and
gigabytes to build (an "alias bomb"). The loader here refuses the first anchor or alias it meets,
before any node is built, so reading any text takes time in proportion to its length.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["AliasRefused", "parse_yaml"]


class AliasRefused(yaml.MarkedYAMLError):
    """The document uses an anchor (``&name``) or an alias (``*name``).

    An alias repeats a node without repeating its text, so a few hundred bytes of nested
    aliases expand into billions of values (an "alias bomb"). A questionnaire never needs one,
    so the loader refuses the first anchor or alias before anything is built.
    """

    def __init__(self, mark: Any) -> None:  # PyYAML's Mark, or libyaml's (same fields)
        super().__init__(problem="anchors and aliases (& and *) are not allowed", problem_mark=mark)

    @property
    def line(self) -> int:
        return int(self.problem_mark.line) + 1 if self.problem_mark else 0


class _SafeNoAliasLoader(yaml.SafeLoader):
    """PyYAML's safe loader that stops at the first anchor or alias event, in linear time."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]  # PyYAML has no types
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise AliasRefused(event.start_mark)
        return super().compose_node(parent, index)


def parse_yaml(text: str) -> Any:
    """The one way any questionnaire text is read: safe types only, no anchors or aliases.

    With libyaml (PyYAML's C extension, in every wheel we install) the text is first read as
    a stream of events, which builds nothing, and refused at the first anchor or alias; only
    then is it built, by the C loader, about eight times faster than PyYAML's Python loader
    (a staff preview page reads the bundled questionnaire on every request). Without
    libyaml the Python loader above does both in one pass.

    Raises ``yaml.YAMLError`` (``AliasRefused`` for an anchor or alias) with the place.
    """
    if not yaml.__with_libyaml__:
        return yaml.load(text, Loader=_SafeNoAliasLoader)  # noqa: S506  (a SafeLoader subclass)
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise AliasRefused(event.start_mark)
    return yaml.load(text, Loader=yaml.CSafeLoader)  # noqa: S506  (the safe C loader)
