"""Headless Chromium driven over the DevTools protocol (importable as ``chromium``).

:func:`inspect_page` opens a local file in a fresh headless Chromium, waits for its load
event, evaluates a JavaScript expression, takes a full-page screenshot and reports every
console error, uncaught exception and network request (a self-contained page makes none).
It talks to the browser's DevTools websocket with the ``websockets`` package, so it needs
no browser download: Debian's ``chromium`` package is enough.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
LOCAL_SCHEMES = ("file:", "data:", "about:")


def find_chromium() -> str | None:
    """The path of a Chromium or Chrome executable on PATH, or ``None``."""
    return next((path for name in NAMES if (path := shutil.which(name))), None)


@dataclass
class Page:
    """What :func:`inspect_page` saw: the expression's value, problems, a PNG screenshot."""

    value: Any
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    screenshot: bytes = b""


def inspect_page(path: Path, expression: str, width: int = 1280, timeout: float = 60.0) -> Page:
    """Load ``path`` in headless Chromium at ``width`` CSS pixels and evaluate ``expression``
    (its value must be JSON-serialisable) after the load event."""
    browser = find_chromium()
    if browser is None:
        raise FileNotFoundError(f"no Chromium on PATH (looked for {', '.join(NAMES)})")
    with tempfile.TemporaryDirectory(
        prefix="vaekit-chromium-", ignore_cleanup_errors=True
    ) as profile:
        proc = subprocess.Popen(
            [
                browser,
                "--headless=new",
                "--no-sandbox",  # CI containers run as root
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                "--remote-debugging-port=0",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its helper processes end with it (killpg below)
        )
        try:
            endpoint = _endpoint(Path(profile) / "DevToolsActivePort", proc, timeout)
            return asyncio.run(
                asyncio.wait_for(_inspect(endpoint, path, expression, width), timeout)
            )
        finally:
            try:
                proc.wait(timeout=10)  # after Browser.close
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _endpoint(port_file: Path, proc: subprocess.Popen, timeout: float) -> str:
    """The browser's DevTools websocket URL, from the file Chromium writes once listening."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"chromium exited ({proc.returncode}): {proc.stderr.read()[-500:]!r}"
            )
        lines = port_file.read_text().split("\n") if port_file.is_file() else []
        if len(lines) >= 2 and lines[1]:
            return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
        time.sleep(0.05)
    raise TimeoutError("chromium did not open its DevTools port")


async def _inspect(endpoint: str, path: Path, expression: str, width: int) -> Page:
    from websockets.asyncio.client import connect

    page = Page(value=None)
    ids = itertools.count(1)
    pending: dict[int, asyncio.Future] = {}
    loaded = asyncio.Event()

    async with connect(endpoint, max_size=None) as ws:

        def on_event(msg: dict[str, Any]) -> None:
            method, params = msg.get("method"), msg.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                page.errors.append(
                    details.get("exception", {}).get("description") or details["text"]
                )
            elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
                page.errors.append(
                    " ".join(str(a.get("value", a.get("description"))) for a in params["args"])
                )
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                page.errors.append(params["entry"]["text"])
            elif method == "Network.requestWillBeSent":
                url = params["request"]["url"]
                if not url.startswith(LOCAL_SCHEMES):
                    page.requests.append(url)
            elif method == "Page.loadEventFired":
                loaded.set()

        async def reader() -> None:
            async for raw in ws:
                msg = json.loads(raw)
                if "id" in msg and msg["id"] in pending:
                    pending.pop(msg["id"]).set_result(msg)
                else:
                    on_event(msg)

        async def send(method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
            i = next(ids)
            pending[i] = asyncio.get_running_loop().create_future()
            msg = {"id": i, "method": method, "params": params}
            if session:
                msg["sessionId"] = session
            await ws.send(json.dumps(msg))
            reply = await pending[i]
            if "error" in reply:
                raise RuntimeError(f"{method}: {reply['error']}")
            return reply["result"]

        task = asyncio.create_task(reader())
        target = (await send("Target.createTarget", url="about:blank"))["targetId"]
        session = (await send("Target.attachToTarget", targetId=target, flatten=True))["sessionId"]
        for domain in ("Runtime", "Log", "Page", "Network"):
            await send(f"{domain}.enable", session)
        await send(
            "Emulation.setDeviceMetricsOverride",
            session,
            width=width,
            height=900,
            deviceScaleFactor=1,
            mobile=False,
        )
        await send("Page.navigate", session, url=path.resolve().as_uri())
        await loaded.wait()
        result = await send(
            "Runtime.evaluate",
            session,
            expression=expression,
            returnByValue=True,
            awaitPromise=True,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"evaluating {expression!r}: {result['exceptionDetails']}")
        page.value = result["result"].get("value")
        size = (await send("Page.getLayoutMetrics", session))["cssContentSize"]
        shot = await send(
            "Page.captureScreenshot",
            session,
            format="png",
            captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": width, "height": size["height"], "scale": 1},
        )
        page.screenshot = base64.b64decode(shot["data"])
        await ws.send(json.dumps({"id": next(ids), "method": "Browser.close", "params": {}}))
        task.cancel()
    return page


REPORT_CHECKS = """({
  rows: document.querySelectorAll('#metrics tr.run-row').length,
  images: Array.from(document.images).map(
    i => ({alt: i.alt, complete: i.complete, width: i.naturalWidth})),
})"""


def check_report(report: Path, num_runs: int) -> bytes:
    """Open ``report``; assert no console errors or network requests, one metrics row per
    run and every image loaded; return the screenshot."""
    page = inspect_page(report, REPORT_CHECKS)
    assert page.errors == [], f"console errors: {page.errors}"
    assert page.requests == [], f"network requests: {page.requests}"
    assert page.value["rows"] == num_runs, f"{page.value['rows']} metrics rows, {num_runs} runs"
    assert page.value["images"], "no images"
    broken = [
        img["alt"] for img in page.value["images"] if not (img["complete"] and img["width"] > 0)
    ]
    assert broken == [], f"images not loaded: {broken}"
    assert page.screenshot[:8] == b"\x89PNG\r\n\x1a\n"
    return page.screenshot
