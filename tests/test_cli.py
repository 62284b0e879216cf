"""The `newsbrief` command line, run as users run it."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from aiohttp import web

from bot.cli import summarize_inputs
from bot.settings import Settings
from newsbrief_testkit.local_site import LocalSite

ARTICLE = """\
Storm closes schools across the region

A winter storm closed more than 200 schools across the region on Monday, officials said.

Forecasters expect up to 40 centimetres of snow by Tuesday morning in the hills north of the city.

“Stay home unless your journey is essential,” said Maria Lopez, the regional emergency director.

Power cuts hit about 12,000 homes overnight, and crews worked through the night to restore them.

Schools are expected to reopen on Wednesday if roads are cleared in time.
"""


def run_cli(*args: str, cwd: Path, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in {"DISCORD_TOKEN"}} | env
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=environment | {"PYTHONPATH": str(Path(__file__).parents[1])},
        timeout=120,
    )


def test_run_without_token_explains_how_to_get_one(tmp_path: Path) -> None:
    result = run_cli("run", cwd=tmp_path)
    assert result.returncode == 2
    assert "DISCORD_TOKEN" in result.stderr
    assert ".env" in result.stderr
    assert "Traceback" not in result.stderr


def test_summarize_json_prints_one_object_per_input_in_order(tmp_path: Path) -> None:
    (tmp_path / "storm.txt").write_text(ARTICLE)
    (tmp_path / "empty.txt").write_text("")
    result = run_cli("summarize", "--json", "storm.txt", "missing.txt", "empty.txt", cwd=tmp_path)
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [record["source"] for record in records] == ["storm.txt", "missing.txt", "empty.txt"]


def test_summarize_exits_1_and_reports_a_failed_input(tmp_path: Path) -> None:
    (tmp_path / "storm.txt").write_text(ARTICLE)
    result = run_cli("summarize", "--json", "storm.txt", "missing.txt", cwd=tmp_path)
    failed = json.loads(result.stdout.splitlines()[1])
    assert (result.returncode, failed["error"]["kind"]) == (1, "bad_input")


def test_summarize_reads_standard_input(tmp_path: Path) -> None:
    result = run_cli("summarize", "--json", "--sentences", "2", "-", cwd=tmp_path, stdin=ARTICLE)
    record = json.loads(result.stdout)
    assert (result.returncode, len(record["summary"])) == (0, 2)


def test_summarize_prints_markdown_without_json(tmp_path: Path) -> None:
    (tmp_path / "storm.txt").write_text(ARTICLE)
    result = run_cli("summarize", "storm.txt", cwd=tmp_path)
    assert result.stdout.startswith("# Storm closes schools across the region\n")


def test_summarize_rejects_a_sentence_count_out_of_range(tmp_path: Path) -> None:
    assert run_cli("summarize", "--sentences", "0", "x.txt", cwd=tmp_path).returncode == 2


@pytest.fixture
def private_settings() -> Settings:
    return Settings(_env_file=None, fetch_allow_private=True, fetch_timeout_seconds=5)


async def test_summarize_fetches_a_url(local_site: LocalSite, private_settings: Settings) -> None:
    page = (
        "<html><body><article><h1>Storm</h1>"
        + "".join(f"<p>{p}</p>" for p in ARTICLE.split("\n\n")[1:])
        + "</article></body></html>"
    )
    url = local_site.add("/storm", page)
    out = io.StringIO()
    status = await summarize_inputs([url], sentences=3, as_json=True, out=out, settings=private_settings)
    record = json.loads(out.getvalue())
    assert (status, len(record["summary"]), record["error"]) == (0, 3, None)


async def test_summarize_reports_an_http_error_and_goes_on(local_site: LocalSite, private_settings: Settings) -> None:
    out = io.StringIO()
    missing = local_site.url("/gone")
    status = await summarize_inputs([missing], sentences=None, as_json=True, out=out, settings=private_settings)
    assert (status, json.loads(out.getvalue())["error"]["kind"]) == (1, "http_status")


async def test_summarize_refuses_a_private_address_by_default(local_site: LocalSite) -> None:
    out = io.StringIO()
    url = local_site.add("/storm", "<html><body><p>x</p></body></html>")
    settings = Settings(_env_file=None, fetch_allow_private=False)
    await summarize_inputs([url], sentences=None, as_json=True, out=out, settings=settings)
    assert json.loads(out.getvalue())["error"]["kind"] == "blocked_address"


async def test_summarize_names_a_redirect_loop(private_settings: Settings) -> None:
    async def elsewhere(request: web.Request) -> web.Response:
        raise web.HTTPFound("/b" if request.path == "/a" else "/a")

    app = web.Application()
    app.router.add_get("/{name}", elsewhere)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    out = io.StringIO()
    try:
        await summarize_inputs(
            [f"http://127.0.0.1:{port}/a"], sentences=None, as_json=False, out=out, settings=private_settings
        )
    finally:
        await runner.cleanup()
    assert out.getvalue() == f"http://127.0.0.1:{port}/a: The link redirects in a loop and never reaches a page\n"
