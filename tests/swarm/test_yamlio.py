import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from swarm import yamlio


def test_round_trip_keeps_order_and_multiline_text():
    data = {"b": "one\ntwo", "a": [1, 2], "c": None, "d": "é"}
    text = yamlio.dump(data)
    assert text.index("b:") < text.index("a:")
    assert "b: |-\n  one\n  two\n" in text
    assert yamlio.load(text) == data


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("a: &x [1]\nb: *x\n", "anchor"),
        ("a: !!python/object:os.system x\n", "tag"),
        ("a: !custom 3\n", "tag"),
        ('a: &a ["x","x"]\nb: &b [*a,*a]\nc: [*b,*b]\n', "anchor"),
        ("a: [1\n", "invalid YAML"),
        ("<<<<<<< HEAD\nstate: done\n=======\nstate: todo\n>>>>>>> x\n", "invalid YAML"),
    ],
)
def test_refuses_what_a_task_file_never_needs(text, fragment):
    with pytest.raises(yamlio.YamlError, match=fragment):
        yamlio.load(text)


def test_error_names_line_and_column():
    with pytest.raises(yamlio.YamlError, match=r"line 3, column 1"):
        yamlio.load("a: 1\nb: [\n")


def test_core_tags_are_allowed():
    assert yamlio.load("a: !!str 12\nb: !!int '3'\n") == {"a": "12", "b": 3}


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False),
    st.text(),
    st.sampled_from(
        [
            "yes",
            "No",
            "on",
            "null",
            "~",
            "1.2.3",
            "2025-01-01",
            "0x1f",
            "1:20",
            "a: b",
            "a #b",
            "-x",
            "'q'",
            "x\n",
            "\n",
            "\nlead",
            "  sp",
            "tab\tx",
            "é\u2028x",
            "\x85",
            "\ufeff",
            "1e3",
            ".inf",
            "<<",
            "=",
            "!x",
            "&a",
            "*a",
        ]
    ),
)
documents = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.text(min_size=1, max_size=8) | st.sampled_from(["on", "y"]), inner, max_size=4
        )
    ),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=10), documents, max_size=5))
def test_dump_then_load_gives_back_the_same_data(data):
    assert yamlio.load(yamlio.dump(data)) == data


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_string_survives_in_a_task_like_field(text):
    data = {"description": text, "items": [text, {"k": text}]}
    assert yamlio.load(yamlio.dump(data)) == data
