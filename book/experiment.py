"""The adding-problem chapter at build time: it READS book/results/adding.json, never trains.

Directive (hooks.py): ``::experiment <what>``, where <what> is
    settings          the training set-up
    table             final test MSE per model and length: mean ± standard deviation (seeds solved)
    escape_table      the escape step per model and length: median over seeds (seeds escaped)
    sensitivity       ∂ŷ/∂u₁ and ∂ŷ/∂u₂ per model and length, mean over seeds
    gates_table       the gates of the units that carry the first number, median [quartiles]
    curves, escape, gradients   the figures (SVG)
    provenance        what the results were computed from
    claim:<name>      one sentence of CLAIMS, its verdict and numbers taken from the results

Stale results fail the build (``check_fresh``): the experiment code and settings must have the
digest recorded in the file, and the snippets must still compute the recorded fingerprint
(a few training steps and measurements of every model on a tiny problem). Every sentence's
verdict is chosen by the data (``facts``), with its threshold stated in the text.
"""

import html
import importlib
import io
import json
import math
import re
import statistics
import warnings
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure
from mkdocs.exceptions import PluginError

from book import plots

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "book" / "results" / "adding.json"
COMMAND = "make experiments"
MODEL_STYLE = {"rnn": (plots.RED, "o", "-"), "irnn": (plots.PURPLE, "v", (0, (4, 2))),
               "lstm": (plots.ORANGE, "s", (0, (1, 1.5))), "lstm_fb1": (plots.BLUE, "D", "-"),
               "gru": (plots.GREEN, "^", (0, (6, 2, 1, 2)))}
GATED = ("lstm", "lstm_fb1", "gru")
PLACES = ("first", "between", "second", "elsewhere")


class StaleResults(ValueError):
    """The results file is missing or does not match the code it claims to come from."""


# ------------------------------------------------------------------------------------ loading

_cache = {}


def load(path=RESULTS):
    """The results, checked against the current code (raises StaleResults)."""
    path = Path(path)
    if not path.exists():
        raise StaleResults(f"{path.relative_to(ROOT)} does not exist: run `{COMMAND}`")
    inputs = [path, ROOT / "experiments/adding.py", *sorted(ROOT.glob("snippets/*.py"))]
    key = tuple((str(p), p.stat().st_mtime_ns) for p in inputs)  # `mkdocs serve` re-checks after an edit
    if key not in _cache:
        results = json.loads(path.read_text(encoding="utf-8"))
        check_fresh(results, path)
        _cache.clear()
        _cache[key] = results
    return _cache[key]


FINGERPRINT_RTOL = 1e-5  # float32 training: another CPU may round a last bit differently


def check_fresh(results, path=RESULTS):
    """Fresh results: computed with today's settings, and today's code (experiments/adding.py and
    the snippets it runs) still computes the fingerprint they recorded."""
    adding = importlib.reload(importlib.import_module("experiments.adding"))  # the code as it is now
    name = Path(path).name
    if results.get("settings") != adding.SETTINGS:
        changed = sorted(k for k in set(adding.SETTINGS) | set(results.get("settings", {}))
                         if results.get("settings", {}).get(k) != adding.SETTINGS.get(k))
        raise StaleResults(f"{name} is stale: computed with other SETTINGS (changed: {', '.join(changed)}); "
                           f"run `{COMMAND}` and commit the new results")
    old, new = results.get("provenance", {}).get("fingerprint", []), adding.fingerprint()
    for k in range(max(len(old), len(new))):
        a, b = (old[k] if k < len(old) else None), (new[k] if k < len(new) else None)
        if a is None or b is None or abs(a - b) > FINGERPRINT_RTOL * max(abs(a), abs(b), 1e-12):
            raise StaleResults(f"{name} is stale: the code no longer computes the recorded fingerprint (value {k}: "
                               f"{a} recorded, {b} now; experiments/adding.py, snippets/*_numpy.py train the models "
                               f"and snippets/*_torch.py measure them); run `{COMMAND}` and commit the new results")


# -------------------------------------------------------------------------------------- facts

def cells(results, model, T):
    return sorted((c for c in results["cells"] if c["model"] == model and c["T"] == T), key=lambda c: c["seed"])


def budget(results, T):
    s = results["settings"]
    return s["steps"][s["lengths"].index(T)]


def is_solved(results, cell):
    return cell["test_mse"] < results["settings"]["solved_fraction"] * results["levels"][str(cell["T"])]["test_baseline"]


def median_escape(results, model, T):
    """The median escape step over the seeds (a censored seed counts as later than any step), or
    None when more than half of the seeds never escaped within the budget."""
    steps = sorted(c["escape_step"] if c["escape_step"] is not None else math.inf for c in cells(results, model, T))
    middle = steps[(len(steps) - 1) // 2] if len(steps) % 2 else max(steps[len(steps) // 2 - 1:len(steps) // 2 + 1])
    return None if middle == math.inf else middle


def escaped(results, model, T):
    return sum(c["escape_step"] is not None for c in cells(results, model, T))


def stats(results):
    """{(model, T): {"mean", "sd", "n", "solved", "escaped", "median_escape"}} over the seeds."""
    out = {}
    for model in results["models"]:
        for T in results["settings"]["lengths"]:
            group = cells(results, model, T)
            values = [c["test_mse"] for c in group]
            out[model, T] = {"mean": statistics.fmean(values), "sd": statistics.stdev(values) if len(values) > 1 else 0.0,
                             "n": len(values), "solved": sum(is_solved(results, c) for c in group),
                             "escaped": escaped(results, model, T), "median_escape": median_escape(results, model, T),
                             "du1": statistics.fmean(c["du1"] for c in group),
                             "du2": statistics.fmean(c["du2"] for c in group)}
    return out


def longest_all_escaped(results, model):
    """The longest T up to which every seed escaped at every length (None if not even the shortest)."""
    best = None
    for T in results["settings"]["lengths"]:
        if escaped(results, model, T) < len(results["settings"]["seeds"]):
            break
        best = T
    return best


def geometric_mean(values):
    return math.exp(statistics.fmean(math.log(max(v, 1e-300)) for v in values))


def gradient_ratio(results, model, T, trained=True):
    """‖∂ŷ/∂h_1‖ / ‖∂ŷ/∂h_T‖ (distance T-1 against distance 0), median over the seeds (a
    saturated tanh RNN can pass exactly 0 back, which no mean of logarithms survives)."""
    ratios = []
    for c in cells(results, model, T):
        g = c["grad_norm"] if trained else c["init"]["grad_norm"]
        ratios.append(g[-1] / g[0])
    return statistics.median(ratios)


VANISHES = 1e-3
PLATEAU = 0.75  # a curve "on its way to the second-number level" below this fraction of the baseline  # "the learning signal vanishes": the first step's gradient below 1/1000 of the last's


def gate_key(results, model):
    """The longest length with pooled gates (seeds that solved it) for a gated model, or None."""
    found = [T for T in results["settings"]["lengths"] if f"{model} {T}" in results["pooled_gates"]]
    return found[-1] if found else None


def facts(name, results):
    """(variant, values) of one claim: the variant picks the sentence, values fill it in."""
    s = stats(results)
    settings = results["settings"]
    lengths, seeds = settings["lengths"], len(settings["seeds"])
    longest = lengths[-1]
    levels = results["levels"]
    if name == "baseline":
        return "ok", {"T": ", ".join(map(str, lengths)),
                      "b": ", ".join(f"{levels[str(T)]['val_baseline']:.3f}" for T in lengths),
                      "second": ", ".join(f"{levels[str(T)]['val_second_only']:.3f}" for T in lengths)}
    if name == "escape_by_model":
        rows = [(m, longest_all_escaped(results, m)) for m in results["models"]]
        return "ok", {"rows": rows, "n": seeds}
    if name == "growth":
        rows = []
        for m in results["models"]:
            known = [(T, s[m, T]["median_escape"]) for T in lengths if s[m, T]["median_escape"] is not None]
            rows.append((m, known[0] if known else None, known[-1] if len(known) > 1 else None))
        compared = [last[1] > first[1] for _, first, last in rows if first and last]
        return ("none" if not compared else "grows" if all(compared) else "mixed"), {"rows": rows}
    if name == "plateau":
        T = longest
        limit = PLATEAU * levels[str(T)]["val_baseline"]
        escaped_cells = [c for m in results["models"] for c in cells(results, m, T) if c["escape_step"] is not None]
        straight = sum(all(v >= limit for step, v in zip(c["curve"]["step"], c["curve"]["mse"])
                           if 0 < step < c["escape_step"]) for c in escaped_cells)
        k = len(escaped_cells)
        variant = "none" if not k else "straight" if 2 * straight > k else "pause"
        return variant, {"T": T, "k": k, "straight": straight, "pct": _pct(PLATEAU)}
    if name == "rnn_limit":
        failing = [T for T in lengths if s["rnn", T]["escaped"] < seeds]
        if not failing:
            return "none", {"T": longest, "steps": budget(results, longest)}
        T = failing[0]
        return "limit", {"T": T, "k": s["rnn", T]["escaped"], "n": seeds, "steps": budget(results, T),
                         "never": [T2 for T2 in lengths if s["rnn", T2]["escaped"] == 0]}
    if name == "irnn":
        e = s["irnn", longest]
        variant = "all" if e["escaped"] == seeds else "some" if e["escaped"] else "none"
        return variant, {"T": longest, "k": e["escaped"], "n": seeds, "solved": e["solved"],
                         "rnn_k": s["rnn", longest]["escaped"], "median": e["median_escape"]}
    if name == "gated_longest":
        rows = [(m, s[m, longest]["solved"], s[m, longest]["escaped"], s[m, longest]["mean"]) for m in GATED]
        most = all(solved * 2 > seeds for _, solved, _, _ in rows)
        return ("most" if most else "not_most"), {"T": longest, "rows": rows, "n": seeds,
                                                   "steps": budget(results, longest), "pct": _pct(settings["solved_fraction"])}
    if name == "forget_bias":
        pairs, earlier, later = [], 0, 0
        for T in lengths:
            for a, b in zip(cells(results, "lstm", T), cells(results, "lstm_fb1", T)):
                ea = a["escape_step"] if a["escape_step"] is not None else math.inf
                eb = b["escape_step"] if b["escape_step"] is not None else math.inf
                earlier += eb < ea
                later += eb > ea
        T = longest
        pairs = [(a["escape_step"], b["escape_step"]) for a, b in zip(cells(results, "lstm", T), cells(results, "lstm_fb1", T))]
        total = len(lengths) * seeds
        variant = "earlier" if earlier > 2 * later else "later" if later > 2 * earlier else "mixed"
        return variant, {"earlier": earlier, "later": later, "total": total, "T": T, "pairs": pairs,
                         "steps": budget(results, T)}
    if name == "sensitivity":
        T = longest
        solved = [c for m in results["models"] for c in cells(results, m, T) if is_solved(results, c)]
        stuck = [c for m in results["models"] for c in cells(results, m, T) if c["escape_step"] is None]
        values = {"T": T, "n_solved": len(solved), "n_stuck": len(stuck)}
        if solved:
            values.update(u1=(min(c["du1"] for c in solved), max(c["du1"] for c in solved)),
                          u2=(min(c["du2"] for c in solved), max(c["du2"] for c in solved)))
        if stuck:
            values.update(s1=(min(c["du1"] for c in stuck), max(c["du1"] for c in stuck)),
                          s2=(min(c["du2"] for c in stuck), max(c["du2"] for c in stuck)))
        return ("both" if solved and stuck else "solved_only" if solved else "stuck_only"), values
    if name in ("gradients_init", "gradients_trained"):
        trained = name == "gradients_trained"
        rows = [(m, gradient_ratio(results, m, longest, trained)) for m in results["models"]]
        vanish = [m for m, r in rows if r < VANISHES]
        return ("some_vanish" if vanish else "none_vanish"), {"T": longest, "rows": rows, "vanish": vanish,
                                                              "distance": longest - 1}
    if name in ("gates_lstm_input", "gates_lstm_forget", "gates_gru"):
        model, gate = {"gates_lstm_input": ("lstm_fb1", "i"), "gates_lstm_forget": ("lstm_fb1", "f"),
                       "gates_gru": ("gru", "z")}[name]
        T = gate_key(results, model)
        if T is None:
            return "unsolved", {"model": model}
        pooled = results["pooled_gates"][f"{model} {T}"]
        q = pooled["gates"][gate]
        values = {"model": model, "T": T, "k": len(pooled["seeds"]), "n": seeds, **{p: q[p] for p in PLACES}}
        if gate == "i":  # writes at the marks: the quartiles there above the median elsewhere
            variant = "opens" if min(q["first"][0], q["second"][0]) > q["elsewhere"][1] else "no_clear_opening"
        elif gate == "f":  # holds between the marks: three quarters of the values above 0.9
            variant = "holds" if q["between"][0] > 0.9 else "leaks"
        else:  # GRU: writing needs z low at the marks, holding needs z high between them
            variant = "writes" if max(q["first"][2], q["second"][2]) < q["between"][1] else "no_clear_writing"
        return variant, values
    if name == "verdict":
        rnn_stuck = s["rnn", longest]["escaped"] * 2 < seeds
        gated_most = all(s[m, longest]["solved"] * 2 > seeds for m in ("lstm_fb1", "gru"))
        variant = "supported" if rnn_stuck and gated_most else "gated_failed" if rnn_stuck else "not_shown"
        return variant, {"T": longest, "steps": budget(results, longest), "irnn": s["irnn", longest]["escaped"],
                         "n": seeds}
    if name == "wall_time":
        return "ok", {"minutes": results["wall_seconds"] / 60, "cells": len(results["cells"]),
                      "cpu_minutes": results["cpu_seconds"] / 60, "jobs": results["jobs"], "device": results["device"]}
    raise ValueError(f"unknown claim {name!r}; book/experiment.py has: {', '.join(CLAIMS)}")


def _pct(fraction):
    return f"{100 * fraction:g}%"


# ----------------------------------------------------------------------------------- the text

NAMES = {
    "ko": {"rnn": "기본 RNN", "irnn": "IRNN", "lstm": "LSTM(기본 초기화)", "lstm_fb1": "LSTM(망각 게이트 편향 1)",
           "gru": "GRU"},
    "en": {"rnn": "plain RNN", "irnn": "IRNN", "lstm": "LSTM (default init)", "lstm_fb1": "LSTM (forget-gate bias 1)",
           "gru": "GRU"},
}
GATE_NAMES = {"ko": {"i": "입력 게이트", "f": "망각 게이트", "z": "업데이트 게이트"},
              "en": {"i": "input gate", "f": "forget gate", "z": "update gate"}}
PLACE_NAMES = {"ko": {"first": "첫 표시", "between": "두 표시 사이", "second": "둘째 표시", "elsewhere": "그 밖"},
               "en": {"first": "first mark", "between": "between the marks", "second": "second mark",
                      "elsewhere": "elsewhere"}}


def _f2(value):
    """Two decimals, without the sign of a value that rounds to zero ("0.00", not "-0.00")."""
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def _q(q):
    return f"{_f2(q[1])} [{_f2(q[0])}–{_f2(q[2])}]"


def _range(pair):
    low, high = _f2(pair[0]), _f2(pair[1])
    return low if low == high else f"{low}–{high}"


def _escape(step, never):
    return never if step is None else str(step)


def _ratio(r):
    """A ratio as the text shows it: 0.37, 2.1e-05, 0."""
    if r == 0:
        return "0"
    return f"{r:.2g}" if r >= 0.01 else f"{r:.1e}".replace("e-0", "e-")


def _escape_rows(v, lang):
    out = []
    for m, T in v["rows"]:
        if lang == "ko":
            out.append(f"{_topic(NAMES['ko'][m])} T = {T}까지" if T else f"{_topic(NAMES['ko'][m])} 가장 짧은 길이에서도 아님")
        else:
            out.append(f"{NAMES['en'][m]} up to T = {T}" if T else f"{NAMES['en'][m]} not even at the shortest length")
    return out


def _growth_rows(v, lang):
    out = []
    for m, first, last in v["rows"]:
        name = NAMES[lang][m]
        if first is None:
            out.append({"ko": f"{_topic(name)} 중앙값이 정해지는 길이가 없음", "en": f"{name}: no length with a median"}[lang])
        elif last is None:
            out.append({"ko": f"{_topic(name)} T = {first[0]}에서 {first[1]}단계(더 긴 길이에서는 시드 과반이 탈출하지 못함)",
                        "en": f"{name} {first[1]} steps at T = {first[0]} (most seeds did not escape at any longer length)"}[lang])
        else:
            out.append({"ko": f"{_topic(name)} T = {first[0]}에서 {first[1]}단계, T = {last[0]}에서 {last[1]}단계",
                        "en": f"{name} {first[1]} steps at T = {first[0]}, {last[1]} at T = {last[0]}"}[lang])
    return out


def _josa(word, with_batchim, without):
    """The Korean particle for a word as read aloud: 은/는, 이/가, 을/를 (numbers and Latin by sound)."""
    last = word.rstrip()[-1]
    if "가" <= last <= "힣":
        return with_batchim if (ord(last) - 0xAC00) % 28 else without
    closed = {"0": True, "1": True, "2": False, "3": True, "4": False, "5": False, "6": True, "7": True,
              "8": True, "9": False, "N": True, "M": True, "L": True, "R": True, "U": False}  # 영 일 이 …, 엔 엠 엘 알 유
    return with_batchim if closed.get(last.upper(), False) else without


def _topic(name):
    """A model's Korean name with 은/는, chosen by the word before any parenthesis."""
    return name + _josa(name.split("(")[0], "은", "는")


CLAIMS = {
    "baseline": {"ok": {
        "ko": ("늘 1을 예측하는 모델의 검증 MSE는 T = {T}의 검증 집합에서 각각 {b}입니다(이론값 1/6 ≈ 0.167). 둘째 수만 쓰는 "
               "모델, 곧 u₂ + 1/2를 예측하는 모델은 {second}입니다(이론값 1/12 ≈ 0.083). 아래 곡선은 모두 자기 검증 집합의 "
               "기준선과 함께 그렸습니다."),
        "en": ("Always predicting 1 scores a validation MSE of {b} on the validation sets of T = {T} (1/6 ≈ 0.167 in "
               "theory). Using the second number alone, predicting u₂ + 1/2, scores {second} (1/12 ≈ 0.083 in theory). "
               "Every curve below is drawn against its own validation set's levels."),
    }},
    "escape_by_model": {"ok": {
        "ko": lambda v: "시드 {n}개가 모든 길이에서 탈출한 가장 긴 T를 모델별로 보면 ".format(**v)
        + ", ".join(_escape_rows(v, "ko")) + "입니다.",
        "en": lambda v: f"The longest T up to which all {v['n']} seeds escaped at every length: "
        + "; ".join(_escape_rows(v, "en")) + ".",
    }},
    "growth": {
        variant: {
            "ko": lambda v, variant=variant: (
                {"grows": "탈출 단계의 중앙값은 두 길이 이상에서 정해지는 모든 모델에서 길이와 함께 늘어납니다.",
                 "mixed": "탈출 단계의 중앙값이 모든 모델에서 길이와 함께 늘어나지는 않습니다.",
                 "none": "탈출 단계의 중앙값이 두 길이 이상에서 정해지는 모델이 없어 비교할 수 없습니다."}[variant]
                + " 가장 짧은 길이와, 중앙값이 정해지는 가장 긴 길이를 비교하면 " + "; ".join(_growth_rows(v, "ko")) + "입니다."),
            "en": lambda v, variant=variant: (
                {"grows": "For every model whose median escape step is defined at two lengths or more, it grows with "
                           "the length.",
                 "mixed": "The median escape step does not grow with the length for every model.",
                 "none": "No model has a median escape step at two lengths, so there is nothing to compare."}[variant]
                + " Between the shortest length and the longest one at which the median is defined: "
                + "; ".join(_growth_rows(v, "en")) + "."),
        } for variant in ("grows", "mixed", "none")
    },
    "plateau": {
        "straight": {"ko": ("T = {T}에서 탈출한 시드 {k}개 가운데 {straight}개는 탈출 단계 직전까지 검증 MSE가 기준선의 {pct} "
                            "위에 머물렀습니다. 둘째 수만 쓰는 단계를 거치지 않고, 평균만 맞히다가 두 수를 함께 쓰는 데로 곧장 "
                            "넘어간 것입니다."),
                     "en": ("Of the {k} seeds that escaped at T = {T}, {straight} kept their validation MSE above {pct} of the "
                            "baseline until their escape step: they did not pass through a stage of using the second number "
                            "alone, but went from predicting the mean straight to using both numbers.")},
        "pause": {"ko": ("T = {T}에서 탈출한 시드 {k}개 가운데 탈출 단계 직전까지 검증 MSE가 기준선의 {pct} 위에 머문 것은 "
                         "{straight}개뿐입니다. 나머지는 먼저 둘째 수를 쓰는 쪽으로 내려간 뒤에 탈출했습니다."),
                  "en": ("Of the {k} seeds that escaped at T = {T}, only {straight} kept their validation MSE above {pct} "
                         "of the baseline until their escape step; the others first came down towards using the second "
                         "number, then escaped.")},
        "none": {"ko": "T = {T}에서는 탈출한 시드가 없습니다.", "en": "No seed escaped at T = {T}."},
    },
    "rnn_limit": {
        "limit": {"ko": lambda v: (f"기본 RNN은 T = {v['T']}에서 처음으로 시드 {v['n']}개 중 {v['k']}개만 {v['steps']}단계 안에 "
                                   f"탈출합니다" + (f". T = {', '.join(map(str, v['never']))}에서는 한 시드도 탈출하지 못합니다."
                                                  if v["never"] else ".")),
                  "en": lambda v: (f"The plain RNN first falls short at T = {v['T']}: {v['k']} of {v['n']} seeds escape "
                                   f"within {v['steps']} steps" + (f"; at T = {', '.join(map(str, v['never']))} no seed "
                                                                   f"escapes." if v["never"] else "."))},
        "none": {"ko": "기본 RNN도 T = {T}까지 모든 시드가 예산({steps}단계) 안에 탈출합니다. 이 설정에서는 기본 RNN의 한계가 "
                       "드러나지 않았습니다.",
                 "en": "The plain RNN escapes with every seed up to T = {T} within the budget ({steps} steps): this "
                       "set-up does not show its limit."},
    },
    "irnn": {
        "all": {"ko": lambda v: (f"IRNN은 T = {v['T']}에서도 시드 {v['n']}개 모두 탈출하고(중앙값 {v['median']}단계), "
                                 f"{v['solved']}개가 문제를 풉니다. 같은 길이에서 기본 RNN은 {v['rnn_k']}개가 탈출합니다. "
                                 f"초기화만 바꾼 RNN도 이 길이를 배울 수 있습니다."),
                "en": lambda v: (f"The IRNN escapes with all {v['n']} seeds even at T = {v['T']} (median step "
                                 f"{v['median']}) and {v['solved']} solve the task; at the same length {v['rnn_k']} plain "
                                 f"RNN seeds escape. A plain RNN with another initialisation can learn this length.")},
        "some": {"ko": lambda v: (f"IRNN은 T = {v['T']}에서 시드 {v['n']}개 중 {v['k']}개가 탈출하고 {v['solved']}개가 문제를 "
                                  f"풉니다. 같은 길이에서 기본 RNN은 {v['rnn_k']}개가 탈출합니다."),
                 "en": lambda v: (f"At T = {v['T']} the IRNN escapes with {v['k']} of {v['n']} seeds and {v['solved']} "
                                  f"solve the task; at the same length {v['rnn_k']} plain RNN seeds escape.")},
        "none": {"ko": "IRNN은 T = {T}에서 한 시드도 탈출하지 못합니다. 이 예산과 학습률에서는 항등 행렬 초기화가 도움이 되지 않았습니다.",
                 "en": "At T = {T} no IRNN seed escapes: with this budget and learning rate the identity "
                       "initialisation did not help."},
    },
    "gated_longest": {
        "most": {"ko": lambda v: (f"T = {v['T']}에서 {v['steps']}단계 안에 문제를 푼(테스트 MSE가 기준선의 {v['pct']} 미만) 시드 "
                                  f"수는 " + ", ".join(f"{NAMES['ko'][m]} {k}/{v['n']}" for m, k, _, _ in v["rows"])
                                  + "입니다. 게이트가 있는 세 모델 모두 시드의 과반이 풉니다."),
                 "en": lambda v: (f"At T = {v['T']}, the seeds that solved the task within {v['steps']} steps (test MSE "
                                  f"below {v['pct']} of the baseline): " + ", ".join(
                                      f"{NAMES['en'][m]} {k}/{v['n']}" for m, k, _, _ in v["rows"])
                                  + ". Each of the three gated models solves it with most seeds.")},
        "not_most": {"ko": lambda v: (f"T = {v['T']}에서 {v['steps']}단계 안에 문제를 푼(테스트 MSE가 기준선의 {v['pct']} 미만) "
                                      f"시드 수는 " + ", ".join(f"{NAMES['ko'][m]} {k}/{v['n']}" for m, k, _, _ in v["rows"])
                                      + "입니다. 게이트가 있는 모델이라고 모두 이 길이를 시드 과반에서 풀지는 못했습니다."),
                     "en": lambda v: (f"At T = {v['T']}, the seeds that solved the task within {v['steps']} steps (test "
                                      f"MSE below {v['pct']} of the baseline): " + ", ".join(
                                          f"{NAMES['en'][m]} {k}/{v['n']}" for m, k, _, _ in v["rows"])
                                      + ". Not every gated model solves this length with most seeds.")},
    },
    "forget_bias": {
        variant: {
            "ko": lambda v, variant=variant: (
                f"같은 데이터와 같은 초기 가중치에서 망각 게이트 편향만 1로 바꾸면, 길이와 시드의 조합 {v['total']}개 가운데 "
                f"{v['earlier']}개에서 더 일찍, {v['later']}개에서 더 늦게 탈출합니다"
                + {"earlier": "(대체로 빨라집니다)", "later": "(대체로 느려집니다)", "mixed": "(한쪽으로 기울지 않습니다)"}[variant]
                + f". T = {v['T']}에서 시드별 탈출 단계(기본 초기화 → 편향 1)는 "
                + ", ".join(f"{_escape(a, '없음')} → {_escape(b, '없음')}" for a, b in v["pairs"])
                + f"입니다('없음'은 {v['steps']}단계 안에 탈출하지 못했다는 뜻)."),
            "en": lambda v, variant=variant: (
                f"With the same data and the same initial weights, setting the forget-gate bias to 1 makes the LSTM "
                f"escape earlier in {v['earlier']} and later in {v['later']} of the {v['total']} combinations of "
                f"length and seed"
                + {"earlier": " (mostly earlier)", "later": " (mostly later)", "mixed": " (no clear direction)"}[variant]
                + f". At T = {v['T']} the escape steps per seed (default init → bias 1) are "
                + ", ".join(f"{_escape(a, 'never')} → {_escape(b, 'never')}" for a, b in v["pairs"])
                + f" ('never': not within {v['steps']} steps)."),
        } for variant in ("earlier", "later", "mixed")
    },
    "sensitivity": {
        "both": {"ko": lambda v: (f"T = {v['T']}에서 문제를 푼 시드 {v['n_solved']}개의 ∂ŷ/∂u₁은 {_range(v['u1'])}, "
                                  f"∂ŷ/∂u₂는 {_range(v['u2'])}입니다. 두 수를 1의 무게로 더합니다. 탈출하지 못한 시드 "
                                  f"{v['n_stuck']}개의 ∂ŷ/∂u₁은 {_range(v['s1'])}, ∂ŷ/∂u₂는 {_range(v['s2'])}입니다."),
                 "en": lambda v: (f"At T = {v['T']} the {v['n_solved']} seeds that solved the task have ∂ŷ/∂u₁ of "
                                  f"{_range(v['u1'])} and ∂ŷ/∂u₂ of {_range(v['u2'])}: they add both numbers with weight 1. "
                                  f"The {v['n_stuck']} seeds that never escaped have ∂ŷ/∂u₁ of {_range(v['s1'])} and "
                                  f"∂ŷ/∂u₂ of {_range(v['s2'])}.")},
        "solved_only": {"ko": lambda v: (f"T = {v['T']}에서 문제를 푼 시드 {v['n_solved']}개의 ∂ŷ/∂u₁은 {_range(v['u1'])}, "
                                         f"∂ŷ/∂u₂는 {_range(v['u2'])}입니다. 두 수를 1의 무게로 더합니다."),
                        "en": lambda v: (f"At T = {v['T']} the {v['n_solved']} seeds that solved the task have ∂ŷ/∂u₁ of "
                                         f"{_range(v['u1'])} and ∂ŷ/∂u₂ of {_range(v['u2'])}: they add both numbers "
                                         f"with weight 1.")},
        "stuck_only": {"ko": lambda v: (f"T = {v['T']}에서는 어떤 시드도 문제를 풀지 못했습니다. 탈출하지 못한 시드 "
                                        f"{v['n_stuck']}개의 ∂ŷ/∂u₁은 {_range(v['s1'])}입니다."),
                       "en": lambda v: (f"At T = {v['T']} no seed solved the task; the {v['n_stuck']} seeds that never "
                                        f"escaped have ∂ŷ/∂u₁ of {_range(v['s1'])}.")},
    },
    "gradients_init": {
        variant: {
            "ko": lambda v, variant=variant: (
                f"초기화 직후 T = {v['T']}에서 ‖∂ŷ/∂h₁‖을 ‖∂ŷ/∂h_T‖로 나눈 값(거리 {v['distance']}, 시드의 중앙값)은 "
                + ", ".join(f"{NAMES['ko'][m]} {_ratio(r)}" for m, r in v["rows"]) + "입니다. "
                + (f"{', '.join(NAMES['ko'][m] for m in v['vanish'])}에서는 학습 신호가 1/1000 아래로 줄어듭니다."
                   if variant == "some_vanish" else "어느 모델에서도 1/1000 아래로 줄지 않습니다.")),
            "en": lambda v, variant=variant: (
                f"Right after initialisation, at T = {v['T']}, ‖∂ŷ/∂h₁‖ divided by ‖∂ŷ/∂h_T‖ (distance {v['distance']}, "
                f"median over seeds) is " + ", ".join(f"{NAMES['en'][m]} {_ratio(r)}" for m, r in v["rows"]) + ". "
                + (f"For the {', '.join(NAMES['en'][m] for m in v['vanish'])} the learning signal shrinks below 1/1000."
                   if variant == "some_vanish" else "In no model does it shrink below 1/1000.")),
        } for variant in ("some_vanish", "none_vanish")
    },
    "gradients_trained": {
        variant: {
            "ko": lambda v, variant=variant: (
                f"학습을 마친 뒤 같은 비율은 " + ", ".join(f"{NAMES['ko'][m]} {_ratio(r)}" for m, r in v["rows"]) + "입니다. "
                + (f"1/1000 아래에 머무는 모델은 {', '.join(NAMES['ko'][m] for m in v['vanish'])}입니다."
                   if variant == "some_vanish" else "어느 모델도 1/1000 아래에 머물지 않습니다.")),
            "en": lambda v, variant=variant: (
                f"After training the same ratio is " + ", ".join(f"{NAMES['en'][m]} {_ratio(r)}" for m, r in v["rows"])
                + ". " + (f"Below 1/1000 remain: {', '.join(NAMES['en'][m] for m in v['vanish'])}."
                          if variant == "some_vanish" else "No model stays below 1/1000.")),
        } for variant in ("some_vanish", "none_vanish")
    },
    "gates_lstm_input": {
        "opens": {"ko": lambda v: (f"T = {v['T']}{_josa(str(v['T']), '을', '를')} 푼 시드 {v['k']}개에서, 첫 수를 나르는 유닛의 **입력 게이트**는 중앙값 "
                                   f"[사분위]로 첫 표시에서 {_q(v['first'])}, 둘째 표시에서 {_q(v['second'])}이고, 표시가 없는 "
                                   f"단계에서는 두 표시 사이에서 {_q(v['between'])}, 그 밖에서 {_q(v['elsewhere'])}입니다. 표시된 곳에서 "
                                   f"열립니다(표시에서의 아래 사분위가 그 밖의 중앙값보다 큼)."),
                  "en": lambda v: (f"In the {v['k']} seeds that solved T = {v['T']}, the **input gate** of the units that "
                                   f"carry the first number is, as median [quartiles], {_q(v['first'])} at the first mark "
                                   f"and {_q(v['second'])} at the second, against {_q(v['between'])} between the marks and "
                                   f"{_q(v['elsewhere'])} elsewhere: it opens at the marks (its lower quartile there is "
                                   f"above the median elsewhere).")},
        "no_clear_opening": {
            "ko": lambda v: (f"T = {v['T']}{_josa(str(v['T']), '을', '를')} 푼 시드 {v['k']}개에서, 첫 수를 나르는 유닛의 **입력 게이트**는 첫 표시에서 "
                             f"{_q(v['first'])}, 둘째 표시에서 {_q(v['second'])}, 그 밖에서 {_q(v['elsewhere'])}입니다. "
                             f"표시된 곳에서만 뚜렷하게 열리지는 않습니다(표시에서의 아래 사분위가 그 밖의 중앙값 이하)."),
            "en": lambda v: (f"In the {v['k']} seeds that solved T = {v['T']}, the **input gate** of the units that carry "
                             f"the first number is {_q(v['first'])} at the first mark, {_q(v['second'])} at the second and "
                             f"{_q(v['elsewhere'])} elsewhere: it does not clearly open only at the marks (its lower "
                             f"quartile there is not above the median elsewhere).")},
        "unsolved": {"ko": "망각 게이트 편향이 1인 LSTM은 어느 길이에서도 문제를 풀지 못해, 게이트를 볼 모델이 없습니다.",
                     "en": "The LSTM with forget-gate bias 1 solved no length, so there is no model whose gates to read."},
    },
    "gates_lstm_forget": {
        "holds": {"ko": lambda v: (f"같은 유닛의 **망각 게이트**는 두 표시 사이에서 {_q(v['between'])}입니다. 값의 4분의 3이 "
                                   f"0.9보다 커서 셀 상태에 쓴 값을 대부분 붙잡아 둡니다. 한 단계에 f만큼 남으므로, k단계 "
                                   f"뒤에는 f의 k제곱만큼 남습니다."),
                  "en": lambda v: (f"The same units' **forget gate** is {_q(v['between'])} between the marks: three "
                                   f"quarters of its values are above 0.9, so the cell state keeps most of what was "
                                   f"written. Each step keeps a share f, so k steps keep f to the power k.")},
        "leaks": {"ko": lambda v: (f"같은 유닛의 **망각 게이트**는 두 표시 사이에서 {_q(v['between'])}입니다. 아래 사분위가 "
                                   f"0.9 이하여서 셀 상태는 값을 조금씩 흘려보냅니다. 한 단계에 f만큼 남으므로, k단계 뒤에는 "
                                   f"f의 k제곱만큼 남습니다."),
                  "en": lambda v: (f"The same units' **forget gate** is {_q(v['between'])} between the marks: its lower "
                                   f"quartile is 0.9 or less, so the cell state leaks. Each step keeps a share f, so k "
                                   f"steps keep f to the power k.")},
        "unsolved": {"ko": "망각 게이트도 마찬가지입니다.", "en": "Nor is there a forget gate to read."},
    },
    "gates_gru": {
        "writes": {"ko": lambda v: (f"GRU가 T = {v['T']}{_josa(str(v['T']), '을', '를')} 푼 시드 {v['k']}개에서, 첫 수를 나르는 유닛의 **업데이트 게이트** "
                                    f"*z*는 첫 표시에서 {_q(v['first'])}, 둘째 표시에서 {_q(v['second'])}로 내려가 새 값을 "
                                    f"받아들이고, 두 표시 사이에서는 {_q(v['between'])}입니다. *z*가 1에 가까운 동안 이전 "
                                    f"상태는 거의 그대로 전달되지만, 한 단계에 *z*만큼 남으므로 k단계 뒤에는 *z*의 k제곱만큼 "
                                    f"남습니다."),
                   "en": lambda v: (f"In the {v['k']} seeds in which the GRU solved T = {v['T']}, the **update gate** *z* "
                                    f"of the units that carry the first number drops to {_q(v['first'])} at the first mark "
                                    f"and {_q(v['second'])} at the second to take in the new value, and is "
                                    f"{_q(v['between'])} between the marks. While *z* is close to 1 the previous state "
                                    f"passes on almost unchanged, but each step keeps a share *z*, so k steps keep *z* to "
                                    f"the power k.")},
        "no_clear_writing": {
            "ko": lambda v: (f"GRU가 T = {v['T']}{_josa(str(v['T']), '을', '를')} 푼 시드 {v['k']}개에서, 첫 수를 나르는 유닛의 **업데이트 게이트** *z*는 "
                             f"첫 표시에서 {_q(v['first'])}, 둘째 표시에서 {_q(v['second'])}, 두 표시 사이에서 "
                             f"{_q(v['between'])}입니다. 표시된 곳에서 뚜렷하게 내려가지는 않습니다(표시에서의 위 사분위가 "
                             f"사이의 중앙값 이상)."),
            "en": lambda v: (f"In the {v['k']} seeds in which the GRU solved T = {v['T']}, the **update gate** *z* of the "
                             f"units that carry the first number is {_q(v['first'])} at the first mark, {_q(v['second'])} "
                             f"at the second and {_q(v['between'])} between them: it does not clearly drop at the marks "
                             f"(its upper quartile there is not below the median between them).")},
        "unsolved": {"ko": "GRU는 어느 길이에서도 문제를 풀지 못해, 게이트를 볼 모델이 없습니다.",
                     "en": "The GRU solved no length, so there is no model whose gates to read."},
    },
    "verdict": {
        "supported": {"ko": "정리하면, 같은 조건과 같은 예산({steps}단계)에서 T = {T}의 장기 의존성을 기본 RNN은 시드 과반에서 "
                            "배우지 못했고, 게이트가 있는 모델은 시드 과반에서 배웠습니다. 기본 RNN이 '못 한다'는 것이 아니라 "
                            "길이가 길어질수록 배우는 데 걸리는 시간이 빠르게 늘어 예산을 넘긴다는 뜻입니다. 항등 행렬로 "
                            "초기화한 IRNN은 시드 {n}개 중 {irnn}개가 탈출했습니다.",
                      "en": "In short: under the same conditions and budget ({steps} steps), most plain RNN seeds did not "
                            "learn the long-term dependency at T = {T}, and most seeds of the gated models did. This does "
                            "not say the plain RNN cannot: its time to learn grows quickly with the length and leaves the "
                            "budget. The identity-initialised IRNN escaped with {irnn} of {n} seeds."},
        "gated_failed": {"ko": "정리하면, 이 예산({steps}단계)에서는 T = {T}의 장기 의존성을 기본 RNN도, 게이트가 있는 일부 모델도 "
                               "시드 과반에서 배우지 못했습니다. IRNN은 시드 {n}개 중 {irnn}개가 탈출했습니다.",
                         "en": "In short: with this budget ({steps} steps) neither the plain RNN nor some of the gated "
                               "models learned the long-term dependency at T = {T} with most seeds. The IRNN escaped "
                               "with {irnn} of {n} seeds."},
        "not_shown": {"ko": "정리하면, 이 실험은 T = {T}에서도 기본 RNN이 예산({steps}단계) 안에 배우는 것을 보여 줍니다. 차이를 "
                            "보려면 더 긴 시퀀스가 필요합니다.",
                      "en": "In short: this experiment shows the plain RNN learning even T = {T} within the budget "
                            "({steps} steps); telling the models apart needs longer sequences."},
    },
    "wall_time": {"ok": {
        "ko": "모델·길이·시드 조합 {cells}개를 학습하고 측정하는 데 {device}에서 {minutes:.1f}분이 걸렸습니다. 한 번에 {jobs}개 "
              "조합을 각각 스레드 하나로 학습했고, CPU 시간을 모두 더하면 {cpu_minutes:.1f}분입니다.",
        "en": "Training and measuring all {cells} combinations of model, length and seed took {minutes:.1f} minutes "
              "on {device}, {jobs} at a time with one thread each; their CPU times add up to {cpu_minutes:.1f} minutes.",
    }},
}


def claim(name, lang, results):
    """One sentence of the text, its verdict and numbers from the results."""
    if name not in CLAIMS:
        raise ValueError(f"unknown claim {name!r}; book/experiment.py has: {', '.join(CLAIMS)}")
    variant, values = facts(name, results)
    template = CLAIMS[name][variant][lang]
    return template(values) if callable(template) else template.format(**values)


# ----------------------------------------------------------------------------------- the tables

def _caption(text):
    return f"\n<p class=\"table-caption\">{text}</p>\n"


def table(lang, results):
    s = stats(results)
    lengths = results["settings"]["lengths"]
    head = {"ko": ("모델", "기준선"), "en": ("model", "baseline")}[lang]
    rows = [f"| {head[0]} | " + " | ".join(f"T = {T}" for T in lengths) + " |", "|---|" + "---:|" * len(lengths)]
    for model in results["models"]:
        rows.append(f"| {NAMES[lang][model]} | " + " | ".join(
            f"{s[model, T]['mean']:.4f} ± {s[model, T]['sd']:.4f} ({s[model, T]['solved']}/{s[model, T]['n']})"
            for T in lengths) + " |")
    rows.append(f"| {head[1]} | " + " | ".join(f"{results['levels'][str(T)]['test_baseline']:.4f}" for T in lengths) + " |")
    pct = _pct(results["settings"]["solved_fraction"])
    caption = {"ko": f"최종 테스트 MSE, 시드 평균 ± 표준편차(괄호 안은 테스트 MSE가 기준선의 {pct} 미만인 '푼' 시드 수). "
                     f"기준선은 늘 1을 예측하는 모델의 테스트 MSE입니다.",
               "en": f"Final test MSE, mean ± standard deviation over seeds (in brackets: seeds that solved the task, "
                     f"test MSE below {pct} of the baseline). The baseline is the test MSE of always predicting 1."}[lang]
    return "\n".join(rows) + "\n" + _caption(caption)


def escape_table(lang, results):
    s = stats(results)
    lengths = results["settings"]["lengths"]
    head = {"ko": ("모델", "예산(단계)"), "en": ("model", "budget (steps)")}[lang]
    rows = [f"| {head[0]} | " + " | ".join(f"T = {T}" for T in lengths) + " |", "|---|" + "---:|" * len(lengths)]
    for model in results["models"]:
        rows.append(f"| {NAMES[lang][model]} | " + " | ".join(
            f"{_escape(s[model, T]['median_escape'], '> ' + str(budget(results, T)))} "
            f"({s[model, T]['escaped']}/{s[model, T]['n']})" for T in lengths) + " |")
    rows.append(f"| {head[1]} | " + " | ".join(str(budget(results, T)) for T in lengths) + " |")
    pct = _pct(results["settings"]["escape_fraction"])
    caption = {"ko": f"탈출 단계: 검증 MSE가 처음으로 자기 검증 기준선의 {pct} 아래로 내려간 학습 단계의 시드 중앙값(괄호 안은 "
                     f"예산 안에 탈출한 시드 수). 시드 과반이 탈출하지 못하면 '> 예산'으로 적습니다.",
               "en": f"Escape step: the training step at which the validation MSE first drops below {pct} of its own "
                     f"validation baseline, median over seeds (in brackets: seeds that escaped within the budget). "
                     f"Where most seeds did not escape, the median is '> budget'."}[lang]
    return "\n".join(rows) + "\n" + _caption(caption)


def sensitivity_table(lang, results):
    s = stats(results)
    lengths = results["settings"]["lengths"]
    head = {"ko": "모델", "en": "model"}[lang]
    rows = [f"| {head} | " + " | ".join(f"T = {T}" for T in lengths) + " |", "|---|" + "---:|" * len(lengths)]
    for model in results["models"]:
        rows.append(f"| {NAMES[lang][model]} | " + " | ".join(
            f"{_f2(s[model, T]['du1'])} / {_f2(s[model, T]['du2'])}" for T in lengths) + " |")
    caption = {"ko": "학습한 모델의 ∂ŷ/∂u₁ / ∂ŷ/∂u₂: 표시된 두 수에 대한 예측의 민감도, 테스트 시퀀스 전체와 시드의 평균. "
                     "두 수를 더하는 모델은 둘 다 1, 첫 수를 잊은 모델은 ∂ŷ/∂u₁이 0에 가깝습니다.",
               "en": "∂ŷ/∂u₁ / ∂ŷ/∂u₂ of the trained models: how much the prediction moves with each marked number, "
                     "mean over the whole test set and the seeds. A model that adds has 1 for both; one that has "
                     "forgotten the first number has ∂ŷ/∂u₁ near 0."}[lang]
    return "\n".join(rows) + "\n" + _caption(caption)


def gates_table(lang, results):
    head = {"ko": "모델, 게이트(T, 푼 시드)", "en": "model, gate (T, seeds solved)"}[lang]
    rows = [f"| {head} | " + " | ".join(PLACE_NAMES[lang][p] for p in PLACES) + " |", "|---|" + "---:|" * len(PLACES)]
    for model in GATED:
        T = gate_key(results, model)
        if T is None:
            continue
        pooled = results["pooled_gates"][f"{model} {T}"]
        for gate, q in pooled["gates"].items():
            rows.append(f"| {NAMES[lang][model]}, {GATE_NAMES[lang][gate]} (T = {T}, {len(pooled['seeds'])}) | "
                        + " | ".join(_q(q[p]) for p in PLACES) + " |")
    share = _pct(results["settings"]["carrier_share"])
    caption = {"ko": f"첫 수를 나르는 유닛(∂ŷ/∂u₁에 대한 기여가 큰 순서로 합이 {share}에 이를 때까지 고른 유닛)의 게이트 값: "
                     f"중앙값 [아래 사분위–위 사분위], 문제를 푼 시드와 테스트 시퀀스 전체를 모아서 계산.",
               "en": f"Gate values of the units that carry the first number (the units with the largest contributions "
                     f"to ∂ŷ/∂u₁, taken until they add up to {share}): median [lower–upper quartile], pooled over the "
                     f"seeds that solved the task and the whole test set."}[lang]
    return "\n".join(rows) + "\n" + _caption(caption)


SETTING_LABELS = {
    "ko": {"lengths": "시퀀스 길이 T", "steps": "학습 예산(단계, 길이별, 모든 모델 같음)", "seeds": "시드",
           "hidden_size": "은닉 크기 H", "batch_size": "배치 크기", "learning_rate": "학습률(Adam)",
           "clip_norm": "기울기 클리핑(전체 노름의 상한)", "eval_every": "학습 곡선의 점 간격(단계)",
           "eval_size": "검증 시퀀스 수(학습 곡선, 탈출 단계)", "test_size": "테스트 시퀀스 수(최종 MSE와 측정)",
           "dtype": "부동소수점 형식(학습)", "escape_fraction": "탈출: 검증 MSE < 검증 기준선 ×",
           "solved_fraction": "풀었다: 테스트 MSE < 기준선 ×", "carrier_share": "첫 수를 나르는 유닛: ∂ŷ/∂u₁ 기여의 몫"},
    "en": {"lengths": "sequence lengths T", "steps": "training budget (steps, per length, the same for every model)",
           "seeds": "seeds", "hidden_size": "hidden size H", "batch_size": "batch size",
           "learning_rate": "learning rate (Adam)", "clip_norm": "gradient clipping (bound on the global norm)",
           "eval_every": "learning-curve point every (steps)", "eval_size": "validation sequences (curves, escape step)",
           "test_size": "test sequences (final MSE and measurements)", "dtype": "floating-point type (training)",
           "escape_fraction": "escape: validation MSE < validation baseline ×",
           "solved_fraction": "solved: test MSE < baseline ×", "carrier_share": "units carrying u₁: share of ∂ŷ/∂u₁"},
}


def settings_table(lang, results):
    head = {"ko": "| 설정 | 값 |", "en": "| setting | value |"}[lang]
    rows = [head, "|---|---|"]
    for key, value in results["settings"].items():
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        rows.append(f"| {SETTING_LABELS[lang].get(key, key)} | {shown} |")
    return "\n".join(rows) + "\n"


def provenance(lang, results):
    p = results["provenance"]
    machine = results.get("load_average", [])
    if isinstance(machine, dict):  # sampled as the cells finished
        machine = {"ko": f"1분 부하 평균 {machine['mean']:.1f}, 최대 {machine['max']:.1f}",
                   "en": f"1-minute load average {machine['mean']:.1f}, at most {machine['max']:.1f}"}[lang]
    else:  # an older file: the 1, 5 and 15-minute load averages when the run ended
        machine = {"ko": "끝날 때 1·5·15분 부하 평균 ", "en": "1, 5 and 15-minute load average at the end "}[lang] \
            + ", ".join(f"{v:.2f}" for v in machine)
    rows = {"ko": [("명령", f"`{results['command']}`"), ("커밋", f"`{results['git_commit']}`"),
                   ("다이제스트", f"`{p['digest']}`"), ("PyTorch · NumPy · Python",
                                                    f"{results['torch']} · {results['numpy']} · {results['python']}"),
                   ("장치", results["device"]), ("날짜", results["date"]),
                   ("걸린 시간", f"{results['wall_seconds'] / 60:.1f}분(CPU 시간 합계 {results['cpu_seconds'] / 60:.1f}분, "
                                f"{machine})")],
            "en": [("command", f"`{results['command']}`"), ("commit", f"`{results['git_commit']}`"),
                   ("digest", f"`{p['digest']}`"), ("PyTorch · NumPy · Python",
                                                f"{results['torch']} · {results['numpy']} · {results['python']}"),
                   ("device", results["device"]), ("date", results["date"]),
                   ("wall time", f"{results['wall_seconds'] / 60:.1f} min (CPU time, all cells: "
                                 f"{results['cpu_seconds'] / 60:.1f} min; {machine})")]}[lang]
    return "| | |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in rows) + "\n"


# ---------------------------------------------------------------------------------- the figures

FIGURE_TITLES = {
    "curves": {"ko": "덧셈 문제의 학습 곡선: 길이 T마다 모델별 검증 MSE(선은 시드의 기하 평균, 띠는 시드의 최솟값~최댓값, "
                     "점선은 늘 1을 예측하는 기준선, 파선은 둘째 수만 쓰는 수준, 로그 눈금)",
               "en": "Learning curves on the adding problem: validation MSE per model for each length T (line: geometric "
                     "mean over seeds, band: min to max, dotted: always predicting 1, dashed: using the second number "
                     "alone; log scale)"},
    "escape": {"ko": "탈출 단계와 시퀀스 길이: 시드마다 점 하나, 예산 안에 탈출하지 못한 시드는 예산 위치의 빈 삼각형(로그 눈금)",
               "en": "Escape step against sequence length: one point per seed; seeds that did not escape within the "
                     "budget are open triangles at the budget (log scales)"},
    "gradients": {"ko": "길이 T마다 ‖∂ŷ/∂h_t‖와 끝에서의 거리 T − t: 학습한 모델(진한 선)과 초기화 직후(옅은 선), 시드의 "
                        "중앙값, 로그 눈금",
                  "en": "‖∂ŷ/∂h_t‖ against the distance from the end, T − t, for each length T: trained models "
                        "(strong) and right after initialisation (faint), median over seeds, log scale"},
}
FIGURE_LABELS = {
    "ko": {"step": "학습 단계", "mse": "검증 MSE", "baseline": "기준선(늘 1을 예측)", "second": "둘째 수만 사용",
           "T": "시퀀스 길이 T", "escape": "탈출 단계", "budget": "예산", "censored": "탈출 못 함(예산)",
           "distance": "끝에서의 거리 T − t", "grad": "‖∂ŷ/∂h_t‖", "init": "초기화 직후"},
    "en": {"step": "training step", "mse": "validation MSE", "baseline": "baseline (always 1)",
           "second": "second number alone", "T": "sequence length T", "escape": "escape step", "budget": "budget",
           "censored": "no escape (budget)", "distance": "distance from the end, T − t", "grad": "‖∂ŷ/∂h_t‖",
           "init": "at initialisation"},
}

_figures = {}  # (name, lang, results as JSON) -> HTML: `mkdocs serve` redraws only when the results change


def figure(name, lang, results):
    if name not in FIGURE_TITLES:
        raise ValueError(f"unknown figure {name!r}; book/experiment.py has: {', '.join(FIGURE_TITLES)}")
    key = (name, lang, id(results), results["date"])
    if key not in _figures:
        _figures[key] = _figure(name, lang, results)
    return _figures[key]


# Path coordinates to 0.1 pt (a figure is about 550 pt wide): a third less to download, the same picture
_PATH_DATA = re.compile(r' d="[^"]*"')
_DECIMALS = re.compile(r"-?\d+\.\d{2,}")


def _figure(name, lang, results):
    with matplotlib.rc_context(plots.RC), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font")
        fig = DRAW[name](results, FIGURE_LABELS[lang], lang)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = FIGURE_TITLES[name][lang]
    svg = plots._postprocess(buffer.getvalue(), f"adding-{name}", text, _figure_description(name, lang, results))
    svg = _PATH_DATA.sub(lambda m: _DECIMALS.sub(lambda n: f"{float(n.group()):.1f}", m.group()), svg)
    return (f'<figure class="plot" id="plot-adding-{name}" data-search-exclude>\n{svg}\n'
            f'<figcaption>{html.escape(text)}</figcaption>\n</figure>\n')


def _figure_description(name, lang, results):
    """What a figure shows, with numbers from the results: its text alternative (<desc>)."""
    lengths = results["settings"]["lengths"]
    if name == "curves":
        levels = ", ".join(f"T = {T}: {results['levels'][str(T)]['val_baseline']:.3f} / "
                           f"{results['levels'][str(T)]['val_second_only']:.3f}" for T in lengths)
        return {"ko": f"모델마다, 시퀀스 길이({', '.join(map(str, lengths))})마다 학습 단계에 따른 검증 MSE를 로그 눈금으로 "
                      f"그렸습니다. 기준선 / 둘째 수만 쓰는 수준은 {levels}입니다.",
                "en": f"Validation MSE against training step for each model and sequence length "
                      f"({', '.join(map(str, lengths))}), log scale. Baseline / second-number-alone level: {levels}."}[lang]
    if name == "escape":
        s = stats(results)
        rows = "; ".join(f"{NAMES[lang][m]} " + ", ".join(
            f"{_escape(s[m, T]['median_escape'], '>' + str(budget(results, T)))}" for T in lengths)
            for m in results["models"])
        return {"ko": f"길이 T = {', '.join(map(str, lengths))}에서 모델별 탈출 단계의 중앙값은 {rows}입니다.",
                "en": f"Median escape step per model at T = {', '.join(map(str, lengths))}: {rows}."}[lang]
    T = lengths[-1]
    rows = ", ".join(f"{NAMES[lang][m]} {_ratio(gradient_ratio(results, m, T))} "
                     f"({_ratio(gradient_ratio(results, m, T, False))})" for m in results["models"])
    return {"ko": f"T = {T}에서 ‖∂ŷ/∂h₁‖ / ‖∂ŷ/∂h_T‖, 학습 후(초기화 직후): {rows}.",
            "en": f"At T = {T}, ‖∂ŷ/∂h₁‖ / ‖∂ŷ/∂h_T‖ after training (at initialisation): {rows}."}[lang]


def _thin(n, most=30):
    """At most `most` indices out of range(n), evenly spread, first and last kept: the figures stay
    light (a page has a weight budget) and look the same at their size."""
    if n <= most:
        return list(range(n))
    return sorted({round(k * (n - 1) / (most - 1)) for k in range(most)})


def _draw_curves(results, L, lang):
    lengths = results["settings"]["lengths"]
    fig = Figure(figsize=(7.6, 3.5))
    axes = fig.subplots(1, len(lengths), sharey=True)
    for ax, T in zip(axes, lengths):
        for model in results["models"]:
            group = cells(results, model, T)
            keep = _thin(len(group[0]["curve"]["step"]))
            steps = [group[0]["curve"]["step"][k] for k in keep]
            columns = [col for k, col in enumerate(zip(*(c["curve"]["mse"] for c in group))) if k in keep]
            color, marker, dash = MODEL_STYLE[model]
            ax.fill_between(steps, [min(col) for col in columns], [max(col) for col in columns],
                            color=color, alpha=0.15, linewidth=0)
            ax.plot(steps, [geometric_mean(col) for col in columns], color=color, linewidth=1.3, linestyle=dash,
                    label=NAMES[lang][model])
        level = results["levels"][str(T)]
        ax.axhline(level["val_baseline"], color=plots.INK, linestyle=(0, (1, 2)), linewidth=1.0, label=L["baseline"])
        ax.axhline(level["val_second_only"], color=plots.INK, linestyle=(0, (4, 3)), linewidth=0.8, alpha=0.7,
                   label=L["second"])
        ax.set_yscale("log")
        ax.set_ylim(top=3)  # the IRNN's first points (an MSE near 100) would flatten the rest
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(plots._log_tick))
        ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_title(f"T = {T}", fontsize=10)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(2))
        ax.tick_params(axis="x", labelsize=8)
        ax.grid(True, which="major")
    axes[len(axes) // 2].set_xlabel(L["step"])
    axes[0].set_ylabel(L["mse"])
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, bbox_to_anchor=(0.5, 0.0), handlelength=2.2, fontsize=8.5)
    fig.subplots_adjust(left=0.09, right=0.985, top=0.9, bottom=0.36, wspace=0.1)
    return fig


def _draw_escape(results, L, lang):
    lengths = results["settings"]["lengths"]
    models = results["models"]
    fig = Figure(figsize=(7.6, 3.8))
    ax = fig.subplots()
    width = 0.05  # the models side by side around each length, on the log axis
    for k, model in enumerate(models):
        color, marker, dash = MODEL_STYLE[model]
        shift = 10 ** (width * (k - (len(models) - 1) / 2))
        xs, ys, cx, cy = [], [], [], []
        for T in lengths:
            for c in cells(results, model, T):
                if c["escape_step"] is None:
                    cx.append(T * shift)
                    cy.append(budget(results, T))
                else:
                    xs.append(T * shift)
                    ys.append(max(c["escape_step"], 1))
        ax.scatter(xs, ys, color=color, marker=marker, s=22, label=NAMES[lang][model], zorder=3)
        ax.scatter(cx, cy, facecolors="none", edgecolors=color, marker="^", s=30, linewidths=1.0, zorder=3)
        medians = [(T, median_escape(results, model, T)) for T in lengths]
        ax.plot([T * shift for T, m in medians if m], [m for T, m in medians if m], color=color, linestyle=dash,
                linewidth=1.0)
    ax.plot(lengths, [budget(results, T) for T in lengths], color=plots.INK, linestyle=(0, (1, 2)), linewidth=1.0,
            label=L["budget"])
    ax.scatter([], [], facecolors="none", edgecolors=plots.INK, marker="^", s=30, label=L["censored"])
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(lengths)
    ax.set_xticklabels([str(T) for T in lengths])
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(plots._log_tick))
    ax.set_xlabel(L["T"])
    ax.set_ylabel(L["escape"])
    ax.grid(True, which="major")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), handlelength=1.6, fontsize=8.5)
    fig.subplots_adjust(left=0.1, right=0.7, top=0.95, bottom=0.14)
    return fig


def _draw_gradients(results, L, lang):
    lengths = results["settings"]["lengths"]
    fig = Figure(figsize=(7.6, 3.6))
    axes = fig.subplots(1, len(lengths), sharey=True)
    for ax, T in zip(axes, lengths):
        for model in results["models"]:
            color, marker, dash = MODEL_STYLE[model]
            group = cells(results, model, T)
            for key, alpha, label in (("trained", 1.0, NAMES[lang][model]), ("init", 0.35, None)):
                series = [c["grad_norm"] if key == "trained" else c["init"]["grad_norm"] for c in group]
                median = [statistics.median(col) for col in zip(*series)]  # a 0 is left out of the log axis
                keep = _thin(len(median))
                ax.plot(keep, [median[k] for k in keep], color=color, linestyle=dash, linewidth=1.1, alpha=alpha,
                        label=label, marker=marker, markevery=max(1, len(keep) // 4), markersize=3)
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(matplotlib.ticker.LogLocator(numticks=6))
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(plots._log_tick))
        ax.yaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        ax.set_title(f"T = {T}", fontsize=10)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(2))
        ax.tick_params(axis="x", labelsize=8)
        ax.grid(True, which="major")
    axes[len(axes) // 2].set_xlabel(L["distance"])
    axes[0].set_ylabel(L["grad"])
    axes[0].plot([], [], color=plots.INK, alpha=0.35, linewidth=1.3, label=L["init"])
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, bbox_to_anchor=(0.5, 0.0), handlelength=2.2, fontsize=8.5)
    fig.subplots_adjust(left=0.1, right=0.985, top=0.9, bottom=0.36, wspace=0.1)
    return fig


DRAW = {"curves": _draw_curves, "escape": _draw_escape, "gradients": _draw_gradients}


# ---------------------------------------------------------------------------------- directive

TABLES = {"table": table, "escape_table": escape_table, "sensitivity": sensitivity_table, "gates_table": gates_table,
          "settings": settings_table, "provenance": provenance}


def directive(what, lang, path=RESULTS):
    """The Markdown/HTML for ``::experiment <what>``; stale results or a wrong <what> raise PluginError."""
    try:
        return _expand(what, lang, load(path))
    except ValueError as error:  # StaleResults is one: its message names `make experiments`
        raise PluginError(str(error)) from error


def _expand(what, lang, results):
    if what in TABLES:
        return TABLES[what](lang, results)
    if what in FIGURE_TITLES:
        return figure(what, lang, results)
    if what and what.startswith("claim:"):
        return claim(what.removeprefix("claim:"), lang, results) + "\n"
    raise ValueError(f"::experiment {what}: expected {', '.join(TABLES)}, {', '.join(FIGURE_TITLES)} or "
                     f"claim:<name> ({', '.join(CLAIMS)})")
