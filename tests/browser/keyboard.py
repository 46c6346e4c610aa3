"""Drive the respondent pages with the keyboard only: Tab / Shift+Tab, arrows, Space, Enter.

Nothing here clicks or calls ``check()``; the DOM is only *read* (which element has focus, which
radio is checked) to decide the next key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page

FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return {tag: 'BODY'};
  const label = e.labels && e.labels.length ? e.labels[0].innerText.trim() : '';
  const cs = getComputedStyle(e);
  const ring = (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0)
    || cs.boxShadow !== 'none';
  return {tag: e.tagName, type: (e.type || '').toLowerCase(), name: e.name || '',
          value: e.value || '', checked: !!e.checked, label: label,
          text: (e.innerText || e.value || '').trim(),
          visible: e.matches(':focus-visible') && ring};
}"""

GROUPS = """() => {
  const out = [];
  for (const fs of document.querySelectorAll('main fieldset')) {
    const radios = [...fs.querySelectorAll('input[type=radio]')];
    if (!radios.length) continue;
    const legend = fs.querySelector('legend');
    out.push({name: radios[0].name, legend: legend ? legend.innerText.trim() : '',
              values: radios.map(r => r.value),
              labels: radios.map(r => r.labels.length ? r.labels[0].innerText.trim() : ''),
              checked: (radios.find(r => r.checked) || {}).value || null});
  }
  return out;
}"""

Chooser = Callable[[dict[str, Any], int], int]


def focused(page: Page) -> dict[str, Any]:
    return page.evaluate(FOCUSED)


def radio_groups(page: Page) -> list[dict[str, Any]]:
    """Each fieldset with radios: name, legend, values, labels, checked value."""
    return page.evaluate(GROUPS)


def checked(page: Page, name: str) -> str | None:
    return page.evaluate(
        "n => { const r = [...document.getElementsByName(n)].find(x => x.checked);"
        " return r ? r.value : null; }",
        name,
    )


def tab_to(
    page: Page,
    accept: Callable[[dict[str, Any]], bool],
    *,
    back: bool = False,
    limit: int = 80,
    what: str = "element",
) -> dict[str, Any]:
    """Press Tab (or Shift+Tab) until the focused element satisfies ``accept``.

    Every element that receives focus on the way must show a focus indicator (WCAG 2.4.7).
    """
    seen = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        f = focused(page)
        if f["tag"] != "BODY":
            assert f["visible"], f"no visible focus indicator on {f} at {page.url}"
        if accept(f):
            return f
        seen.append(f"{f.get('tag')}:{f.get('name') or f.get('text', '')[:30]}")
    raise AssertionError(f"Tab never reached {what}; focus went through {seen}")


def is_button(label: str) -> Callable[[dict[str, Any]], bool]:
    def accept(f: dict[str, Any]) -> bool:
        return (f.get("tag") == "BUTTON" or f.get("type") == "submit") and f["text"] == label

    return accept


def press_button(page: Page, label: str, *, back: bool = False) -> None:
    """Tab to the button named ``label`` and press Enter; wait for the next page."""
    tab_to(page, is_button(label), back=back, what=f"button {label!r}")
    with page.expect_navigation():
        page.keyboard.press("Enter")


def follow_link(page: Page, text: str) -> None:
    """Tab to a link by its text and press Enter; wait for the next page."""
    tab_to(page, lambda f: f.get("tag") == "A" and f["text"] == text, what=f"link {text!r}")
    with page.expect_navigation():
        page.keyboard.press("Enter")


def pick_radio(page: Page, name: str, index: int) -> str:
    """Tab into the radio group ``name`` and select its ``index``-th option with arrows/Space."""
    f = tab_to(
        page, lambda f: f.get("type") == "radio" and f["name"] == name, what=f"radio group {name!r}"
    )
    values = page.evaluate("n => [...document.getElementsByName(n)].map(r => r.value)", name)
    target = values[index]
    current = values.index(f["value"])
    if current == index and not f["checked"]:
        page.keyboard.press("Space")
    for _ in range((index - current) % len(values)):
        page.keyboard.press("ArrowDown")
    got = checked(page, name)
    assert got == target, f"{name}: wanted {target!r}, keyboard left {got!r}"
    return target


def answer_page(page: Page, choose: Chooser) -> dict[str, str]:
    """Answer every radio group on the page in document order; return name → value picked.

    ``choose(group, n)`` gives the index of the option for the n-th group answered so far.
    Call it right after the page loads, so Tab starts from the top in reading order.
    """
    picked = {}
    for n, group in enumerate(radio_groups(page)):
        picked[group["name"]] = pick_radio(page, group["name"], choose(group, n))
    return picked


def type_into(page: Page, name: str, text: str) -> None:
    """Tab to the text field ``name`` and type into it."""
    tab_to(
        page,
        lambda f: f.get("tag") in ("TEXTAREA", "INPUT") and f["name"] == name,
        what=f"text field {name!r}",
    )
    page.keyboard.type(text)


def pick_option(page: Page, name: str, label: str) -> None:
    """Tab to the <select> ``name`` and move to the option ``label`` with arrow keys."""
    tab_to(page, lambda f: f.get("tag") == "SELECT" and f["name"] == name, what=f"select {name!r}")
    labels = page.evaluate(
        "n => [...document.getElementsByName(n)[0].options].map(o => o.text.trim())", name
    )
    current = page.evaluate("n => document.getElementsByName(n)[0].selectedIndex", name)
    target = labels.index(label)
    for _ in range(abs(target - current)):
        page.keyboard.press("ArrowDown" if target > current else "ArrowUp")
    got = page.evaluate("n => document.getElementsByName(n)[0].selectedIndex", name)
    assert got == target, f"{name}: wanted option {label!r}, keyboard left {labels[got]!r}"
