"""An interact as the notebook keeps it: the output event a kernel's ``@interact`` sends, checked,
kept in its cell's output log with its controls' last values and its own outputs, stored, and
shown in published snapshots.

Tests: tests/unit/test_interacts.py.  Design: docs/notebook.md, "Interacts".

In a cell's log an interact is one event (athena_nb/kernel/interact.py makes its first fields)::

    {"type": "interact", "id", "session", "name", "controls": [...], "layout": {...},
     "auto": bool, "first": bool, "values": {name: wire value},
     "seq": n,          # how often its values changed
     "ranSeq": n|None,  # the values its outputs were made with
     "ov": n,           # how often its outputs changed
     "outputs": [...],  # what its function printed and showed the last time it ran
     "by": name|None}   # who changed the values last

The event is replaced in the log, never changed in place, so an update already encoded for
viewers stays as it was.  The store's output kinds are fixed (stream, display, ...), so it is
stored as a display whose text is a summary, carrying the interact under ``"interact"``: a
reader that knows nothing of interacts shows the summary.
"""

from __future__ import annotations

import re
from html import escape

from .render import renderLatexOutput, renderMarkdown

#: The controls a kernel may send, with the shape of each one's wire value.
KINDS = ("slider", "range_slider", "checkbox", "selector", "input_box", "input_grid",
         "color_selector", "text")
SIDES = ("top", "bottom", "left", "right")
#: At most this many controls in one interact, and this much text in a text box.
MAX_CONTROLS = 100
MAX_TEXT = 10_000
#: A grid has at most this many entries.
MAX_GRID = 400
_HEX = re.compile(r"#[0-9a-f]{6}")
_MATH = re.compile(r"\$|\\\(")


class BadValue(ValueError):
    """A value that does not fit its control; the message says why, for the person."""


def _int(value, low: int, high: int) -> bool:
    return type(value) is int and low <= value <= high


def checkValue(control: dict, value):
    """``value`` as control ``control`` keeps it, or ``BadValue``."""
    kind, name = control["kind"], control["name"]
    if kind in ("slider", "range_slider"):
        top = control["n"] - 1
        if kind == "slider" and _int(value, 0, top):
            return value
        if (kind == "range_slider" and isinstance(value, list) and len(value) == 2
                and all(_int(v, 0, top) for v in value)):
            return sorted(value)
        raise BadValue(f"{name} takes {'a position' if kind == 'slider' else 'two positions'} "
                       f"from 0 to {top}, not {value!r}.")
    if kind == "checkbox" and isinstance(value, bool):
        return value
    if kind == "selector" and _int(value, 0, len(control["labels"]) - 1):
        return value
    if kind == "input_box" and isinstance(value, str) and len(value) <= MAX_TEXT:
        return value
    if (kind == "input_grid" and isinstance(value, list) and len(value) == control["rows"]
            and all(isinstance(row, list) and len(row) == control["cols"]
                    and all(isinstance(t, str) and len(t) <= MAX_TEXT for t in row)
                    for row in value)):
        return value
    if kind == "color_selector" and isinstance(value, str) and _HEX.fullmatch(value.lower()):
        return value.lower()
    if kind == "text":
        raise BadValue(f"{name} is text among the controls; it has no value to set.")
    expected = {"checkbox": "true or false", "selector": "a choice by its number",
                "input_box": f"text of at most {MAX_TEXT} characters",
                "input_grid": f"{control.get('rows')} rows of {control.get('cols')} texts",
                "color_selector": "a colour as #rrggbb"}[kind]
    raise BadValue(f"{name} takes {expected}, not {value!r}.")


def _cleanControl(control) -> dict | None:
    if not isinstance(control, dict) or control.get("kind") not in KINDS:
        return None
    name, label = control.get("name"), control.get("label")
    if not isinstance(name, str) or not name:
        return None
    kind = control["kind"]
    label = label if isinstance(label, str) else name
    clean = {"name": name, "kind": kind, "label": label}
    if _MATH.search(label):
        clean["labelHTML"] = renderLatexOutput(label)  # sanitised MathML among the words
    if kind in ("slider", "range_slider"):
        n, labels = control.get("n"), control.get("labels")
        if type(n) is not int or n < 1:
            return None
        if isinstance(labels, list) and len(labels) == n and all(isinstance(x, str) for x in labels):
            clean["labels"] = labels
        elif all(isinstance(control.get(k), (int, float)) for k in ("start", "step", "digits")):
            clean.update(start=float(control["start"]), step=float(control["step"]),
                         digits=max(0, min(10, int(control["digits"]))))
        else:
            return None
        clean.update(n=n, readout=control.get("readout") is not False)
    elif kind == "selector":
        labels = control.get("labels")
        if not isinstance(labels, list) or not labels or not all(isinstance(x, str) for x in labels):
            return None
        ncols = control.get("ncols")
        clean.update(labels=labels, buttons=control.get("buttons") is True,
                     ncols=ncols if _int(ncols, 1, 100) else None)
    elif kind == "input_box":
        clean.update(width=_size(control.get("width"), 80), height=_size(control.get("height"), 1))
    elif kind == "input_grid":
        rows, cols = control.get("rows"), control.get("cols")
        if not (_int(rows, 1, MAX_GRID) and _int(cols, 1, MAX_GRID)) or rows * cols > MAX_GRID:
            return None
        clean.update(rows=rows, cols=cols, width=_size(control.get("width"), 4))
    elif kind == "color_selector":
        clean["hideBox"] = control.get("hideBox") is True
    elif kind == "text":
        text = control.get("text")
        clean["text"] = text if isinstance(text, str) else ""
        clean["html"] = renderMarkdown(clean["text"])  # sanitised: no script, no style
    return clean


def _size(value, default: int) -> int:
    return value if _int(value, 1, 1000) else default


def _initial(control: dict):
    """A value of ``control`` when the kernel sent none that fits."""
    return {"slider": 0, "range_slider": [0, control.get("n", 1) - 1], "checkbox": False,
            "selector": 0, "input_box": "", "color_selector": "#000000",
            "input_grid": [[""] * control.get("cols", 0)] * control.get("rows", 0)
            }.get(control["kind"])


def clean(event: dict) -> dict | None:
    """The interact ``event`` as the log keeps it, or None when it is no interact: controls
    and values checked (a value that does not fit takes its control's first), labels with
    maths typeset, its own outputs cleaned.  Cleaning a kept event again keeps it."""
    from .cells import cleanEvent  # here: cells imports this module

    iid, session = event.get("id"), event.get("session")
    specs = event.get("controls")
    if not (isinstance(iid, str) and iid and isinstance(session, str) and isinstance(specs, list)
            and len(specs) <= MAX_CONTROLS):
        return None
    controls = [c for c in map(_cleanControl, specs) if c is not None]
    names = [c["name"] for c in controls]
    if len(set(names)) != len(names):
        return None
    values = event.get("values") if isinstance(event.get("values"), dict) else {}
    kept = {}
    for control in controls:
        if control["kind"] == "text":
            continue
        try:
            kept[control["name"]] = checkValue(control, values.get(control["name"]))
        except BadValue:
            kept[control["name"]] = _initial(control)
    outputs = event.get("outputs") if isinstance(event.get("outputs"), list) else []
    outputs = [e for e in (cleanEvent(o) for o in outputs if isinstance(o, dict))
               if e is not None and e["type"] != "interact"]
    name, by, ranSeq = event.get("name"), event.get("by"), event.get("ranSeq")
    return {"type": "interact", "id": iid, "session": session,
            "name": name if isinstance(name, str) else "interact", "controls": controls,
            "layout": _layout(event.get("layout"), names), "auto": event.get("auto") is not False,
            "first": event.get("first") is not False, "values": kept, "seq": _count(event.get("seq")),
            "ranSeq": ranSeq if _int(ranSeq, 0, 1 << 62) else None,
            "ov": _count(event.get("ov")), "outputs": outputs,
            "by": by if isinstance(by, str) else None}


def _count(value) -> int:
    return value if _int(value, 0, 1 << 62) else 0


def _layout(layout, names: list[str]) -> dict:
    """Rows of control names per side; the kernel made them (interact.normaliseLayout), so
    anything odd falls back to one control a row at the top."""
    placed, seen = {}, set()
    if isinstance(layout, dict):
        for side in SIDES:
            rows = layout.get(side) or []
            if not isinstance(rows, list):
                break
            for row in rows:
                if not isinstance(row, list) or not row or any(
                        n not in names or n in seen for n in row):
                    break
                seen.update(row)
                placed.setdefault(side, []).append(list(row))
    if seen != set(names):
        return {"top": [[name] for name in names]} if names else {}
    return placed


def slim(events: list[dict]) -> list[dict]:
    """``events`` with each interact reduced to its place (type, id and number): a cell's
    viewers get the rest from the interact's own fragment, so its outputs travel once."""
    return [{k: e[k] for k in ("type", "id", "n") if k in e} if e["type"] == "interact" else e
            for e in events]


def valueText(control: dict, value) -> str:
    """A control's value as text (published snapshots, the stored summary)."""
    kind = control["kind"]
    if kind in ("slider", "range_slider"):
        positions = value if kind == "range_slider" else [value]
        texts = [_position(control, k) for k in positions]
        return " – ".join(texts)
    if kind == "selector":
        return control["labels"][value]
    if kind == "checkbox":
        return "on" if value else "off"
    if kind == "input_grid":
        return "; ".join(", ".join(row) for row in value)
    if kind == "text":
        return control.get("text", "")
    return str(value)


def _position(control: dict, k: int) -> str:
    if "labels" in control:
        return control["labels"][k]
    return f"{control['start'] + k * control['step']:.{control['digits']}f}"


def summary(event: dict) -> str:
    """One line naming the interact and its values."""
    parts = [f"{c['name']} = {valueText(c, event['values'][c['name']])}"
             for c in event["controls"] if c["name"] in event["values"]]
    return f"Interact {event['name']}: " + ", ".join(parts)


def storedPayload(event: dict) -> dict:
    """The payload of the display the store keeps for ``event``."""
    return {"data": {"text/plain": summary(event)},
            "interact": {k: v for k, v in event.items() if k != "type"}}


def fromStored(payload: dict) -> dict | None:
    """The interact a stored display carries (None: it is a plain display)."""
    inner = payload.get("interact") if isinstance(payload, dict) else None
    return clean(dict(inner, type="interact")) if isinstance(inner, dict) else None


def publicHTML(event: dict, output) -> str:
    """A published snapshot's interact: its controls and their last values as text, then its
    last outputs (``output(event)`` makes each one's HTML)."""
    rows = []
    for control in event["controls"]:
        name = control["name"]
        label = control.get("labelHTML") or escape(control["label"])
        if control["kind"] == "text":
            rows.append(f'<div class="public-interact-text">{control["html"]}</div>')
        elif name in event["values"]:
            text = valueText(control, event["values"][name])
            rows.append(f'<div class="public-control"><span class="public-label">{label}</span> '
                        f'<span class="public-value">{escape(text)}</span></div>')
    outputs = "".join(output(o) for o in event["outputs"])
    return (f'<div class="public-interact"><div class="public-controls">{"".join(rows)}</div>'
            f'<div class="public-interact-outputs">{outputs}</div></div>')
