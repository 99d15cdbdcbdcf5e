"""How long authors wait: a cold strict build, and `mkdocs serve` rebuilds after a prose edit
and after a snippet edit.

Prints the figures (seconds) measured in this one run, and what each rebuild re-ran (the
"this build:" line that hooks.py logs from book/buildcache.py: pages converted to HTML, pages
indexed for search, modules re-imported, notebooks executed). Cold = fresh process,
notebooks executed (no cache), both languages, as CI builds. Rebuild = `mkdocs serve` is
running and warm; one Korean page gets one more sentence, or one snippet file one more
comment line; time until serve reports the browsers reloaded.
Usage: python benchmarks/build_speed.py [--repeat N] [--snippet snippets/gru_numpy.py] [--no-cold]
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
SUMMARY = re.compile(r"this build: (.*)")


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


def serve_rebuilds(repeat, snippet):
    """{"prose": [(seconds, what re-ran)], "snippet": [...]} from one warm `mkdocs serve`."""
    process = subprocess.Popen([*MKDOCS, "serve", "--livereload",
                                "--dev-addr", f"127.0.0.1:{free_port()}"], cwd=ROOT, env=ENV,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()

    def wait_for(pattern, timeout=300):
        """Wait for a line matching pattern; return the last "this build:" summary seen before it."""
        deadline, seen = time.perf_counter() + timeout, "(no summary logged)"
        while time.perf_counter() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                if process.poll() is not None:
                    raise RuntimeError(f"mkdocs serve exited with {process.returncode}")
                continue
            summary = SUMMARY.search(line)
            if summary:
                seen = summary.group(1).strip()
            if re.search(pattern, line):
                return seen
        raise TimeoutError(pattern)

    edits = {"prose": (EDITED, lambda text, i: text + f"\n벤치마크 문장 {i}입니다.\n"),
             "snippet": (ROOT / snippet, lambda text, i: text + f"# benchmark edit {i}\n")}
    originals = {kind: path.read_text(encoding="utf-8") for kind, (path, _) in edits.items()}
    times = {kind: [] for kind in edits}
    try:
        wait_for(r"Serving on")
        for i in range(repeat):
            for kind, (path, edit) in edits.items():
                time.sleep(1.5)  # let the watcher settle
                start = time.perf_counter()
                path.write_text(edit(originals[kind], i), encoding="utf-8")
                summary = wait_for(r"Reloading browsers")
                times[kind].append((time.perf_counter() - start, summary))
    finally:
        for kind, (path, _) in edits.items():
            path.write_text(originals[kind], encoding="utf-8")
        process.terminate()
        process.wait(timeout=30)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--snippet", default="snippets/gru_numpy.py", help="the snippet file to edit")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold build")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    cold = None if args.no_cold else cold_build()
    rebuilds = serve_rebuilds(args.repeat, args.snippet)
    print(f"{os.cpu_count()} CPUs; load average (1 min) {load_before:.1f} at the start, "
          f"{os.getloadavg()[0]:.1f} at the end: figures from a busy machine are slower")
    if cold is not None:
        print(f"cold strict build, notebooks executed: {cold:.1f} s")
    for kind, label in (("prose", f"a prose edit ({EDITED.relative_to(ROOT)})"),
                        ("snippet", f"a snippet edit ({args.snippet}, one comment line)")):
        seconds = [t for t, _ in rebuilds[kind]]
        print(f"mkdocs serve rebuild after {label}: best {min(seconds):.2f} s, "
              f"all {', '.join(f'{t:.2f}' for t in seconds)} s")
        for i, (_, summary) in enumerate(rebuilds[kind]):
            print(f"  run {i + 1} re-ran: {summary}")


if __name__ == "__main__":
    main()
