"""The adding-problem chapter at build time: it READS book/results/adding.json, never trains.

Directive (hooks.py): ``::experiment <what>``, where <what> is
    table             final test MSE per model and length: mean ± standard deviation over seeds
    curves            the learning curves (SVG), one panel per length, the seeds as a band
    gates             the gates of the trained LSTM and GRU on one test sequence (SVG)
    provenance        what the results were computed from (digest, torch, device, date, wall time)
    claim:<name>      one sentence of CLAIMS, its numbers and its verdict taken from the results

Stale results fail the build: the digest of the code the results were computed from
(experiments/adding.py: snippet functions, experiment code, settings) must equal the one recorded
in the file; otherwise ``run `make experiments```. Every sentence's verdict is chosen by the data
(``facts``), so a rerun with another outcome changes the sentence, not only the number.
"""

import html
import importlib
import io
import json
import math
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
MODEL_COLORS = {"rnn": plots.RED, "lstm": plots.ORANGE, "lstm_fb1": plots.BLUE, "gru": plots.GREEN}


class StaleResults(ValueError):
    """The results file is missing or does not match the code it claims to come from."""


# ------------------------------------------------------------------------------------ loading

_cache = {}


def load(path=RESULTS):
    """The results, checked against the current code (raises StaleResults)."""
    path = Path(path)
    if not path.exists():
        raise StaleResults(f"{path.relative_to(ROOT)} does not exist: run `{COMMAND}`")
    inputs = [path, ROOT / "experiments/adding.py", *sorted(ROOT.glob("snippets/*_torch.py"))]
    key = tuple((str(p), p.stat().st_mtime_ns) for p in inputs)  # `mkdocs serve` re-checks after an edit
    if key not in _cache:
        results = json.loads(path.read_text(encoding="utf-8"))
        check_fresh(results, path)
        _cache.clear()
        _cache[key] = results
    return _cache[key]


def check_fresh(results, path=RESULTS):
    adding = importlib.reload(importlib.import_module("experiments.adding"))  # the code as it is now
    now = adding.provenance(adding.SETTINGS)
    recorded = results.get("provenance", {})
    if recorded.get("digest") != now["digest"]:
        changed = [name for name, entry in now["snippets"].items()
                   if recorded.get("snippets", {}).get(name, {}).get("sha256") != entry["sha256"]]
        if recorded.get("experiment", {}).get("sha256") != now["experiment"]["sha256"]:
            changed.append(now["experiment"]["file"])
        if results.get("settings") != adding.SETTINGS:
            changed.append("SETTINGS")
        raise StaleResults(f"{Path(path).name} is stale: computed from digest {recorded.get('digest')}, but the code "
                           f"now has {now['digest']} (changed: {', '.join(changed) or 'digest recipe'}); "
                           f"run `{COMMAND}` and commit the new results")


# -------------------------------------------------------------------------------------- facts

def stats(results):
    """{(model, T): {"mean", "sd", "min", "max", "n", "solved", "failed", "ratio"}} over the seeds."""
    settings = results["settings"]
    groups = {}
    for cell in results["cells"]:
        groups.setdefault((cell["model"], cell["T"]), []).append(cell["test_mse"])
    out = {}
    for (model, T), values in groups.items():
        baseline = results["baseline"][str(T)]
        out[model, T] = {
            "mean": statistics.fmean(values), "sd": statistics.stdev(values) if len(values) > 1 else 0.0,
            "min": min(values), "max": max(values), "n": len(values), "baseline": baseline,
            "solved": sum(v < settings["solved_fraction"] * baseline for v in values),
            "failed": sum(v > settings["failed_fraction"] * baseline for v in values),
        }
    return out


def verdict(entry):
    """'solved' (every seed below solved_fraction of the baseline), 'failed' (every seed above
    failed_fraction), or 'mixed'."""
    if entry["solved"] == entry["n"]:
        return "solved"
    if entry["failed"] == entry["n"]:
        return "failed"
    return "mixed"


def gate_facts(results):
    """What the traced gates do at the two marked steps, for the unit that stores the most.

    The unit: the one whose cell state (LSTM) or hidden state (GRU) jumps most at the marks.
    """
    out = {}
    for model, trace in results["traces"].items():
        marks = trace["marks"]
        T = trace["T"]
        state = trace["gates"]["c" if "c" in trace["gates"] else "h"]

        def jump(unit):
            s = [0.0] + state[unit]
            return sum(abs(s[m + 1] - s[m]) for m in marks)

        unit = max(range(len(state)), key=jump)
        others = [t for t in range(T) if t not in marks]
        facts = {"unit": unit, "T": T, "marks": marks, "target": trace["target"],
                 "prediction": trace["prediction"]}
        for gate in ("i", "f", "z"):
            if gate in trace["gates"]:
                values = trace["gates"][gate][unit]
                facts[gate] = {"at_marks": [values[m] for m in marks],
                               "elsewhere_median": statistics.median(values[t] for t in others),
                               "after_first_min": min(values[t] for t in range(marks[0] + 1, T) if t not in marks)}
        out[model] = facts
    return out


def _gate_variant(gate, facts):
    """How a gate behaves at the marks, in one word the text can say."""
    g = facts[gate]
    if gate == "i":   # open to write: clearly larger at both marks than elsewhere
        return "opens" if min(g["at_marks"]) > g["elsewhere_median"] + 0.2 else "no_clear_opening"
    if gate == "f":   # holds: stays high from the first mark to the end
        return "holds" if g["after_first_min"] > 0.9 else "leaks"
    # GRU z: h_t = (1 - z) n + z h_prev, so writing needs z low at the marks, keeping needs z high
    return "writes" if max(g["at_marks"]) < g["elsewhere_median"] - 0.2 else "no_clear_writing"


def facts(name, results):
    """(variant, values) of one claim: the variant picks the sentence, values fill it in."""
    s = stats(results)
    lengths = results["settings"]["lengths"]
    short, longest = lengths[0], lengths[-1]
    if name == "baseline":
        values = {"T": ", ".join(str(T) for T in lengths),
                  "b": ", ".join(f"{results['baseline'][str(T)]:.3f}" for T in lengths), "theory": 1 / 6}
        return "ok", values
    if name in ("rnn_short", "rnn_longest"):
        T = short if name == "rnn_short" else longest
        e = s["rnn", T]
        return verdict(e), {"T": T, "mean": e["mean"], "sd": e["sd"], "n": e["n"], "solved": e["solved"],
                            "baseline": e["baseline"], **_percents(results)}
    if name == "rnn_by_length":
        return "ok", {"rows": [(T, s["rnn", T]["mean"], s["rnn", T]["solved"], s["rnn", T]["n"]) for T in lengths]}
    if name == "gated_longest":
        gated = [m for m in results["models"] if m != "rnn"]
        solved = [m for m in gated if verdict(s[m, longest]) == "solved"]
        variant = "all" if len(solved) == len(gated) else "some" if solved else "none"
        return variant, {"T": longest, "solved": solved,
                         "rows": [(m, s[m, longest]["mean"], s[m, longest]["solved"], s[m, longest]["n"])
                                  for m in gated]}
    if name == "forget_bias":
        a, b = s["lstm", longest], s["lstm_fb1", longest]
        ratio = a["mean"] / b["mean"]
        variant = "helps" if ratio > 2 else "hurts" if ratio < 0.5 else "similar"
        return variant, {"T": longest, "default": a["mean"], "fb1": b["mean"], "ratio": ratio}
    if name in ("gates_lstm_input", "gates_lstm_forget", "gates_gru"):
        model = {"gates_lstm_input": "lstm_fb1", "gates_lstm_forget": "lstm_fb1", "gates_gru": "gru"}[name]
        gate = {"gates_lstm_input": "i", "gates_lstm_forget": "f", "gates_gru": "z"}[name]
        g = gate_facts(results)[model]
        return _gate_variant(gate, g), {"unit": g["unit"], "marks": g["marks"], "at": g[gate]["at_marks"],
                                        "median": g[gate]["elsewhere_median"],
                                        "min_after": g[gate]["after_first_min"], "T": g["T"]}
    if name == "prediction":
        g = gate_facts(results)
        return "ok", {"target": g["lstm_fb1"]["target"], "lstm": g["lstm_fb1"]["prediction"],
                      "gru": g["gru"]["prediction"], "T": g["lstm_fb1"]["T"]}
    if name == "breakthrough":
        rows = []
        for model in results["models"]:
            found = []
            for cell in results["cells"]:
                if cell["model"] == model and cell["T"] == longest:
                    limit = results["settings"]["failed_fraction"] * results["baseline"][str(longest)]
                    found.append(next((step for step, mse in zip(cell["curve"]["step"], cell["curve"]["mse"])
                                       if mse < limit), None))
            rows.append((model, found))
        return "ok", {"T": longest, "rows": rows, "steps": results["settings"]["steps"], **_percents(results)}
    if name == "verdict":
        rnn_failed = verdict(s["rnn", longest]) == "failed"
        gated = [m for m in results["models"] if m != "rnn" and verdict(s[m, longest]) == "solved"]
        variant = "supported" if rnn_failed and gated else "gated_failed" if rnn_failed else "not_shown"
        return variant, {"T": longest}
    if name == "wall_time":
        return "ok", {"minutes": results["wall_seconds"] / 60, "cells": len(results["cells"]),
                      "cpu_minutes": results["cpu_seconds"] / 60, "jobs": results["jobs"], "device": results["device"]}
    raise ValueError(f"unknown claim {name!r}; book/experiment.py has: {', '.join(CLAIMS)}")


# ----------------------------------------------------------------------------------- the text

NAMES = {
    "ko": {"rnn": "기본 RNN", "lstm": "LSTM (기본 초기화)", "lstm_fb1": "LSTM (망각 게이트 편향 1)", "gru": "GRU"},
    "en": {"rnn": "plain RNN", "lstm": "LSTM (default init)", "lstm_fb1": "LSTM (forget-gate bias 1)", "gru": "GRU"},
}


def _marks(values):
    return ", ".join(f"t = {m + 1}" for m in values["marks"])


def _at(values):
    return ", ".join(f"{v:.2f}" for v in values["at"])


def _percents(results):
    """The thresholds of 'solved' and 'did not learn', as the text writes them (10%, 50%)."""
    return {f"{k}_pct": f"{100 * results['settings'][f'{k}_fraction']:g}%" for k in ("solved", "failed")}


def _steps(found, never):
    return ", ".join(never if step is None else str(step) for step in found)


def _list_rows(rows, lang):
    return ", ".join(f"{NAMES[lang][m]} {mean:.4f} ({k}/{n})" for m, mean, k, n in rows)


# Each claim: {variant: {lang: template or function(values) -> sentence}}.
CLAIMS = {
    "baseline": {"ok": {
        "ko": lambda v: (f"늘 1을 예측하는 모형의 테스트 MSE는 T = {v['T']}의 테스트 집합에서 각각 {v['b']}입니다 "
                         f"(이론값은 1/6 ≈ {v['theory']:.3f}). 학습한 모형이 이겨야 할 기준선입니다."),
        "en": lambda v: (f"Always predicting 1 scores a test MSE of {v['b']} on the test sets of T = {v['T']} "
                         f"(in theory 1/6 ≈ {v['theory']:.3f}). That is the baseline a trained model has to beat."),
    }},
    "rnn_short": {
        "solved": {"ko": "T = {T}에서는 기본 RNN도 문제를 풉니다. 시드 {n}개 모두 기준선의 {solved_pct}보다 낮아지고, 평균 테스트 MSE는 {mean:.4f}입니다.",
                   "en": "At T = {T} the plain RNN solves the task too: all {n} seeds end below {solved_pct} of the baseline, "
                         "with a mean test MSE of {mean:.4f}."},
        "mixed": {"ko": "T = {T}에서 기본 RNN은 시드 {n}개 중 {solved}개에서만 문제를 풉니다 (평균 테스트 MSE {mean:.4f}).",
                  "en": "At T = {T} the plain RNN solves the task for only {solved} of {n} seeds (mean test MSE {mean:.4f})."},
        "failed": {"ko": "T = {T}에서도 기본 RNN은 기준선에서 거의 벗어나지 못합니다 (평균 테스트 MSE {mean:.4f}).",
                   "en": "Even at T = {T} the plain RNN hardly leaves the baseline (mean test MSE {mean:.4f})."},
    },
    "rnn_longest": {
        "failed": {"ko": "T = {T}에서 기본 RNN은 배우지 못합니다. 시드 {n}개 모두 기준선의 {failed_pct}보다 높은 곳에 머물러 평균 "
                         "테스트 MSE가 {mean:.4f} ± {sd:.4f}이고, 기준선은 {baseline:.4f}입니다.",
                   "en": "At T = {T} the plain RNN does not learn: all {n} seeds stay above {failed_pct} of the baseline, with a "
                         "mean test MSE of {mean:.4f} ± {sd:.4f} against a baseline of {baseline:.4f}."},
        "mixed": {"ko": "T = {T}에서 기본 RNN은 시드 {n}개 중 {solved}개에서만 문제를 풉니다 (평균 테스트 MSE {mean:.4f} ± {sd:.4f}, "
                        "기준선 {baseline:.4f}).",
                  "en": "At T = {T} the plain RNN solves the task for only {solved} of {n} seeds (mean test MSE "
                        "{mean:.4f} ± {sd:.4f}, baseline {baseline:.4f})."},
        "solved": {"ko": "T = {T}에서도 기본 RNN은 문제를 풉니다 (평균 테스트 MSE {mean:.4f} ± {sd:.4f}). 이 설정에서는 "
                         "기본 RNN의 한계가 드러나지 않았습니다.",
                   "en": "Even at T = {T} the plain RNN solves the task (mean test MSE {mean:.4f} ± {sd:.4f}): this "
                         "set-up does not show its limit."},
    },
    "rnn_by_length": {"ok": {
        "ko": lambda v: "기본 RNN의 평균 테스트 MSE를 길이별로 보면 " + ", ".join(
            f"T = {T}에서 {mean:.4f} (풀린 시드 {k}/{n})" for T, mean, k, n in v["rows"]) + "입니다.",
        "en": lambda v: "By length, the plain RNN's mean test MSE is " + ", ".join(
            f"{mean:.4f} at T = {T} ({k}/{n} seeds solved)" for T, mean, k, n in v["rows"]) + ".",
    }},
    "gated_longest": {
        "all": {"ko": lambda v: (f"같은 T = {v['T']}에서는 게이트가 있는 세 모형 모두 모든 시드에서 문제를 풉니다. 평균 테스트 "
                                 f"MSE(괄호 안은 풀린 시드 수)는 {_list_rows(v['rows'], 'ko')}입니다."),
                "en": lambda v: (f"At the same T = {v['T']} all three gated models solve the task with every seed. "
                                 f"Mean test MSE: {_list_rows(v['rows'], 'en')} (seeds solved in brackets).")},
        "some": {"ko": lambda v: (f"같은 T = {v['T']}에서 게이트가 있는 모형 가운데 시드마다 문제를 푼 것은 "
                                  f"{', '.join(NAMES['ko'][m] for m in v['solved'])}입니다. 평균 테스트 MSE(괄호 안은 "
                                  f"풀린 시드 수)는 {_list_rows(v['rows'], 'ko')}입니다."),
                 "en": lambda v: (f"At the same T = {v['T']} the gated models that solve the task with every seed are "
                                  f"{', '.join(NAMES['en'][m] for m in v['solved'])}. Mean test MSE: "
                                  f"{_list_rows(v['rows'], 'en')} (seeds solved in brackets).")},
        "none": {"ko": lambda v: (f"T = {v['T']}에서는 게이트가 있는 모형도 모든 시드에서 문제를 풀지는 못했습니다. 평균 테스트 "
                                  f"MSE(괄호 안은 풀린 시드 수)는 {_list_rows(v['rows'], 'ko')}입니다."),
                 "en": lambda v: (f"At T = {v['T']} no gated model solves the task with every seed: "
                                  f"{_list_rows(v['rows'], 'en')} (seeds solved in brackets).")},
    },
    "forget_bias": {
        "helps": {"ko": "T = {T}에서 망각 게이트 편향을 1로 둔 LSTM의 평균 테스트 MSE는 {fb1:.4f}이고, 기본 초기화의 {default:.4f}보다 "
                        "{ratio:.1f}배 작습니다.",
                  "en": "At T = {T} the LSTM with forget-gate bias 1 reaches a mean test MSE of {fb1:.4f}, {ratio:.1f} "
                        "times smaller than the default initialisation's {default:.4f}."},
        "similar": {"ko": "T = {T}에서 망각 게이트 편향 1은 큰 차이를 만들지 않습니다. 평균 테스트 MSE가 편향 1에서 {fb1:.4f}, "
                          "기본 초기화에서 {default:.4f}입니다.",
                    "en": "At T = {T} the forget-gate bias of 1 makes no large difference: a mean test MSE of {fb1:.4f} "
                          "with it and {default:.4f} with the default initialisation."},
        "hurts": {"ko": "T = {T}에서는 오히려 기본 초기화의 LSTM이 더 낫습니다. 평균 테스트 MSE가 기본 초기화에서 {default:.4f}, "
                        "편향 1에서 {fb1:.4f}입니다.",
                  "en": "At T = {T} the default initialisation does better: a mean test MSE of {default:.4f} against "
                        "{fb1:.4f} with forget-gate bias 1."},
    },
    "gates_lstm_input": {
        "opens": {"ko": lambda v: (f"가장 많이 저장하는 단위(번호 {v['unit']})의 **입력 게이트**는 표시된 두 단계 "
                                   f"({_marks(v)})에서 {_at(v)}까지 올라가 열립니다. 나머지 단계의 중앙값은 "
                                   f"{v['median']:.2f}입니다."),
                  "en": lambda v: (f"In the unit that stores the most (number {v['unit']}), the **input gate** opens to "
                                   f"{_at(v)} at the two marked steps ({_marks(v)}) and stays at a median of "
                                   f"{v['median']:.2f} elsewhere.")},
        "no_clear_opening": {
            "ko": lambda v: (f"가장 많이 저장하는 단위(번호 {v['unit']})의 **입력 게이트**는 표시된 두 단계({_marks(v)})에서 "
                             f"{_at(v)}이고, 나머지 단계의 중앙값은 {v['median']:.2f}입니다. 표시된 곳에서 뚜렷하게 "
                             f"열리지는 않습니다."),
            "en": lambda v: (f"In the unit that stores the most (number {v['unit']}), the **input gate** is {_at(v)} at "
                             f"the two marked steps ({_marks(v)}) against a median of {v['median']:.2f} elsewhere: it "
                             f"does not visibly open at the marks.")},
    },
    "gates_lstm_forget": {
        "holds": {"ko": lambda v: (f"같은 단위의 **망각 게이트**는 첫 표시 뒤로 끝까지, 표시된 단계를 빼면 {v['min_after']:.2f} "
                                   f"아래로 내려가지 않아 셀 상태에 쓴 값을 붙잡아 둡니다."),
                  "en": lambda v: (f"Apart from the marked steps, the same unit's **forget gate** never drops below "
                                   f"{v['min_after']:.2f} after the first mark: the cell state holds what was written.")},
        "leaks": {"ko": lambda v: (f"같은 단위의 **망각 게이트**는 첫 표시 뒤에, 표시된 단계가 아닌 곳에서도 {v['min_after']:.2f}까지 내려갑니다. 셀 상태는 "
                                   f"값을 온전히 붙잡지 않고 조금씩 흘려보냅니다."),
                  "en": lambda v: (f"The same unit's **forget gate** drops to {v['min_after']:.2f} after the first "
                                   f"mark, away from the marked steps too: the cell state does not hold the value perfectly, it leaks.")},
    },
    "gates_gru": {
        "writes": {"ko": lambda v: (f"GRU에서 가장 많이 저장하는 단위(번호 {v['unit']})의 **업데이트 게이트** *z*는 표시된 두 단계"
                                    f"({_marks(v)})에서 {_at(v)}까지 내려가 새 값을 받아들입니다. 나머지 단계의 중앙값은 "
                                    f"{v['median']:.2f}입니다."),
                   "en": lambda v: (f"In the GRU's unit that stores the most (number {v['unit']}), the **update gate** "
                                    f"*z* drops to {_at(v)} at the two marked steps ({_marks(v)}) to take in the new "
                                    f"value; elsewhere its median is {v['median']:.2f}.")},
        "no_clear_writing": {
            "ko": lambda v: (f"GRU에서 가장 많이 저장하는 단위(번호 {v['unit']})의 **업데이트 게이트** *z*는 표시된 두 단계"
                             f"({_marks(v)})에서 "
                             f"{_at(v)}이고 나머지 단계의 중앙값은 {v['median']:.2f}입니다. 표시된 곳에서 뚜렷하게 "
                             f"내려가지는 않습니다."),
            "en": lambda v: (f"In the GRU's unit that stores the most (number {v['unit']}), the **update gate** *z* is "
                             f"{_at(v)} at the two marked steps ({_marks(v)}) against a median of {v['median']:.2f} elsewhere: it "
                             f"does not visibly drop at the marks.")},
    },
    "prediction": {"ok": {
        "ko": "이 시퀀스(T = {T})의 정답은 {target:.3f}이고, 학습한 LSTM의 예측은 {lstm:.3f}, GRU의 예측은 {gru:.3f}입니다.",
        "en": "This sequence (T = {T}) has the target {target:.3f}; the trained LSTM predicts {lstm:.3f} and the GRU "
              "{gru:.3f}.",
    }},
    "breakthrough": {"ok": {
        "ko": lambda v: (f"T = {v['T']}에서 검증 MSE가 처음으로 기준선의 {v['failed_pct']}보다 낮아진 학습 단계를 시드별로 보면 "
                         + "; ".join(f"{NAMES['ko'][m]} {_steps(found, '없음')}" for m, found in v["rows"])
                         + f"입니다 (전체 {v['steps']}단계, '없음'은 끝까지 내려가지 않았다는 뜻)."),
        "en": lambda v: (f"At T = {v['T']} the training step at which the validation MSE first drops below "
                         f"{v['failed_pct']} of the baseline is, per seed: "
                         + "; ".join(f"{NAMES['en'][m]} {_steps(found, 'never')}" for m, found in v["rows"])
                         + f" (out of {v['steps']} steps; 'never' means it did not get there)."),
    }},
    "verdict": {
        "supported": {"ko": "정리하면, 이 실험에서 기본 RNN은 T = {T}의 장기 의존성을 배우지 못했고, 게이트가 있는 모형은 같은 "
                            "조건에서 배웠습니다.",
                      "en": "In short: in this experiment the plain RNN did not learn the long-term dependency at "
                            "T = {T}, and gated models did, under the same conditions."},
        "gated_failed": {"ko": "정리하면, 이 실험에서 T = {T}의 장기 의존성은 기본 RNN도, 게이트가 있는 모형도 모든 시드에서 "
                               "배우지는 못했습니다. 학습 단계를 늘려야 차이가 드러납니다.",
                         "en": "In short: at T = {T} neither the plain RNN nor any gated model learned the long-term "
                               "dependency with every seed; telling them apart needs more training steps."},
        "not_shown": {"ko": "정리하면, 이 실험은 T = {T}에서 기본 RNN이 실패한다는 것을 보여 주지 못했습니다. 더 긴 시퀀스가 "
                            "필요합니다.",
                      "en": "In short: this experiment does not show the plain RNN failing at T = {T}; it needs longer "
                            "sequences."},
    },
    "wall_time": {"ok": {
        "ko": "모형·길이·시드 조합 {cells}개를 모두 학습하는 데 {device}에서 {minutes:.1f}분이 걸렸습니다. 한 번에 {jobs}개 조합을 "
              "각각 스레드 하나로 학습했고, 조합별 CPU 시간을 모두 더하면 {cpu_minutes:.1f}분입니다.",
        "en": "Training all {cells} combinations of model, length and seed took {minutes:.1f} minutes on {device}, "
              "{jobs} at a time with one thread each; their CPU times add up to {cpu_minutes:.1f} minutes.",
    }},
}


def claim(name, lang, results):
    """One sentence of the text, its verdict and numbers from the results."""
    if name not in CLAIMS:
        raise ValueError(f"unknown claim {name!r}; book/experiment.py has: {', '.join(CLAIMS)}")
    variant, values = facts(name, results)
    template = CLAIMS[name][variant][lang]
    return template(values) if callable(template) else template.format(**values)


# ----------------------------------------------------------------------------------- the table

TABLE_HEAD = {"ko": ("모형", "테스트 MSE, 평균 ± 표준편차 (풀린 시드)", "기준선"),
              "en": ("model", "test MSE, mean ± sd (seeds solved)", "baseline")}


def table(lang, results):
    s = stats(results)
    lengths = results["settings"]["lengths"]
    model_head, cell_head, base_head = TABLE_HEAD[lang]
    rows = [f"| {model_head} | " + " | ".join(f"T = {T}" for T in lengths) + " |",
            "|---|" + "---:|" * len(lengths)]
    for model in results["models"]:
        cells = [f"{s[model, T]['mean']:.4f} ± {s[model, T]['sd']:.4f} ({s[model, T]['solved']}/{s[model, T]['n']})"
                 for T in lengths]
        rows.append(f"| {NAMES[lang][model]} | " + " | ".join(cells) + " |")
    rows.append(f"| {base_head} | " + " | ".join(f"{results['baseline'][str(T)]:.4f}" for T in lengths) + " |")
    caption = {"ko": f"{cell_head}. 기준선은 늘 1을 예측하는 모형의 테스트 MSE입니다.",
               "en": f"{cell_head}. The baseline is the test MSE of always predicting 1."}[lang]
    return "\n".join(rows) + f"\n\n<p class=\"table-caption\">{caption}</p>\n"


SETTING_LABELS = {
    "ko": {"lengths": "시퀀스 길이 T", "seeds": "시드", "hidden_size": "은닉 크기 H", "batch_size": "배치 크기",
           "steps": "학습 단계 수 (Adam 업데이트, 매번 새 배치)", "learning_rate": "학습률",
           "clip_norm": "기울기 클리핑 (전체 노름의 상한)", "eval_every": "학습 곡선의 점 간격 (단계)",
           "eval_size": "검증 시퀀스 수 (학습 곡선)", "test_size": "테스트 시퀀스 수 (최종 MSE, 기준선)",
           "dtype": "부동소수점 형식", "solved_fraction": "'풀었다': 테스트 MSE < 기준선 ×",
           "failed_fraction": "'못 배웠다': 테스트 MSE > 기준선 ×"},
    "en": {"lengths": "sequence lengths T", "seeds": "seeds", "hidden_size": "hidden size H",
           "batch_size": "batch size", "steps": "training steps (Adam updates, a fresh batch each)",
           "learning_rate": "learning rate", "clip_norm": "gradient clipping (bound on the global norm)",
           "eval_every": "learning-curve point every (steps)", "eval_size": "validation sequences (learning curve)",
           "test_size": "test sequences (final MSE, baseline)", "dtype": "floating-point type",
           "solved_fraction": "'solved': test MSE < baseline ×", "failed_fraction": "'did not learn': test MSE > baseline ×"},
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
    rows = {"ko": [("명령", f"`{results['command']}`"), ("다이제스트", f"`{p['digest']}`"),
                   ("PyTorch", results["torch"]), ("장치", results["device"]), ("날짜", results["date"]),
                   ("걸린 시간", f"{results['wall_seconds']:.0f}초 (CPU 시간 합계 {results['cpu_seconds']:.0f}초)")],
            "en": [("command", f"`{results['command']}`"), ("digest", f"`{p['digest']}`"),
                   ("PyTorch", results["torch"]), ("device", results["device"]), ("date", results["date"]),
                   ("wall time", f"{results['wall_seconds']:.0f} s (CPU time, all cells: {results['cpu_seconds']:.0f} s)")]}[lang]
    return "| | |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in rows) + "\n"


# ---------------------------------------------------------------------------------- the figures

FIGURE_TITLES = {
    "curves": {"ko": "덧셈 문제의 학습 곡선: 길이 T마다 모형별 검증 MSE (선은 시드 평균, 띠는 시드의 최솟값 ~ 최댓값, "
                     "점선은 늘 1을 예측하는 기준선, 로그 눈금)",
               "en": "Learning curves on the adding problem: validation MSE per model for each length T (line: mean "
                     "over seeds, band: min to max over seeds, dotted: the constant-1 baseline; log scale)"},
    "gates": {"ko": "학습한 LSTM (망각 게이트 편향 1)과 GRU에 테스트 시퀀스 하나를 넣었을 때, 가장 많이 저장하는 단위의 "
                    "게이트와 상태 (회색 세로줄: 표시된 두 단계)",
              "en": "One test sequence through the trained LSTM (forget-gate bias 1) and GRU: gates and state of the "
                    "unit that stores the most (grey bars: the two marked steps)"},
}
FIGURE_LABELS = {
    "ko": {"step": "학습 단계", "mse": "검증 MSE", "baseline": "기준선 (늘 1을 예측)", "time": "시간 단계 t",
           "i": "i: 입력 게이트", "f": "f: 망각 게이트", "c": "c: 셀 상태", "z": "z: 업데이트 게이트",
           "h": "h: 은닉 상태", "u": "입력 값 u", "lstm": "LSTM (망각 게이트 편향 1)", "gru": "GRU",
           "unit": "단위 {}", "mark": "표시"},
    "en": {"step": "training step", "mse": "validation MSE", "baseline": "baseline (always predict 1)",
           "time": "time step t", "i": "i: input gate", "f": "f: forget gate", "c": "c: cell state",
           "z": "z: update gate", "h": "h: hidden state", "u": "input value u", "lstm": "LSTM (forget-gate bias 1)",
           "gru": "GRU", "unit": "unit {}", "mark": "marker"},
}


_figures = {}  # (name, lang, results as JSON) -> HTML: `mkdocs serve` redraws only when the results change


def figure(name, lang, results):
    if name not in FIGURE_TITLES:
        raise ValueError(f"unknown figure {name!r}; book/experiment.py has: {', '.join(FIGURE_TITLES)}")
    key = (name, lang, json.dumps(results, sort_keys=True))
    if key not in _figures:
        _figures[key] = _figure(name, lang, results)
    return _figures[key]


def _figure(name, lang, results):
    with matplotlib.rc_context(plots.RC), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font")
        fig = (_draw_curves if name == "curves" else _draw_gates)(results, FIGURE_LABELS[lang], lang)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = FIGURE_TITLES[name][lang]
    svg = plots._postprocess(buffer.getvalue(), f"adding-{name}", text, _figure_description(name, lang, results))
    return (f'<figure class="plot" id="plot-adding-{name}" data-search-exclude>\n{svg}\n'
            f'<figcaption>{html.escape(text)}</figcaption>\n</figure>\n')


def _figure_description(name, lang, results):
    """What a figure shows, with numbers from the results: its text alternative (<desc>)."""
    lengths = results["settings"]["lengths"]
    if name == "curves":
        baselines = ", ".join(f"T = {T}: {results['baseline'][str(T)]:.3f}" for T in lengths)
        return {"ko": f"모형마다, 시퀀스 길이({', '.join(map(str, lengths))})마다 학습 단계에 따른 테스트 MSE를 로그 "
                      f"눈금으로 그렸습니다. 선은 시드의 기하 평균이고 띠는 시드 사이의 범위입니다. 기준선(언제나 1을 답할 때의 "
                      f"MSE)은 {baselines}입니다.",
                "en": f"Test MSE against training step for each model and sequence length ({', '.join(map(str, lengths))}), "
                      f"on a log scale: the line is the geometric mean over seeds and the band their range. The baseline (always "
                      f"answering 1) is {baselines}."}[lang]
    lstm = results["traces"]["lstm_fb1"]
    marks = ", ".join(str(m + 1) for m in lstm["marks"])
    return {"ko": f"학습한 LSTM(망각 게이트 편향 합 1)에 테스트 시퀀스 하나(T = {lstm['T']})를 넣었을 때, 두 수를 가장 많이 "
                  f"저장하는 단위의 입력 게이트, 망각 게이트, 셀 상태와 입력값을 단계마다 그리고, 아래에 학습한 GRU의 "
                  f"업데이트 게이트를 그렸습니다. 표지가 붙은 두 단계({marks})는 회색 띠로 표시했습니다.",
            "en": f"One test sequence (T = {lstm['T']}) through the trained LSTM with forget-gate bias sum 1: the input "
                  f"gate, forget gate, cell state and input value of the unit that stores the most, step by step, and "
                  f"below it the trained GRU's update gate. The marked steps {marks} are shaded grey."}[lang]


def _draw_curves(results, L, lang):
    lengths = results["settings"]["lengths"]
    fig = Figure(figsize=(7.6, 3.4))
    axes = fig.subplots(1, len(lengths), sharey=True)
    for ax, T in zip(axes, lengths):
        for model in results["models"]:
            curves = [c["curve"] for c in results["cells"] if c["model"] == model and c["T"] == T]
            steps = curves[0]["step"]
            columns = list(zip(*(c["mse"] for c in curves)))
            mean = [math.exp(statistics.fmean(math.log(v) for v in col)) for col in columns]
            ax.fill_between(steps, [min(col) for col in columns], [max(col) for col in columns],
                            color=MODEL_COLORS[model], alpha=0.18, linewidth=0)
            ax.plot(steps, mean, color=MODEL_COLORS[model], linewidth=1.4, label=NAMES[lang][model])
        ax.axhline(results["baseline"][str(T)], color=plots.INK, linestyle=(0, (1, 2)), linewidth=1.0,
                   label=L["baseline"])
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(plots._log_tick))
        ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_title(f"T = {T}", fontsize=10)
        ax.set_xlabel(L["step"])
        ax.grid(True, which="major")
    axes[0].set_ylabel(L["mse"])
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, bbox_to_anchor=(0.5, 0.0), handlelength=1.8)
    fig.subplots_adjust(left=0.09, right=0.985, top=0.9, bottom=0.33, wspace=0.08)
    return fig


def _draw_gates(results, L, lang):
    gf = gate_facts(results)
    fig = Figure(figsize=(7.6, 5.6))
    axes = fig.subplots(3, 1, sharex=True)
    lstm, gru = results["traces"]["lstm_fb1"], results["traces"]["gru"]
    t = list(range(1, lstm["T"] + 1))
    for ax in axes:
        for m in lstm["marks"]:
            ax.axvspan(m + 0.5, m + 1.5, color=plots.INK, alpha=0.12, linewidth=0)
        ax.grid(True, axis="y")
    unit = gf["lstm_fb1"]["unit"]
    top, middle, bottom = axes
    top.plot(t, lstm["gates"]["i"][unit], color=plots.BLUE, label=L["i"])
    top.plot(t, lstm["gates"]["f"][unit], color=plots.ORANGE, label=L["f"])
    top.set_ylim(-0.05, 1.05)
    top.set_title(f"{L['lstm']}, {L['unit'].format(unit)}", fontsize=10, loc="left", pad=14)
    middle.plot(t, lstm["gates"]["c"][unit], color=plots.RED, label=L["c"])
    middle.plot(t, lstm["u"], color=plots.INK, alpha=0.35, linewidth=0.9, drawstyle="steps-mid", label=L["u"])
    gunit = gf["gru"]["unit"]
    bottom.plot(t, gru["gates"]["z"][gunit], color=plots.GREEN, label=L["z"])
    bottom.plot(t, gru["gates"]["h"][gunit], color=plots.PURPLE, label=L["h"])
    bottom.set_ylim(-1.05, 1.05)  # z in (0, 1), h in (-1, 1)
    bottom.set_title(f"{L['gru']}, {L['unit'].format(gunit)}", fontsize=10, loc="left")
    for m in lstm["marks"]:
        top.text(m + 1, 1.07, L["mark"], ha="center", va="bottom", fontsize=8.5)
    bottom.set_xlabel(L["time"])
    bottom.set_xlim(0.5, t[-1] + 0.5)
    for ax in axes:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), handlelength=1.6)
    fig.subplots_adjust(left=0.08, right=0.74, top=0.91, bottom=0.09, hspace=0.36)
    return fig


# ---------------------------------------------------------------------------------- directive

def directive(what, lang, path=RESULTS):
    """The Markdown/HTML for ``::experiment <what>``; stale results or a wrong <what> raise PluginError."""
    try:
        return _expand(what, lang, load(path))
    except ValueError as error:  # StaleResults is one: its message names `make experiments`
        raise PluginError(str(error)) from error


def _expand(what, lang, results):
    if what == "table":
        return table(lang, results)
    if what == "provenance":
        return provenance(lang, results)
    if what == "settings":
        return settings_table(lang, results)
    if what in FIGURE_TITLES:
        return figure(what, lang, results)
    if what and what.startswith("claim:"):
        return claim(what.removeprefix("claim:"), lang, results) + "\n"
    raise ValueError(f"::experiment {what}: expected table, settings, provenance, {', '.join(FIGURE_TITLES)} or "
                     f"claim:<name> ({', '.join(CLAIMS)})")
