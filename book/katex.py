"""KaTeX at build time: TeX in, HTML out, through one long-lived Node.js process.

KaTeX itself comes from npm (package.json, installed by `npm ci` into node_modules/).
"""

import atexit
import json
import shutil
import subprocess
from functools import lru_cache

from book.catalogue import ROOT

NODE_MODULES = ROOT / "node_modules"
DIST = NODE_MODULES / "katex" / "dist"


class KatexError(ValueError):
    pass


@lru_cache(maxsize=1)
def _server():
    if not (NODE_MODULES / "katex").is_dir():
        raise KatexError("KaTeX is not installed: run `npm ci` in the repository root (make does it)")
    node = shutil.which("node")
    if node is None:
        raise KatexError("Node.js is needed to render math at build time; install it (apt-get install nodejs)")
    process = subprocess.Popen([node, str(ROOT / "book" / "katex_server.cjs")], cwd=ROOT, text=True,
                               encoding="utf-8", stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    atexit.register(process.kill)
    return process


@lru_cache(maxsize=4096)
def render(tex, display):
    """HTML for one formula; raises KatexError (with the TeX) on a KaTeX parse error."""
    process = _server()
    process.stdin.write(json.dumps({"tex": tex, "display": display}) + "\n")
    process.stdin.flush()
    answer = json.loads(process.stdout.readline())
    if "error" in answer:
        raise KatexError(f"KaTeX cannot render {tex!r}: {answer['error']}")
    return answer["html"]


def copy_assets(site_dir):
    """Copy katex.min.css and its fonts (woff2 only: every browser that runs the site reads it)."""
    target = site_dir / "assets" / "katex"
    (target / "fonts").mkdir(parents=True, exist_ok=True)
    css = (DIST / "katex.min.css").read_text(encoding="utf-8")
    (target / "katex.min.css").write_text(css, encoding="utf-8")
    for font in (DIST / "fonts").glob("*.woff2"):
        shutil.copyfile(font, target / "fonts" / font.name)
