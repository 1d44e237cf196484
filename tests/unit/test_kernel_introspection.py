"""What the worker says of a name, in-process: completions with kinds, structured help, the
signature hint (athena_nb.kernel.introspection; the worker answers with it)."""

import collections
import json
import os
import textwrap

import pytest

from athena_nb.kernel import introspection, objecthelp, worker
from tests.unit.test_kernel_worker import FakeChannel


@pytest.fixture
def w(tmp_path):
    return worker.Worker(FakeChannel(), "python", str(tmp_path), {})


class Gauge:
    """A gauge."""

    reads = 0

    def __init__(self):
        self.note = "own value"
        self.callback = lambda level: level

    @property
    def level(self):
        """Reading it counts (it must never be read unbidden)."""
        Gauge.reads += 1
        return 3

    def scale(self, factor, offset=0):
        """Scale the gauge by ``factor``.

        More text that the hint leaves out."""
        return factor + offset

    @staticmethod
    def unit(name):
        return name

    @classmethod
    def make(cls, size=1):
        return cls()


def test_completions_carry_each_candidates_kind():
    ns = {"json": json, "Counter": collections.Counter, "count": 3, "counter": len}
    reply = introspection.complete(ns, "cou", 3)
    assert dict(zip(reply["matches"], reply["types"], strict=True)) == {
        "count": "instance", "counter": "function"}
    reply = introspection.complete(ns, "Co", 2)
    assert dict(zip(reply["matches"], reply["types"], strict=True))["Counter"] == "class"
    kinds = dict(zip(*(introspection.complete(ns, "i", 1)[k] for k in ("matches", "types")),
                     strict=True))
    assert kinds["if"] == "keyword" and kinds["import"] == "keyword"
    assert kinds["int"] == "class" and kinds["isinstance"] == "function"
    ns["Nothing"] = type("Nothing", (), {})  # rlcompleter writes "Nothing()": no parameters
    assert introspection.complete(ns, "Noth", 4) == {"matches": ["Nothing"], "types": ["class"],
                                              "start": 0, "end": 4}
    reply = introspection.complete(ns, "json.d", 6)
    assert dict(zip(reply["matches"], reply["types"], strict=True)) == {
        "json.decoder": "module", "json.detect_encoding": "function",
        "json.dump": "function", "json.dumps": "function"}


def test_in_a_string_tab_completes_a_mappings_keys_or_else_a_path(tmp_path, monkeypatch):
    """As IPython does: ``d['ap`` offers the string keys of the dict ``d`` (escaped for the
    string's quote), any other string the entries of the kernel's directory (folders end in
    "/", hidden ones only after a dot); not in a comment, nor in an f-string's braces."""
    ns = {"d": {"apple": 1, "apricot": 2, "banana": 3, 4: "four", "it's": 5},
          "box": type("Box", (), {"prices": {"tea": 2}})(), "items": ["apple"]}

    def reply(code, namespace=ns):
        answer = introspection.complete(namespace, code, len(code))
        return answer["matches"], answer["types"], answer["start"]

    assert reply("d['ap") == (["apple']", "apricot']"], ["key", "key"], 3)  # closed
    assert reply('x = d["')[0] == ['apple"]', 'apricot"]', 'banana"]', 'it\'s"]']
    assert reply("d['it")[0] == ["it\\'s']"]  # written for the string it goes into
    assert reply("box.prices[ 't") == (["tea']"], ["key"], 13)
    closed = introspection.complete(ns, "d['ap']", 5)  # what closes it is there already
    assert closed["matches"] == ["apple", "apricot"]
    assert reply("items['a")[0] == []  # a list has no keys to offer
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "one.csv").write_text("")
    (tmp_path / "data" / "two.csv").write_text("")
    (tmp_path / ".hidden").write_text("")
    assert reply("open('da") == (["data/"], ["folder"], 6)
    assert reply("open('data/o") == (["data/one.csv"], ["file"], 6)
    assert reply('p = "')[0] == ["data/"]
    assert reply("p = '.h")[0] == [".hidden"]
    assert reply("p = 'nowhere/x")[0] == []
    assert reply("x = 1  # 'da")[0] == []  # a comment: the name before the caret, "da"
    assert reply("s = 'a' + da", {"data": 1})[0] == ["data"]  # the string was closed
    assert reply('f"{da', {"data": 1})[0] == ["data"]  # an f-string's braces hold code
    assert reply('x = rf"{da', {"data": 1})[0] == ["data"]
    assert reply("x = elf'da")[0] == ["data/"]  # no prefix (and no Python), still a string
    # Written for the string they go into: its quote, backslashes and control characters
    # escaped; in a raw string only what it can hold.
    (tmp_path / "it's.csv").write_text("")
    assert reply("open('it")[0] == ["it\\'s.csv"] and reply('open("it')[0] == ["it's.csv"]
    ns["odd"] = {"a\nb": 1, "a\\c": 2}
    assert reply("odd['a")[0] == ["a\\nb']", "a\\\\c']"]
    assert reply("odd[r'a")[0] == ["a\\c']"]


def test_what_a_cell_imports_or_defines_before_it_ran_completes_from_its_source():
    """``import math`` then ``math.sq`` and Tab, nothing run yet: jedi (IPython's dependency,
    here a test dependency) reads the cell; names the namespace has still come from it."""
    pytest.importorskip("jedi")
    code = "import math\nmath.sq"
    assert introspection.complete({}, code, len(code)) == {
        "matches": ["math.sqrt"], "types": ["function"], "start": len("import math\n"),
        "end": len(code)}
    code = "total = 3\ndef twice(x):\n    return 2 * x\ntw"
    reply = introspection.complete({}, code, len(code))
    assert reply["matches"] == ["twice"] and reply["types"] == ["function"]
    # The namespace wins where it knows the name; nothing of the source is run.
    ns = {"math": json}
    code = "import math\nmath.du"
    assert introspection.complete(ns, code, len(code))["matches"] == ["math.dump", "math.dumps"]
    # A cell longer than MAX_SOURCE is not read for it.
    code = "import math\n" + "#" * introspection.MAX_SOURCE + "\nmath.sq"
    assert introspection.complete({}, code, len(code))["matches"] == []
    code = "import os\nos.system('touch ran')\nos.sy"
    assert "os.system" in introspection.complete({}, code, len(code))["matches"]
    assert not os.path.exists("ran")


def test_attribute_kinds_never_run_a_property():
    ns = {"g": Gauge()}
    Gauge.reads = 0
    reply = introspection.complete(ns, "g.", 2)
    kinds = dict(zip(reply["matches"], reply["types"], strict=True))
    assert kinds == {"g.callback": "function", "g.level": "property", "g.make": "function",
                     "g.note": "instance", "g.reads": "instance", "g.scale": "function",
                     "g.unit": "function"}
    assert Gauge.reads == 0


def test_kinds_judge_by_type_alone():
    assert introspection.kindOf(os) == "module"
    assert introspection.kindOf(Gauge) == "class"
    assert introspection.kindOf(Gauge().scale) == "function"
    assert introspection.kindOf(len) == "function"
    assert introspection.kindOf(3.5) == "instance"


def test_a_sage_lazy_import_is_not_imported_to_find_its_kind():
    class LazyImport:  # the shape of sage.misc.lazy_import.LazyImport
        def __init__(self, target=None):
            self._object = target

        def _get_object(self):
            raise AssertionError("completion imported a lazy import")

    assert introspection.kindOf(LazyImport()) == "lazy"
    assert introspection.kindOf(LazyImport(json)) == "module"
    assert introspection.complete({"lazy_thing": LazyImport()}, "lazy_", 5)["types"] == ["lazy"]


def test_help_is_structured_and_keeps_the_text_for_cells():
    ns = {}
    exec(textwrap.dedent('''
        def area(radius, *, pi=3.14):
            r"""The area of a disc of ``radius``.

            The formula is `\\pi r^2`.
            """
            return pi * radius ** 2
    '''), ns)
    info = objecthelp.introspect(ns, "area", 0)
    assert info["found"] is True and info["name"] == "area" and info["type"] == "function"
    assert info["signature"] == "(radius, *, pi=3.14)"
    assert info["doc"].startswith("The area of a disc of ``radius``.")
    assert info["module"] is not None and "source" not in info
    assert "Signature: area(radius, *, pi=3.14)" in info["text"]
    info = objecthelp.introspect({"json": json}, "json.dumps", 1)
    assert info["file"].endswith(os.path.join("json", "__init__.py")) and info["line"] > 1
    assert info["source"].startswith("def dumps(obj")
    assert "Source:\ndef dumps(obj" in info["text"]
    assert objecthelp.introspect(ns, "nope", 0) == {"found": False,
                                                  "text": "Object 'nope' not found."}
    assert objecthelp.introspect(ns, "area()", 0)["found"] is False  # names, never code


def test_help_on_builtins_and_instances():
    info = objecthelp.introspect({}, "len", 1)
    assert info["signature"] == "(obj, /)" and "number of items" in info["doc"]
    assert info["source"] is None and "Source: not available." in info["text"]
    info = objecthelp.introspect({"c": collections.Counter("aab")}, "c", 0)
    assert info["type"] == "collections.Counter" and "counting hashable" in info["doc"]


def test_the_signature_hint_takes_attributes_statically():
    ns = {"g": Gauge(), "json": json, "Gauge": Gauge}
    Gauge.reads = 0
    hint = objecthelp.signature(ns, "g.scale")
    assert hint == {"found": True, "name": "g.scale", "signature": "(factor, offset=0)",
                    "doc": "Scale the gauge by ``factor``."}
    assert objecthelp.signature(ns, "g.level") == {"found": False, "name": "g.level"}
    assert Gauge.reads == 0, "the hint read a property"
    assert objecthelp.signature(ns, "g.unit")["signature"] == "(name)"
    assert objecthelp.signature(ns, "Gauge.make")["signature"] == "(size=1)"
    assert objecthelp.signature(ns, "g.callback")["signature"] == "(level)"  # its own, unbound
    assert objecthelp.signature(ns, "json.dumps")["signature"].startswith("(obj, *, skipkeys")
    assert objecthelp.signature(ns, "sorted")["signature"] == "(iterable, /, *, key=None, reverse=False)"
    assert objecthelp.signature(ns, "g.note") == {"found": False, "name": "g.note"}
    assert objecthelp.signature(ns, "missing") == {"found": False, "name": "missing"}


def test_a_long_first_paragraph_is_cut_for_the_hint():
    def f():
        pass

    f.__doc__ = "word " * 200
    doc = objecthelp.signature({"f": f}, "f")["doc"]
    assert len(doc) <= objecthelp.HINT_CHARS + 2 and doc.endswith(" …")


def test_the_worker_answers_the_signature_op(w):
    w.op_signature({"op": "signature", "id": 7, "name": "len"})
    assert w.channel.sent[-1] == {"op": "reply", "id": 7, "ok": True, "value": {
        "found": True, "name": "len", "signature": "(obj, /)",
        "doc": "Return the number of items in a container."}}
    w.op_signature({"op": "signature", "id": 8})
    assert w.channel.sent[-1] == {"op": "reply", "id": 8, "ok": False,
                                  "message": "The signature hint failed: KeyError: 'name'"}


def test_a_name_cell_still_prints_its_help_as_text(w):
    """Run in the queue (Run all), ``len?`` shows the help as text."""
    assert w.runCell("len?") == "ok"
    [event] = w.tail or [e["event"] for e in w.channel.sent]
    assert event["type"] == "stream" and "Signature: len(obj, /)" in event["text"]

