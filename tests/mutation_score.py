"""Mutation score after `mutmut run` (`make mutation`): killed / all, per part of the code.

A mutant counts as killed when a test failed (or timed out) with it in place. Every survivor
in snippets/ must be listed, with the reason it cannot be killed, in tests/mutation-survivors.md;
the script exits with 1 when one is not, or when snippets/ scores below 90 %.

    python tests/mutation_score.py            # after `mutmut run`, in the repository root
"""

import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SURVIVORS_FILE = ROOT / "tests" / "mutation-survivors.md"
PARTS = {"snippets": "snippets/", "hooks": "hooks.py", "book.site_check": "book/site_check.py"}
KILLED = {"killed", "timeout"}
GOAL = 0.90


def results():
    """{mutant name: status} from `mutmut results --all true`."""
    out = subprocess.run([str(Path(sys.executable).with_name("mutmut")), "results", "--all", "true"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    return dict(re.findall(r"^\s*([\w.]+__mutmut_\d+): (.+?)\s*$", out, re.MULTILINE))


def part(name):
    return next((label for prefix, label in PARTS.items() if name.startswith(prefix + ".")), "other")


def main():
    statuses = results()
    if not statuses:
        sys.exit("no mutmut results: run `mutmut run` first")
    counts = defaultdict(Counter)
    for name, status in statuses.items():
        counts[part(name)][status] += 1
    ok = True
    for label, counter in counts.items():
        total = sum(counter.values())
        killed = sum(counter[s] for s in KILLED)
        detail = ", ".join(f"{n} {s}" for s, n in sorted(counter.items()))
        print(f"{label:22} {killed:5}/{total:<5} killed = {killed / total:6.1%}   ({detail})")
        if label == "snippets/" and killed / total < GOAL:
            print(f"  snippets/ is below the goal of {GOAL:.0%}")
            ok = False
    listed = set(re.findall(r"[\w.]+__mutmut_\d+", SURVIVORS_FILE.read_text(encoding="utf-8")))
    unexplained = sorted(n for n, s in statuses.items() if s not in KILLED and part(n) == "snippets/"
                         and n not in listed)
    if unexplained:
        ok = False
        print(f"\n{len(unexplained)} surviving mutants of snippets/ are not explained in "
              f"{SURVIVORS_FILE.relative_to(ROOT)} (see each with `mutmut show NAME`):")
        print("\n".join(f"  {n}" for n in unexplained))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
