"""`nnopt serve`: every endpoint, every error code, the token, the limits, stopping, disconnecting, and load.

One server with two warm workers on a loopback port serves most tests; the
limits get small servers of their own. Time limits are small and the one long
job (a cut list the search cannot prove optimal within seconds) is stopped.
"""
from __future__ import annotations

import json
import os
import random
import signal
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")

from click.testing import CliRunner  # noqa: E402

import nnopt  # noqa: E402
from nnopt.cli.main import cli  # noqa: E402
from nnopt.problems.binpack2d._cutting_checker import check_cutting_plan  # noqa: E402
from nnopt.problems.binpack2d._cutting_spec import parse_cutting  # noqa: E402
from nnopt.server.config import ServerConfig  # noqa: E402
from nnopt.server.local import running_server  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = json.loads((ROOT / "examples" / "cl_07_040_01.json").read_text())
KITCHEN = {
    "cut_list": "name,width,height,count,rotation\nside,720,560,4,no\nshelf,564,300,8,\ndoor,715,396,4,no\n",
    "stock": "name,width,height,cost,count\noak 19,2800,2070,48.5,6\nbirch 18,2440,1220,21,\n",
    "options": {"kerf": 4, "trim": 10, "stages": 3, "first_cut": "horizontal"},
    "time_limit": 0.5,
}


def long_cut_list() -> dict[str, Any]:
    """A free-placement cut list whose best plan the search does not prove within its time limit."""
    rng = random.Random(3)
    rows = [f"p{k},{rng.randint(300, 1300)},{rng.randint(200, 1000)},{rng.randint(1, 3)}" for k in range(60)]
    return {"cut_list": "name,width,height,count\n" + "\n".join(rows) + "\n",
            "stock": "name,width,height,cost\nsheet,2800,2070,48.5\n",
            "options": {"kerf": 4, "trim": 10}, "time_limit": 30}


@pytest.fixture(scope="module")
def base() -> Any:
    with running_server(ServerConfig(port=0, workers=2, max_time_limit=30)) as url:
        yield url


@pytest.fixture(scope="module")
def client(base: str) -> Any:
    with httpx.Client(base_url=base, timeout=60) as c:
        yield c


def wait_idle(client: Any, seconds: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        health = client.get("/health").json()
        if (health["busy"] == 0 and health["queued"] == 0) or time.monotonic() > deadline:
            return health
        time.sleep(0.05)


# --- the read-only endpoints --------------------------------------------------------------


def test_health_problems_methods_and_the_schema(client: Any) -> None:
    health = client.get("/health").json()
    assert health["status"] == "ok" and health["workers"] == 2 and health["alive"] == 2
    names = [p["name"] for p in client.get("/problems").json()]
    assert "binpack2d" in names and "tsp" in names
    methods = client.get("/methods/binpack2d").json()
    assert methods["default"] == "nnopt" and {m["name"] for m in methods["methods"]} >= {"nnopt"}
    missing = client.get("/methods/nosuch")
    assert missing.status_code == 404 and "nosuch" in missing.json()["error"]
    schema = client.get("/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert "/solve" in schema["paths"] and "/jobs/{job_id}/events" in schema["paths"]
    assert "openapi.json" in client.get("/docs").text
    page = client.get("/")
    assert page.status_code == 200 and "cut_list" in page.text and 'src="/static/app.js"' in page.text
    assert "followJob" in client.get("/static/app.js").text
    assert client.get("/static/../../setup.py").status_code == 404
    assert client.get("/static/secrets.txt").status_code == 404


# --- solving ------------------------------------------------------------------------------


def test_solve_an_instance_answers_the_verified_solution_file(client: Any) -> None:
    r = client.post("/solve", json={"instance": EXAMPLE, "time_limit": 0.5, "seed": 1})
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["verified"] is True and data["status"] in ("optimal", "budget")
    assert data["seconds"] <= 0.5 + 0.1
    problem = nnopt.get_problem("binpack2d")
    instance = problem.load(EXAMPLE)
    solution = problem.solution_from_json(instance, data["solution"])
    assert problem.check(instance, solution) == []
    assert problem.objective(instance, solution) == data["objective"] == data["solution"]["objective"]
    assert data["lower_bound"] <= data["objective"]
    svg = client.get(f"/jobs/{data['job']}/plan.svg")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml") and b"<svg" in svg.content
    assert client.get(f"/jobs/{data['job']}/plan.pdf").content.startswith(b"%PDF")
    none = client.get(f"/jobs/{data['job']}/cuts.csv")  # free placement has no cut sequence
    assert none.status_code == 404 and "cut sequence" in none.json()["error"]


def test_solve_a_tsp_instance(client: Any) -> None:
    coords = [[0, 0], [3, 0], [3, 4], [0, 4], [1, 2]]
    r = client.post("/solve", json={"instance": {"problem": "tsp", "coords": coords}, "time_limit": 0.3})
    assert r.status_code == 200, r.text
    assert sorted(r.json()["solution"]["tour"]) == list(range(5))


def test_a_cut_list_gives_a_checked_plan_picture_pdf_and_cut_sequence(client: Any) -> None:
    r = client.post("/solve", json=KITCHEN)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["verified"] is True
    plan = data["solution"]["bins"]
    body = KITCHEN
    from nnopt.server.solve_request import request_from_body

    job = parse_cutting(request_from_body(body, ServerConfig()).data)
    assert check_cutting_plan(job, plan) == []
    assert sum(len(s["items"]) for s in plan) == 16
    assert data["objective"] == pytest.approx(sum(job.stock[s["stock"]].unit_cost for s in plan))
    assert [s["sheet"] for s in data["sheets"]] == list(range(len(plan)))
    assert all(0 < s["use"] <= 100 and s["waste"] >= 0 for s in data["sheets"])
    job_id = data["job"]
    svg = client.get(f"/jobs/{job_id}/plan.svg")
    assert svg.status_code == 200 and b"side" in svg.content
    assert client.get(f"/jobs/{job_id}/plan.pdf").content.startswith(b"%PDF")
    cuts = client.get(f"/jobs/{job_id}/cuts.csv")
    assert cuts.status_code == 200 and cuts.text.startswith("sheet,stage,orientation,position")
    assert all(row.split(",")[2] in ("horizontal", "vertical") for row in cuts.text.strip().split("\n")[1:])
    assert client.get(f"/jobs/{job_id}/plan.png").status_code == 404


def test_async_job_streams_progress_and_stops_with_its_best_plan(client: Any) -> None:
    r = client.post("/solve?async=1", json=long_cut_list())
    assert r.status_code == 202
    job_id = r.json()["job"]
    progress = []
    with client.stream("GET", f"/jobs/{job_id}/events") as stream:
        event = None
        for line in stream.iter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "progress":
                progress.append(json.loads(line[6:]))
                break
    assert progress and {"objective", "lower_bound", "seconds"} <= set(progress[0])
    view = client.get(f"/jobs/{job_id}").json()
    assert view["status"] == "running" and view["objective"] is not None
    t0 = time.monotonic()
    stopped = client.delete(f"/jobs/{job_id}")
    assert time.monotonic() - t0 < 10
    data = stopped.json()
    assert stopped.status_code == 200 and data["status"] == "done", data
    assert data["result_status"] == "interrupted" and data["verified"] is True
    assert data["objective"] <= progress[0]["objective"]
    assert client.get(f"/jobs/{job_id}/plan.svg").status_code == 200
    # the stream of a finished job replays its progress and ends with the job
    events = client.get(f"/jobs/{job_id}/events").text
    assert events.count("event: progress") >= 1 and "event: done" in events
    assert wait_idle(client)["busy"] == 0


def test_a_client_that_disconnects_mid_job_frees_its_worker(base: str, client: Any) -> None:
    host, port = base.removeprefix("http://").split(":")
    body = json.dumps(long_cut_list()).encode()
    with socket.create_connection((host, int(port))) as s:
        s.sendall(b"POST /solve HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        deadline = time.monotonic() + 20
        while client.get("/health").json()["busy"] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert client.get("/health").json()["busy"] == 1
    # the job (30 s) is stopped as soon as the server sees its client gone
    assert wait_idle(client, 10)["busy"] == 0
    r = client.post("/solve", json={"instance": EXAMPLE, "time_limit": 0.2})
    assert r.status_code == 200 and r.json()["verified"]


def test_a_worker_killed_mid_job_fails_that_job_and_is_replaced(client: Any) -> None:
    wait_idle(client)
    job = client.post("/solve?async=1", json=long_cut_list()).json()["job"]
    deadline = time.monotonic() + 20
    while client.get(f"/jobs/{job}").json()["status"] != "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    victim = client.get(f"/jobs/{job}").json()["worker"]
    assert victim in client.get("/health").json()["pids"]
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while client.get(f"/jobs/{job}").json()["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    failed = client.get(f"/jobs/{job}").json()
    assert failed["status"] == "failed" and "ended unexpectedly" in failed["error"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        health = client.get("/health").json()
        if health["alive"] == 2 and victim not in health["pids"]:
            break
        time.sleep(0.2)
    assert health["alive"] == 2 and len(health["pids"]) == 2 and victim not in health["pids"]
    r = client.post("/solve", json={"instance": EXAMPLE, "time_limit": 0.2})
    assert r.status_code == 200 and r.json()["verified"]


# --- errors -------------------------------------------------------------------------------


def test_a_bad_instance_is_400_with_the_loaders_one_line(client: Any) -> None:
    bad = {"bin": {"width": 10, "height": 10}, "items": [{"width": 11, "height": 4}]}
    r = client.post("/solve", json={"instance": bad})
    assert r.status_code == 400
    with pytest.raises(nnopt.InstanceError) as caught:
        nnopt.get_problem("binpack2d").load(bad, source="instance")
    assert r.json() == {"error": str(caught.value)}
    assert "\n" not in r.json()["error"]


@pytest.mark.parametrize(("body", "words"), [
    ({"instance": EXAMPLE, "time_limit": -1}, "field 'time_limit'"),
    ({"instance": EXAMPLE, "seed": "x"}, "field 'seed'"),
    ({"instance": EXAMPLE, "method": "nosuch"}, "no method 'nosuch'"),
    ({"instance": EXAMPLE, "path": "/etc/passwd"}, "unknown field 'path'"),
    ({"instance": {"problem": "nosuch"}}, "field 'problem'"),
    ({}, "give either 'instance'"),
    ({**KITCHEN, "cut_list": "name,width,height\nx,wide,3\n"}, "cut_list: row 2, column 'width'"),
    ({**KITCHEN, "cut_list": "name,width,height\nhuge,9000,10\n"}, "items[0] ('huge') of size 9000x10 fits no stock"),
    ({**KITCHEN, "stock": "name,width,height,count\na,100,100,0\n"}, "stock"),
    ({**KITCHEN, "options": {"kerf": -4}}, "field 'kerf'"),
    ({**KITCHEN, "options": {"stages": 1}}, "stages"),
    ({**KITCHEN, "options": {"first_cut": "diagonal"}}, "first_cut"),
    ({**KITCHEN, "options": {"colour": "red"}}, "unknown field 'colour'"),
    ({"cut_list": KITCHEN["cut_list"]}, "field 'stock'"),
])
def test_bad_requests_are_400_naming_the_field(client: Any, body: dict[str, Any], words: str) -> None:
    r = client.post("/solve", json=body)
    assert r.status_code == 400, r.text
    assert words in r.json()["error"] and "\n" not in r.json()["error"]


def test_a_body_that_is_not_json_is_400(client: Any) -> None:
    r = client.post("/solve", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "not valid JSON" in r.json()["error"]


def test_unknown_jobs_and_paths_are_404(client: Any) -> None:
    for method, path in [("GET", "/jobs/nope"), ("DELETE", "/jobs/nope"), ("GET", "/jobs/nope/events"),
                         ("GET", "/jobs/nope/plan.svg"), ("GET", "/jobs/nope/cuts.csv"), ("GET", "/nowhere")]:
        r = client.request(method, path)
        assert r.status_code == 404 and r.json()["error"], (method, path)


# --- limits, queue, token, expiry ---------------------------------------------------------


def test_limits_body_pieces_and_time() -> None:
    config = ServerConfig(port=0, workers=1, warm_up=False, max_body_bytes=3000, max_pieces=20, max_time_limit=0.3)
    with running_server(config) as url, httpx.Client(base_url=url, timeout=60) as c:
        big = c.post("/solve", json={"instance": EXAMPLE, "pad": "x" * 5000})
        assert big.status_code == 413 and "3000 bytes" in big.json()["error"]
        stock = "width,height\n100,100\n"
        rows = c.post("/solve", json={"cut_list": "width,height\n" + "10,10\n" * 21, "stock": stock})
        assert rows.status_code == 400 and rows.json()["error"].startswith("cut_list: 21 pieces")
        counted = c.post("/solve", json={"cut_list": "width,height,count\n10,10,21\n", "stock": stock})
        assert counted.status_code == 400 and "limit of 20" in counted.json()["error"]
        tiles = {"bin": {"width": 100, "height": 100}, "items": [{"width": 1, "height": 1}] * 21}
        instance = c.post("/solve", json={"instance": tiles})
        assert instance.status_code == 400 and instance.json()["error"].startswith("instance: 21 pieces")
        capped = c.post("/solve?async=1", json={"cut_list": "width,height,count\n10,10,5\n",
                                                "stock": "width,height\n100,100\n", "time_limit": 100})
        assert capped.status_code == 202
        assert c.get(f"/jobs/{capped.json()['job']}").json()["time_limit"] == 0.3


def test_a_full_queue_is_429_and_a_queued_job_can_be_cancelled() -> None:
    config = ServerConfig(port=0, workers=1, warm_up=False, max_queue=1)
    with running_server(config) as url, httpx.Client(base_url=url, timeout=60) as c:
        running = c.post("/solve?async=1", json=long_cut_list()).json()["job"]
        queued = c.post("/solve?async=1", json=long_cut_list()).json()["job"]
        full = c.post("/solve?async=1", json=long_cut_list())
        assert full.status_code == 429 and "queue is full" in full.json()["error"]
        cancelled = c.delete(f"/jobs/{queued}").json()
        assert cancelled["status"] == "cancelled"
        assert c.get(f"/jobs/{queued}/plan.svg").status_code == 404
        deadline = time.monotonic() + 60  # stopped once its search has a plan (this worker starts cold)
        while c.get(f"/jobs/{running}").json()["improvements"] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        stopped = c.delete(f"/jobs/{running}").json()
        assert stopped["status"] == "done" and stopped["result_status"] == "interrupted", stopped


def test_the_token_guards_every_api_call_but_not_the_page() -> None:
    config = ServerConfig(port=0, workers=1, warm_up=False, token="s3cret")
    with running_server(config) as url, httpx.Client(base_url=url, timeout=60) as c:
        assert c.get("/").status_code == 200 and c.get("/static/app.js").status_code == 200
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret"}):
            for method, path in [("GET", "/health"), ("POST", "/solve"), ("GET", "/jobs/x"), ("GET", "/problems")]:
                r = c.request(method, path, headers=headers)
                assert r.status_code == 401 and "bearer token" in r.json()["error"], (headers, path)
        good = {"Authorization": "Bearer s3cret"}
        assert c.get("/health", headers=good).status_code == 200
        r = c.post("/solve", json={"instance": EXAMPLE, "time_limit": 0.2}, headers=good)
        assert r.status_code == 200


def test_finished_jobs_expire_and_only_the_newest_are_kept() -> None:
    config = ServerConfig(port=0, workers=1, warm_up=False, job_ttl=1.5, max_jobs_kept=2)
    with running_server(config) as url, httpx.Client(base_url=url, timeout=60) as c:
        small = {"instance": EXAMPLE, "time_limit": 0.05}
        first, second, third = (c.post("/solve", json=small).json()["job"] for _ in range(3))
        assert c.get(f"/jobs/{first}").status_code == 404
        assert c.get(f"/jobs/{second}").status_code == 200 and c.get(f"/jobs/{third}").status_code == 200
        job = c.post("/solve", json={"instance": EXAMPLE, "time_limit": 0.1}).json()["job"]
        deadline = time.monotonic() + 10
        while c.get(f"/jobs/{job}").status_code == 200 and time.monotonic() < deadline:
            time.sleep(0.1)
        r = c.get(f"/jobs/{job}")
        assert r.status_code == 404 and "expired" in r.json()["error"]


# --- load ---------------------------------------------------------------------------------


def test_fifty_concurrent_clients_get_every_answer(base: str) -> None:
    wait_idle(httpx.Client(base_url=base))
    instances = sorted((ROOT / "benchmarks" / "data" / "2bp" / "instances").glob("*.json"))[:25]
    bodies = [json.loads(p.read_text()) for p in instances]

    def client_run(k: int) -> list[tuple[int, str, bool]]:
        out = []
        with httpx.Client(base_url=base, timeout=120) as c:
            for j in range(2):
                r = c.post("/solve", json={"instance": bodies[(k + j) % len(bodies)], "time_limit": 0.05})
                data = r.json()
                out.append((r.status_code, data.get("job", data.get("error")), data.get("verified", False)))
        return out

    with ThreadPoolExecutor(50) as pool:
        results = [row for rows in pool.map(client_run, range(50)) for row in rows]
    assert len(results) == 100
    assert all(code == 200 and verified for code, _, verified in results), results
    assert len({job for _, job, _ in results}) == 100  # no lost or shared job


# --- the command ----------------------------------------------------------------------------


def test_serve_refuses_a_public_host_without_a_token(monkeypatch: Any) -> None:
    monkeypatch.delenv("NNOPT_TOKEN", raising=False)
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    lines = [line for line in result.output.strip().split("\n") if line]
    assert len(lines) == 1 and "without a token" in lines[0] and "0.0.0.0" in lines[0]
    assert "serve" in CliRunner().invoke(cli, ["--help"]).output


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("127.0.0.2", True), ("localhost", True),
                                                ("::1", True), ("[::1]", True), ("0.0.0.0", False),
                                                ("192.168.1.4", False), ("::", False), ("example.org", False)])
def test_only_loopback_hosts_go_without_a_token(host: str, loopback: bool) -> None:
    from nnopt.server.config import is_loopback

    assert is_loopback(host) is loopback


def test_a_token_from_the_environment_lets_a_public_host_start(monkeypatch: Any) -> None:
    import uvicorn

    started: dict[str, Any] = {}
    monkeypatch.setenv("NNOPT_TOKEN", "from-env")
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.update(kw, app=app))
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--port", "9123", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert started["host"] == "0.0.0.0" and started["port"] == 9123
    assert started["app"].state.pool.config.token == "from-env"
