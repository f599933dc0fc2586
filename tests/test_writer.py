"""The YAML writer reads back equal under a YAML 1.1 (PyYAML) and a YAML 1.2 (ruamel) parser."""

from __future__ import annotations

import io
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from blueprints.release.writer import dump_documents

_YAML12 = YAML(typ="safe", pure=True)

TRICKY = ["yes", "No", "on", "OFF", "null", "~", "", "0755", "1e3", "1.27", "0x1F", ".inf",
          "*star", "&anchor", "!tag", "-dash", ":colon", "#hash", "a: b", "a #b", "- x", "?",
          "key:", "[x]", "{x}", "'q'", '"dq"', "%d", "@at", "`tick", "|pipe", ">fold", "12:30",
          "2024-01-01", "=", "<<", "y", "n", "True", " lead", "trail ", "a\nb", "a\n", "\n",
          "tab\there", "\x85nel", "\u2028", "caf\u00e9", "\ufeffbom", "\x7f", "x\r\ny", "1_000",
          "+1", "0o17", ".5", "-.inf", "NaN", "nan"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False), st.text(), st.sampled_from(TRICKY),
)
keys = st.one_of(st.text(min_size=0, max_size=20), st.sampled_from(TRICKY))
values = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(keys, children, max_size=4)),
    max_leaves=20,
)
documents = st.dictionaries(keys, values, min_size=1, max_size=5)


def _load11(text: str) -> list[Any]:
    return list(yaml.safe_load_all(text))


def _load12(text: str) -> list[Any]:
    return list(_YAML12.load_all(io.StringIO(text)))


class TestRoundTrip:
    @settings(max_examples=200, deadline=None)
    @given(st.lists(documents, min_size=1, max_size=3))
    def test_random_documents(self, docs: list[dict[str, Any]]) -> None:
        text = dump_documents(docs)
        assert _load11(text) == docs
        assert _load12(text) == docs

    def test_tricky_strings_stay_strings(self) -> None:
        doc = {value: value for value in TRICKY}
        text = dump_documents([doc])
        assert _load11(text) == [doc]
        assert _load12(text) == [doc]


class TestFormat:
    def test_block_style_and_quoting(self) -> None:
        doc = {"a": {"b": [1, "x", {"c": "yes", "d": []}]}, "e": "1.27", "f": "two\nlines\n"}
        assert dump_documents([doc]) == (
            "a:\n  b:\n    - 1\n    - x\n    - c: \"yes\"\n      d: []\ne: \"1.27\"\n"
            "f: |\n  two\n  lines\n"
        )

    def test_documents_are_separated(self) -> None:
        assert dump_documents([{"a": 1}, {"b": 2}]) == "a: 1\n---\nb: 2\n"

    def test_a_key_is_written_for_its_place_in_every_item(self) -> None:
        # The writer caches each key's rendering per lead: first after "- " or after padding.
        doc = {"items": [{"name": "a", "port": 1}, {"port": 2, "name": "b"},
                         {"name": {"name": "c"}}], "name": "d"}
        assert dump_documents([doc]) == (
            "items:\n  - name: a\n    port: 1\n  - port: 2\n    name: b\n"
            "  - name:\n      name: c\nname: d\n")

    def test_a_str_subclass_key_is_its_text(self) -> None:
        import enum

        class Key(str, enum.Enum):  # noqa: UP042 - str() is "Key.NAME", unlike a StrEnum
            NAME = "name"
            SPACED = "x y"

        for doc in ({Key.NAME: 1, Key.SPACED: 2}, {"a": {"name": 0, "x y": 0}, "b": {
                Key.NAME: 1, Key.SPACED: 2}}):
            text = dump_documents([doc])
            assert "Key." not in text
            assert yaml.safe_load(text) == yaml.safe_load(dump_documents([{
                k: ({str.__str__(i): j for i, j in v.items()} if isinstance(v, dict) else v)
                for k, v in ((str.__str__(k), v) for k, v in doc.items())}]))
