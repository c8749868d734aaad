"""Load an HTML report in Debian's headless Chromium with the network cut off, the way a reviewer's locked-down
PC would: record every request that leaves the file, failed loads, console errors and script exceptions, time
the load and take a full-page screenshot.

Chromium is driven over the DevTools protocol through `--remote-debugging-pipe` (file descriptors 3 and 4),
so there is no port to collide with between parallel test workers and no extra dependency (no websocket
client, no Playwright browser download).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:", "chrome-error:", "devtools:")


def chromium_path() -> str | None:
    for candidate in CHROMIUM_CANDIDATES:
        found = (
            shutil.which(candidate)
            if not os.path.isabs(candidate)
            else (candidate if os.access(candidate, os.X_OK) else None)
        )
        if found:
            return found
    return None


@dataclass
class PageReport:
    """What happened when the page was loaded."""

    url: str
    screenshot: Path | None = None
    requests: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    load_seconds: float | None = None
    page_height: int = 0
    title: str = ""
    pdf_pages: int | None = None
    pdf: Path | None = None
    evaluated: Any = None

    @property
    def external_requests(self) -> list[str]:
        return [url for url in self.requests if not url.startswith(LOCAL_SCHEMES)]

    @property
    def problems(self) -> list[str]:
        return (
            [f"external request: {u}" for u in self.external_requests]
            + [f"failed request: {u}" for u in self.failed_requests]
            + [f"console: {m}" for m in self.console_errors]
        )


class ChromiumError(RuntimeError):
    pass


class _Pipe:
    """The DevTools protocol over Chromium's debugging pipe: NUL-terminated JSON messages."""

    def __init__(self, write_fd: int, read_fd: int, timeout: float) -> None:
        self.write_fd, self.read_fd, self.timeout = write_fd, read_fd, timeout
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.write_fd, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise ChromiumError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, deadline: float) -> dict[str, Any]:
        for index, event in enumerate(self.events):
            if event.get("method") == method:
                return self.events.pop(index)
        while time.monotonic() < deadline:
            event = self._read(deadline)
            if event.get("method") == method:
                return event
            self.events.append(event)
        raise ChromiumError(f"timed out waiting for {method}")

    def drain(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while True:
            try:
                self.events.append(self._read(deadline))
            except ChromiumError:
                return

    def _read(self, deadline: float | None = None) -> dict[str, Any]:
        deadline = deadline or time.monotonic() + self.timeout
        while b"\0" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ChromiumError("timed out reading from Chromium")
            ready, _, _ = select.select([self.read_fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(self.read_fd, 1 << 20)
            if not chunk:
                raise ChromiumError("Chromium closed the debugging pipe")
            self.buffer += chunk
        message, _, self.buffer = self.buffer.partition(b"\0")
        return json.loads(message)


def require_chromium() -> None:
    """Skip a browser test where chromium is missing, but fail it in CI (`.ci/run` sets CI=1)."""
    import pytest

    if chromium_path() is None:
        if os.environ.get("CI"):
            pytest.fail(
                "CI must run the browser tests, but chromium is not installed (apt-get install chromium)"
            )
        pytest.skip("chromium is not installed (apt-get install chromium)")


def _chromium_args(binary: str, profile: str) -> list[str]:
    return [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-default-apps",
        "--hide-scrollbars",
        "--mute-audio",
        "--no-default-browser-check",
        # Networking effectively off: no name resolves and every proxied request goes to a dead port.
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--proxy-server=http://127.0.0.1:9",
        "--proxy-bypass-list=<-loopback>",
        f"--user-data-dir={profile}",
        "--remote-debugging-pipe",
        "about:blank",
    ]


def load_page(
    html_file: str | Path,
    screenshot: str | Path | None = None,
    *,
    width: int = 1280,
    height: int = 900,
    media: str = "screen",
    pdf: bool | str | Path = False,
    evaluate: str | None = None,
    timeout: float = 60.0,
) -> PageReport:
    """Open `html_file` offline in headless Chromium and report what happened (see PageReport).

    `pdf`: print the page (A4 from the report's @page rule) and count its pages; a path also keeps the PDF.
    `evaluate`: a JavaScript expression run in the loaded page (after the emulated width and media are set);
    its JSON-serialisable value is returned in `PageReport.evaluated`.
    """
    binary = chromium_path()
    if binary is None:
        raise ChromiumError("chromium is not installed (apt-get install chromium)")
    url = Path(html_file).resolve().as_uri()
    report = PageReport(url=url)
    to_chrome_r, to_chrome_w = os.pipe()
    from_chrome_r, from_chrome_w = os.pipe()

    def child_fds() -> None:
        # Chromium reads commands on fd 3 and writes replies on fd 4; move out of the way first so that
        # dup2 cannot clobber a pipe end that already sits on 3 or 4.
        read_end = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
        write_end = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
        os.dup2(read_end, 3)
        os.dup2(write_end, 4)

    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        process = subprocess.Popen(
            _chromium_args(binary, profile),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=child_fds,  # noqa: PLW1509 - tests only, single-threaded at this point
            pass_fds=(3, 4),
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        pipe = _Pipe(to_chrome_w, from_chrome_r, timeout)
        try:
            _drive(pipe, report, url, screenshot, width, height, media, pdf, evaluate, timeout)
        finally:
            with contextlib.suppress(ChromiumError, OSError):
                pipe.send("Browser.close")
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            os.close(to_chrome_w)
            os.close(from_chrome_r)
            if process.stderr:
                process.stderr.close()
    return report


def _drive(
    pipe: _Pipe, report: PageReport, url: str, screenshot, width, height, media, pdf, evaluate, timeout
) -> None:
    target = pipe.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = pipe.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    for domain in ("Page", "Network", "Runtime", "Log"):
        pipe.send(f"{domain}.enable", session=session)
    pipe.send(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        session=session,
    )
    pipe.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        session=session,
    )
    pipe.send("Emulation.setEmulatedMedia", {"media": media}, session=session)

    started = time.monotonic()
    pipe.send("Page.navigate", {"url": url}, session=session)
    pipe.wait_for("Page.loadEventFired", started + timeout)
    report.load_seconds = time.monotonic() - started
    pipe.drain(0.3)  # late console messages and failed requests
    timing = pipe.send(
        "Runtime.evaluate",
        {
            "expression": "JSON.stringify({t: document.title, n: performance.getEntriesByType('navigation')[0]?.loadEventEnd})",
            "returnByValue": True,
        },
        session=session,
    )
    values = json.loads(timing["result"]["value"])
    report.title = values["t"]
    if values.get("n"):
        report.load_seconds = values["n"] / 1000.0

    if evaluate is not None:
        result = pipe.send(
            "Runtime.evaluate",
            {"expression": evaluate, "returnByValue": True, "awaitPromise": True},
            session=session,
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise ChromiumError(
                f"evaluate: {details.get('exception', {}).get('description') or details.get('text')}"
            )
        report.evaluated = result["result"].get("value")

    metrics = pipe.send("Page.getLayoutMetrics", session=session)
    size = metrics.get("cssContentSize") or metrics["contentSize"]
    report.page_height = int(size["height"])
    if screenshot is not None:
        shot = pipe.send(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {
                    "x": 0,
                    "y": 0,
                    "width": max(width, size["width"]),
                    "height": size["height"],
                    "scale": 1,
                },
            },
            session=session,
        )
        path = Path(screenshot)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        report.screenshot = path
    if pdf:
        printed = pipe.send(
            "Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True}, session=session
        )
        data = base64.b64decode(printed["data"])
        report.pdf_pages = data.count(b"/Type /Page") - data.count(b"/Type /Pages")
        if not isinstance(pdf, bool):
            report.pdf = Path(pdf)
            report.pdf.parent.mkdir(parents=True, exist_ok=True)
            report.pdf.write_bytes(data)

    urls: dict[str, str] = {}
    for event in pipe.events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Network.requestWillBeSent":
            urls[params["requestId"]] = params["request"]["url"]
            report.requests.append(params["request"]["url"])
        elif method == "Network.loadingFailed":
            where = urls.get(params.get("requestId"), params.get("requestId"))
            report.failed_requests.append(f"{where}: {params.get('errorText')}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") in {"error", "assert"}:
            report.console_errors.append(
                " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            )
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            report.console_errors.append(
                details.get("exception", {}).get("description") or details.get("text", "exception")
            )
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            report.console_errors.append(
                f"{entry.get('source')}: {entry.get('text')} {entry.get('url', '')}".strip()
            )
