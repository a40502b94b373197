from swarm.forge.markers import mark, read


def test_a_marked_body_reads_back_as_written() -> None:
    body = "Purpose\n\n- [ ] one\n"
    text, fields = read(mark(body, key="1.2.3", parent="subtask:1.2"))
    assert fields == {"key": "1.2.3", "parent": "subtask:1.2"}
    assert text == body.rstrip()


def test_a_body_without_marker_has_no_fields() -> None:
    assert read("plain text") == ("plain text", {})
    assert read(None) == ("", {})


def test_only_a_trailing_marker_counts() -> None:
    quoted = 'see <!-- plan-swarm key="9.9.9" --> above\nmore'
    assert read(quoted)[1] == {}


def test_empty_values_are_left_out() -> None:
    assert read(mark("b", key="1", parent=""))[1] == {"key": "1"}
