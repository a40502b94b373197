"""`swarm demo --out DIR`: the example plan as a repository, carried forward by the offline
swarm, with who waits on people and a line to clone it."""

from __future__ import annotations

from tests.swarm.cli.cli_helpers import call, git, run_swarm


def test_demo_makes_a_valid_repository(example_plan, tmp_path):
    out = tmp_path / "demo"
    ran = run_swarm("demo", "--out", out)
    assert ran.code == 0, ran.err
    assert ran.err == ""
    tasks, phases = len(example_plan.detailed_tasks), len(example_plan.phases)
    assert ran.out.startswith(f"Example plan: {example_plan.title}: {tasks} tasks in {phases}")
    assert f"git clone {out} demo-clone" in ran.out
    assert f"swarm status {out} --tasks" in ran.out
    assert "Merged " in ran.out and "pull requests in" in ran.out
    assert "Waiting on people (" in ran.out and "needs a person (issue #" in ran.out
    finished = int(ran.out.split(f"\n{example_plan.title}: ", 1)[1].split(" of ")[0])
    assert 0 < finished < tasks  # agents finish some; people must do the rest
    git("fsck", "--strict", cwd=out)
    assert run_swarm("verify", out).code == 0
    listed = git("ls-tree", "-r", "--name-only", "main", "tasks/", cwd=out).splitlines()
    assert len(listed) == tasks
    clone = tmp_path / "demo-clone"
    git("clone", "-q", str(out), str(clone), cwd=tmp_path)
    assert len(list((clone / "tasks").glob("*/*/*.yaml"))) == tasks


def test_demo_refuses_an_occupied_out(tmp_path, capsys):
    (tmp_path / "mine.txt").write_text("mine\n")
    ran = call(capsys, "demo", "--out", tmp_path)
    assert ran.code == 2
    assert ran.err.startswith("error: ") and "not a plan-swarm repository" in ran.err
    assert [p.name for p in tmp_path.iterdir()] == ["mine.txt"]
