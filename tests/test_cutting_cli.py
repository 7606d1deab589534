"""Cutting jobs from the command line: a shop's cut list in, a verified plan, a drawing and a cut sequence out;
bad cut lists refused in one line with nothing written; classic instances solved as before."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from nnopt.problems.binpack2d._cutting_spec import parse_cutting

NNOPT = Path(sys.executable).parent / "nnopt"
AXIS = {"vertical": 0, "horizontal": 1}


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(NNOPT), *args], capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def kitchen(repo: Path) -> Path:
    return repo / "examples" / "kitchen"


def _replay(job, sheets, rows) -> None:
    """Apply the cut rows in order: each splits a region the cuts before it left, crosses no piece, and
    at the end every piece lies in a region of its own."""
    regions = [{job.usable(s["stock"])} for s in sheets]
    for row in rows:
        k = int(row["sheet"])
        region = tuple(int(row[c]) for c in ("x0", "y0", "x1", "y1"))
        assert region in regions[k], f"{row} splits no region left by the cuts before it"
        a, c, kerf = AXIS[row["orientation"]], int(row["position"]), job.kerf
        for p in sheets[k]["items"]:
            r = (p["x"], p["y"], p["x"] + p["width"], p["y"] + p["height"])
            if all(region[i] <= r[i] and r[i + 2] <= region[i + 2] for i in (0, 1)):
                assert r[a + 2] <= c or r[a] >= c + kerf, f"{row} cuts item {p['item']}"
        regions[k].remove(region)
        lo, hi = region[a], region[a + 2]
        for part in ((lo, c), (c + kerf, hi)):
            if part[0] < part[1]:
                new = list(region)
                new[a], new[a + 2] = part
                regions[k].add(tuple(new))
    for sheet, final in zip(sheets, regions):
        for p in sheet["items"]:
            r = (p["x"], p["y"], p["x"] + p["width"], p["y"] + p["height"])
            holders = [q for q in final if all(q[i] <= r[i] and r[i + 2] <= q[i + 2] for i in (0, 1))]
            assert len(holders) == 1
            others = [o for o in sheet["items"] if o is not p]
            assert not any(all(holders[0][i] <= (o["x"], o["y"])[i] < holders[0][i + 2] for i in (0, 1))
                           for o in others), "two pieces left in one region"


def test_the_kitchen_job_from_csv_gives_a_verified_plan_a_pdf_and_cuts_that_replay(tmp_path, kitchen):
    out, plot, cuts = tmp_path / "plan.json", tmp_path / "plan.pdf", tmp_path / "cuts.csv"
    res = run("solve", str(kitchen / "pieces.csv"), "--stock", str(kitchen / "stock.csv"), "--kerf", "4",
              "--trim", "10", "--guillotine", "3", "--rotation", "--time-limit", "3", "--out", str(out),
              "--plot", str(plot), "--cuts", str(cuts))
    assert res.returncode == 0, res.stderr
    assert "verified" in res.stdout
    assert plot.read_bytes()[:4] == b"%PDF"
    sol = json.loads(out.read_text())
    job = parse_cutting(json.loads((kitchen / "kitchen.json").read_text()))
    assert sorted(p["item"] for s in sol["sheets"] for p in s["items"]) == list(range(job.n))
    assert sol["objective"] == sum(job.stock[s["stock"]].unit_cost for s in sol["sheets"])
    assert sum(s["stock"] == 0 for s in sol["sheets"]) <= job.stock[0].count  # the limited oak
    rows = list(csv.DictReader(cuts.read_text().splitlines()))
    assert rows and [r["stage"] for r in rows] == [str(c["stage"]) for c in sol["cuts"]]
    _replay(job, sol["sheets"], rows)
    # The same job from its JSON form: the independent check accepts the plan (under its own name)
    sol["instance"] = "kitchen"
    fixed = tmp_path / "plan_kitchen.json"
    fixed.write_text(json.dumps(sol))
    res = run("check", str(kitchen / "kitchen.json"), str(fixed))
    assert res.returncode == 0, res.stderr
    assert f"feasible: {sol['objective']:g}" in res.stdout
    # ... and refuses a cut moved by one unit
    sol["cuts"][0]["position"] += 1
    fixed.write_text(json.dumps(sol))
    res = run("check", str(kitchen / "kitchen.json"), str(fixed))
    assert res.returncode == 1 and "cuts: row 0" in res.stderr


def test_a_json_cutting_job_solves_and_checks(tmp_path, kitchen):
    out = tmp_path / "plan.json"
    res = run("solve", str(kitchen / "kitchen.json"), "--max-evals", "3000", "--out", str(out), "--quiet")
    assert res.returncode == 0, res.stderr
    res = run("check", str(kitchen / "kitchen.json"), str(out))
    assert res.returncode == 0, res.stderr


def _bad_cases(kitchen: Path, tmp: Path) -> list[tuple[list[str], str]]:
    pieces, stock = str(kitchen / "pieces.csv"), str(kitchen / "stock.csv")
    wide = tmp / "wide.csv"
    wide.write_text("name,width,height,count,rotation\nside,2790,560,1,no\n")
    zero = tmp / "zero.csv"
    zero.write_text("name,width,height,cost,count\noak,2800,2070,48.5,0\nbirch,2440,1220,21,0\n")
    word = tmp / "word.csv"
    word.write_text("name,width,height,count\nside,720,560,1\ndoor,7x0,716,2\n")
    return [
        ([pieces, "--stock", stock, "--kerf", "-4", "--guillotine", "3"], "field 'kerf'"),
        ([str(wide), "--stock", stock, "--trim", "10", "--guillotine", "3"], "items[0] ('side')"),
        ([pieces, "--stock", stock, "--guillotine", "1"], "guillotine.stages"),
        ([pieces, "--stock", stock, "--guillotine", "3", "--first-cut", "diagonal"], "guillotine.first_cut"),
        ([pieces, "--stock", str(zero), "--guillotine", "3"], "count 0"),
        ([str(word), "--stock", stock, "--guillotine", "3"], "row 3, column 'width'"),
    ]


def test_each_bad_cut_list_is_one_line_exit_2_and_nothing_written(tmp_path, kitchen):
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    for args, named in _bad_cases(kitchen, tmp_path):
        res = run("solve", *args, "--time-limit", "2", "--out", str(outputs / "o.json"),
                  "--plot", str(outputs / "o.pdf"), "--cuts", str(outputs / "c.csv"))
        assert res.returncode == 2, (args, res.stderr)
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and named in lines[0], (args, res.stderr)
        assert "Traceback" not in res.stderr
        assert list(outputs.iterdir()) == [], args


def test_cuts_of_a_job_without_guillotine_rules_are_refused_before_solving(tmp_path, kitchen, example_path):
    cuts = tmp_path / "c.csv"
    res = run("solve", str(kitchen / "pieces.csv"), "--stock", str(kitchen / "stock.csv"), "--cuts", str(cuts))
    assert res.returncode == 2 and "--cuts" in res.stderr and not cuts.exists()
    res = run("solve", str(example_path), "--cuts", str(cuts))
    assert res.returncode == 2 and "--cuts" in res.stderr and not cuts.exists()
    res = run("solve", str(example_path), "--kerf", "3")
    assert res.returncode == 2 and "--kerf" in res.stderr


def test_packingsolver_files_are_read_by_their_prefix(tmp_path):
    (tmp_path / "job_items.csv").write_text("ID,WIDTH,HEIGHT,COPIES,ORIENTED\n0,40,30,3,1\n1,25,20,4,0\n")
    (tmp_path / "job_bins.csv").write_text("ID,WIDTH,HEIGHT,COST,COPIES\n0,100,60,-1,\n")
    (tmp_path / "job_parameters.csv").write_text("NAME,VALUE\nnumber_of_stages,3\ncut_type,non-exact\n"
                                                 "first_stage_orientation,horizontal\ncut_thickness,2\n")
    for ref in ("job_items.csv", "job"):
        out = tmp_path / f"plan_{ref}.json"
        res = run("solve", str(tmp_path / ref), "--max-evals", "2000", "--out", str(out), "--quiet")
        assert res.returncode == 0, res.stderr
        sol = json.loads(out.read_text())
        assert sol["instance"] == "job" and sol["cuts"][0]["orientation"] == "horizontal"
        assert sorted(p["item"] for s in sol["sheets"] for p in s["items"]) == list(range(7))


def test_a_classic_instance_loads_and_solves_as_before(tmp_path, example_path):
    """The classic file, and the same instance written with a one-type ``bins`` list, give the same
    seeded solution as the classic instance built directly."""
    import nnopt
    from nnopt.problems.binpack2d import BinPack2D, BinPackInstance, parse_instance

    data = json.loads(example_path.read_text())
    prob, inst = nnopt.load_instance(example_path)
    assert type(inst) is BinPackInstance and type(prob) is BinPack2D
    as_bins = dict(data, bins=[data["bin"]])
    del as_bins["bin"]
    variant = tmp_path / "as_bins.json"
    variant.write_text(json.dumps(as_bins))
    _, again = nnopt.load_instance(variant)
    assert type(again) is BinPackInstance
    direct = parse_instance(data, source=str(example_path))
    outs = []
    for path in (example_path, variant):
        out = tmp_path / f"sol_{path.stem}.json"
        res = run("solve", str(path), "--max-evals", "2000", "--seed", "3", "--out", str(out), "--quiet")
        assert res.returncode == 0, res.stderr
        outs.append(json.loads(out.read_text())["bins"])
    ref = nnopt.solve(direct, max_evals=2000, seed=3).to_json()["bins"]
    assert outs[0] == outs[1] == ref


def test_bench_runs_and_verifies_a_cutting_job(tmp_path, kitchen):
    out = tmp_path / "bench.csv"
    res = run("bench", str(kitchen / "kitchen.json"), "--methods", "nnopt,cem", "--max-evals", "1000",
              "--out", str(out))
    assert res.returncode == 0, res.stderr
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert [r["method"] for r in rows] == ["nnopt", "cem"]
    assert all(r["verified"] == "true" and float(r["objective"]) >= float(r["lower_bound"]) for r in rows)
