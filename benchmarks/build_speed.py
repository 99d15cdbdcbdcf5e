"""How long authors wait: a cold strict build, and a `mkdocs serve` rebuild after a prose edit.

Prints both figures (seconds) measured in this one run. Cold = fresh process, notebooks
executed (no cache), both languages. Rebuild = `mkdocs serve` is running and warm; one
Korean page gets one more sentence; time until serve reports the browsers reloaded.
Usage: python benchmarks/build_speed.py [--repeat N]
"""

import argparse
import os
import queue
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MKDOCS = [sys.executable, "-m", "mkdocs"]
ENV = dict(os.environ, NO_MKDOCS_2_WARNING="1")
EDITED = ROOT / "docs" / "notation.ko.md"


def cold_build():
    with tempfile.TemporaryDirectory() as site:
        start = time.perf_counter()
        subprocess.run([*MKDOCS, "build", "--strict", "--site-dir", site], cwd=ROOT, check=True,
                       env=dict(ENV, BOOK_NOTEBOOK_CACHE="off"), capture_output=True)
        return time.perf_counter() - start


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_rebuilds(repeat):
    process = subprocess.Popen([*MKDOCS, "serve", "--livereload",
                                "--dev-addr", f"127.0.0.1:{free_port()}"], cwd=ROOT, env=ENV,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()

    def wait_for(pattern, timeout=300):
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                continue
            if re.search(pattern, line):
                return
        raise TimeoutError(pattern)

    original = EDITED.read_text(encoding="utf-8")
    times = []
    try:
        wait_for(r"Serving on")
        for i in range(repeat):
            time.sleep(1.5)  # let the watcher settle
            start = time.perf_counter()
            EDITED.write_text(original + f"\n벤치마크 문장 {i}입니다.\n", encoding="utf-8")
            wait_for(r"Reloading browsers")
            times.append(time.perf_counter() - start)
    finally:
        EDITED.write_text(original, encoding="utf-8")
        process.terminate()
        process.wait(timeout=30)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cold = cold_build()
    rebuilds = serve_rebuilds(args.repeat)
    print(f"cold strict build, notebooks executed: {cold:.1f} s")
    print(f"mkdocs serve rebuild after a prose edit: best {min(rebuilds):.2f} s, "
          f"all {', '.join(f'{t:.2f}' for t in rebuilds)} s")


if __name__ == "__main__":
    main()
