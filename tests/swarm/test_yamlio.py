import pytest

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
