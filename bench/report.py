"""Write bench/results/REPORT.md, with PNG plots, from the figures in bench/results/*.json.

    .venv/bin/python bench/report.py

Every figure is compared with its target (pass / miss); a benchmark with no results file is
listed as missing rather than left out. Understanding figures come from bench/results/nlu.json,
or from results/nlu-quality.json (written by `make test`) when the benchmark has not run.
"""
from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import List, Optional

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PROJECT_ROOT, RESULTS_DIR  # noqa: E402

REPORT = RESULTS_DIR / "REPORT.md"
NLU_FROM_MAKE_TEST = PROJECT_ROOT / "results" / "nlu-quality.json"
BENCHMARKS = ["nlu", "latency", "profile", "diet", "crisis", "language", "throughput", "growth",
              "startup", "directory", "staff", "lock_store", "redaction"]


def load(name: str) -> Optional[dict]:
    path = RESULTS_DIR / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


class Table:
    """The figures-versus-targets table."""

    def __init__(self) -> None:
        self.rows: List[str] = []

    def add(self, figure: str, measured, target: str, ok: Optional[bool], shown: Optional[str] = None) -> None:
        result = ("missing" if measured is None else "no target") if ok is None else ("**pass**" if ok else "**MISS**")
        value = "-" if measured is None else (shown or str(measured))
        self.rows.append(f"| {figure} | {value} | {target} | {result} |")

    def markdown(self) -> str:
        return "\n".join(["| figure | measured | target | result |", "|---|---|---|---|", *self.rows])


def save(figure, name: str) -> str:
    figure.tight_layout()
    figure.savefig(RESULTS_DIR / name, dpi=110)
    plt.close(figure)
    return f"![{name}]({name})"


def understanding(table: Table, out: List[str]) -> None:
    data = load("nlu")
    if data:
        figures, confusion, source = data["figures"], data["confusion"], f"bench/results/nlu.json ({data['when']})"
    elif NLU_FROM_MAKE_TEST.exists():
        figures = json.loads(NLU_FROM_MAKE_TEST.read_text())
        confusion, source = figures.get("confusion", []), "results/nlu-quality.json (from `make test`)"
    else:
        for name, target in (("held-out intent accuracy", ">= 0.95"), ("entity F1", ">= 0.90"),
                             ("out-of-scope rejection", ">= 0.95"), ("in-domain false rejection", "<= 3 %")):
            table.add(name, None, target, None)
        out.append("## 1. Understanding\n\nMissing: run bench/bench_nlu.py or `make test`.\n")
        return
    table.add("held-out intent accuracy", figures["intent_accuracy"], ">= 0.95", figures["intent_accuracy"] >= 0.95,
              f"{figures['intent_accuracy']:.3f}")
    table.add("entity F1 (held-out)", figures["entity_f1"], ">= 0.90", figures["entity_f1"] >= 0.90,
              f"{figures['entity_f1']:.3f}")
    table.add("out-of-scope rejection (CLINC150 oos val)", figures["out_of_scope_rejection"], ">= 0.95",
              figures["out_of_scope_rejection"] >= 0.95, f"{figures['out_of_scope_rejection']:.3f}")
    table.add("in-domain false rejection", figures["in_domain_false_rejection"], "<= 3 %",
              figures["in_domain_false_rejection"] <= 0.03, f"{figures['in_domain_false_rejection']:.1%}")
    out.append("## 1. Understanding\n")
    out.append(f"Source: {source}. Method: every example of tests/nlu/heldout.yml (never used in training) and "
               "CLINC150's out-of-scope validation utterances (less the few listed in tests/nlu/oos_in_scope.txt, "
               "which are career questions) sent to POST /model/parse of the trained model, scored by "
               "tests/support/nlu_eval.py, the code `make test` uses. Entity F1 is micro-averaged over "
               "(entity, value) pairs after synonym mapping. Rejected = `nlu_fallback` or `out_of_scope`.\n")
    out.append(f"{figures.get('examples', '?')} held-out examples: intent accuracy {figures['intent_accuracy']:.3f}, "
               f"entity precision {figures['entity_precision']:.3f}, recall {figures['entity_recall']:.3f}, "
               f"F1 {figures['entity_f1']:.3f}; in-domain false rejection {figures['in_domain_false_rejection']:.1%}; "
               f"out-of-scope rejection {figures['out_of_scope_rejection']:.3f}.\n")
    if data and data.get("intent_errors"):
        errors = {}
        for _, gold, predicted in data["intent_errors"]:
            errors[(gold, predicted)] = errors.get((gold, predicted), 0) + 1
        common = sorted(errors.items(), key=lambda item: -item[1])[:8]
        out.append("Most frequent intent errors (gold -> predicted: count): "
                   + "; ".join(f"{g} -> {p}: {n}" for (g, p), n in common) + ". (out_of_scope -> nlu_fallback "
                   "lowers intent accuracy although both reject the message.)\n")
    if confusion:
        out.append(confusion_plot(confusion) + "\n")


def confusion_plot(confusion) -> str:
    gold_labels = sorted({g for g, _, _ in confusion})
    labels = gold_labels + sorted({p for _, p, _ in confusion} - set(gold_labels))
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0.0] * len(labels) for _ in gold_labels]
    totals = {g: sum(n for gg, _, n in confusion if gg == g) for g in gold_labels}
    for gold, predicted, n in confusion:
        matrix[gold_labels.index(gold)][index[predicted]] = n / totals[gold]
    figure, axes = plt.subplots(figsize=(11, 9))
    image = axes.imshow(matrix, cmap="Blues", vmin=0, vmax=1)
    axes.set_xticks(range(len(labels)))
    axes.set_xticklabels(labels, rotation=70, ha="right", fontsize=8)
    axes.set_yticks(range(len(gold_labels)))
    axes.set_yticklabels([f"{g} (n={totals[g]})" for g in gold_labels], fontsize=8)
    for row, gold in enumerate(gold_labels):
        for column, _ in enumerate(labels):
            share = matrix[row][column]
            if share:
                axes.text(column, row, f"{share:.2f}".lstrip("0"), ha="center", va="center", fontsize=6,
                          color="white" if share > 0.5 else "black")
    axes.set_xlabel("predicted intent")
    axes.set_ylabel("gold intent (held-out)")
    axes.set_title("Held-out intent confusion (share of each gold intent)")
    figure.colorbar(image, ax=axes, fraction=0.03)
    return save(figure, "confusion.png")


def latency(table: Table, out: List[str]) -> None:
    data = load("latency")
    out.append("## 2. Latency, single user\n")
    if not data:
        table.add("REST p50 / parse p50", None, "<= 2.5", None)
        out.append("Missing: bench/bench_latency.py has not run.\n")
        return
    out.append(f"Method: {data['method']}. Run {data['when']}, load average {data['machine']['load_average_1_5_15']}.\n")
    out.append("| turn | timed as | REST p50 | p95 | p99 | parse p50 | p95 | p99 | ratio p50 |\n|---|---|---|---|---|---|---|---|---|")
    for name, turn in data["turns"].items():
        rest, parse = turn["rest"], turn["parse"]
        out.append(f"| {name} ({turn['text']!r}) | turn {turn['timed_as_turn']} | {rest['p50_ms']} ms | {rest['p95_ms']} | "
                   f"{rest['p99_ms']} | {parse['p50_ms']} ms | {parse['p95_ms']} | {parse['p99_ms']} | {turn['ratio_p50']} |")
        table.add(f"REST round trip p50 / parse p50: {name}", turn["ratio_p50"], f"<= {data['target_ratio_p50']}",
                  turn["meets_target"], f"{turn['ratio_p50']} ({rest['p50_ms']} / {parse['p50_ms']} ms)")
    out.append("")
    figure, axes = plt.subplots(figsize=(9, 4.5))
    names = list(data["turns"])
    width = 0.13
    for offset, (kind, stat) in enumerate([(k, s) for k in ("rest", "parse") for s in ("p50_ms", "p95_ms", "p99_ms")]):
        values = [data["turns"][n][kind][stat] for n in names]
        axes.bar([i + (offset - 2.5) * width for i in range(len(names))], values, width,
                 label=f"{'REST round trip' if kind == 'rest' else '/model/parse'} {stat[:3]}",
                 color=("tab:blue" if kind == "rest" else "tab:orange"), alpha=[1, 0.65, 0.35][offset % 3])
    axes.set_xticks(range(len(names)))
    axes.set_xticklabels(names)
    axes.set_ylabel("ms")
    axes.set_title("Single-user latency: REST round trip vs bare parse")
    axes.legend(fontsize=8)
    out.append(save(figure, "latency.png") + "\n")


def profile(out: List[str]) -> None:
    data = load("profile")
    out.append("### Where the time goes in a REST turn\n")
    if not data:
        out.append("Missing: bench/bench_profile.py has not run.\n")
        return
    out.append(f"Method: {data['method']}; {data['samples']} samples over {data['turns']} turns; raw stacks in "
               f"bench/results/{data['stacks_file']} (collapsed format, e.g. for flamegraph.pl/speedscope).\n")
    by_caller = data.get("own_time_by_rasa_or_project_caller", [])
    if by_caller:
        out.append("In short: " + "; ".join(f"{row['share']:.0%} of the server's busy samples in `{row['frame']}`"
                                            for row in by_caller[:4]) + " (library time charged to the innermost "
                   "Rasa or project function that called it).\n")
    for title, key in (("Own time by innermost Rasa/project caller", "own_time_by_rasa_or_project_caller"),
                       ("Own time by package", "own_time_by_package"),
                       ("Top frames, inclusive time (the server's outer frames left out)", "top_inclusive_time"),
                       ("Top frames, own time", "top_own_time")):
        if key not in data:
            continue
        out.append(f"{title}:\n\n| share of samples | frame |\n|---|---|")
        out.extend(f"| {row['share']:.1%} | `{row['frame']}` |" for row in data[key][:12])
        out.append("")


def diet_prediction(out: List[str]) -> None:
    data = load("diet")
    out.append("### DIET's prediction: TensorFlow's traced graph and NumPy\n")
    if not data:
        out.append("Missing: bench/bench_diet.py has not run.\n")
        return
    cpu = data["cpu_ms_per_prediction"]
    out.append(f"Method: {data['method']} (bench/bench_diet.py, {data['when']}). CPU per prediction: "
               f"traced graph {cpu['traced graph']} ms, NumPy {cpu['NumPy']} ms; NumPy / traced graph "
               f"{data['numpy_to_traced_graph']} in the same run. The server predicts in NumPy "
               "(serving/diet_inference.py); tests/test_diet_inference.py holds both to the same parses.\n")
    if "message_features_to_rasas_batch" in data:
        through_batch = cpu["Rasa's batch, NumPy"]
        out.append("From a featurised message to DIET's outputs, CPU per message: through the data set "
                   f"and batch Rasa builds of it, then NumPy, {through_batch} ms; from "
                   f"the message's own features, as the server predicts, {cpu['message features, NumPy']} "
                   f"ms; ratio {data['message_features_to_rasas_batch']} in the same run (identical "
                   "outputs: tests/test_diet_inference.py).\n")


# The set-ups the issue sets targets for: the default one and PostgreSQL + Redis with several Rasa
# workers. One Rasa server on PostgreSQL is measured too, without a target.
TARGETED_BACKENDS = ("sqlite", "production")


CRISIS_FROM_MAKE_TEST = PROJECT_ROOT / "results" / "crisis-detection.json"


def crisis_recognition(out: List[str]) -> None:
    """What recognising crises catches (from `make test`) and what it costs (bench_crisis.py)."""
    out.append("### Crisis recognition\n")
    if CRISIS_FROM_MAKE_TEST.exists():
        figures = json.loads(CRISIS_FROM_MAKE_TEST.read_text())
        out.append("Share of each set raised as a crisis (tests/test_crisis_detection.py, through the "
                   "running server; tests/safety/README.md says which sets were tuned on):\n")
        out.append("| set | messages | combined | rules alone | crisis model alone | DIET alone |\n"
                   "|---|---|---|---|---|---|")
        out.extend(f"| {name} | {row['messages']} | {row['combined']:.3f} | {row['rules']:.3f} | "
                   f"{row['model']:.3f} | {row['classifier']:.3f} |" for name, row in figures.items())
        out.append("")
    else:
        out.append("Missing: results/crisis-detection.json (`make test` writes it).\n")
    data = load("crisis")
    if not data:
        out.append("Cost missing: bench/bench_crisis.py has not run.\n")
        return
    out.append(f"Cost (bench/bench_crisis.py, {data['when']}): parse CPU per held-out message "
               f"{data['parse_cpu_ms_with_safety_net']} ms with the safety net, "
               f"{data['parse_cpu_ms_without_safety_net']} ms without "
               f"({data['ratio_with_to_without']}x in the same run); the rules alone "
               f"{data['rules_cpu_ms']} ms, the crisis model alone "
               f"{data.get('crisis_model_cpu_ms', 'not measured')} ms.\n")


def language_detection(out: List[str]) -> None:
    """English or Spanish: the libraries against the project's detector (bench_language.py)."""
    out.append("### Language detection\n")
    data = load("language")
    if not data:
        out.append("Missing: bench/bench_language.py has not run.\n")
        return
    out.append(f"bench/bench_language.py, {data['when']}: {data['method']}; "
               + ", ".join(f"{role} set {n} messages" for role, n in data["messages"].items())
               + ".\n")
    out.append("| judge | tuning accuracy | final accuracy | CPU ms per message |\n|---|---|---|---|")
    out.extend(f"| {name} | {row['tuning accuracy']:.4f} | {row['final accuracy']:.4f} | "
               f"{row['cpu_ms_per_message']} |" for name, row in data["judges"].items())
    out.append("")


def targeted(backend: str, ok: bool) -> Optional[bool]:
    return ok if backend in TARGETED_BACKENDS else None


def cpu_cell(run: dict) -> str:
    return ", ".join(f"{kind} {ms}" for kind, ms in run.get("cpu_ms_per_message", {}).items())


def outcome_cells(run: dict) -> str:
    """p50 | p95 | p99 | errors | not sent, as both throughput tables show them."""
    lat = run["latency"]
    return (f"{lat.get('p50_ms')} | {lat.get('p95_ms')} | {lat.get('p99_ms')} | {run['errors']} | "
            f"{run['stopped_by_time_limit']}")


def every_run(result: dict) -> List[dict]:
    return result["levels"] + result.get("paced", [])


def throughput(table: Table, out: List[str]) -> None:
    data = load("throughput")
    out.append("## 3. Throughput\n")
    if not data:
        table.add("messages/s at 50 conversations", None, ">= 100", None)
        out.append("Missing: bench/bench_throughput.py has not run.\n")
        return
    target = data["target"]
    people, rate, p95_target = target["conversations"], target["messages_per_second"], target["p95_ms"]
    out.append(f"Method: {data['method']}. Run {data['when']}, load average {data['machine']['load_average_1_5_15']}.\n")
    out.append("Targets apply to the default set-up (sqlite) and the production profile (PostgreSQL + Redis, "
               "several Rasa workers), the two the issue names; one Rasa server on PostgreSQL is shown "
               "without a target.\n")
    out.append("Saturation (no think time: each person sends the next message the moment the reply arrives):\n")
    out.append("| database | conversations | answered | msg/s | p50 | p95 | p99 | errors | not sent (time limit) | seconds | CPU ms a message |\n"
               "|---|---|---|---|---|---|---|---|---|---|---|")
    figure, (left, middle, right) = plt.subplots(1, 3, figsize=(14, 4))
    for backend, result in data["backends"].items():
        levels = result["levels"]
        for level in levels:
            out.append(f"| {backend} | {level['conversations']} | {level['messages_answered']} | {level['messages_per_second']} | "
                       f"{outcome_cells(level)} | {level['seconds']} | {cpu_cell(level)} |")
            if level["conversations"] == people:
                p95 = level["latency"].get("p95_ms")
                table.add(f"most msg/s, {people} conversations, no think time ({backend})", level["messages_per_second"],
                          f">= {rate} msg/s", targeted(backend, level["messages_per_second"] >= rate),
                          f"{level['messages_per_second']} msg/s")
                table.add(f"p95, {people} conversations, no think time ({backend})", p95, f"<= {p95_target} ms",
                          targeted(backend, p95 is not None and p95 <= p95_target), f"{p95} ms")
        x = [level["conversations"] for level in levels]
        left.plot(x, [level["messages_per_second"] for level in levels], marker="o", label=backend)
        middle.plot(x, [level["latency"].get("p95_ms") or 0 for level in levels], marker="o", label=backend)
    paced_runs = {backend: result.get("paced", []) for backend, result in data["backends"].items()}
    if any(paced_runs.values()):
        out.append(f"\nPaced ({people} people who together offer a fixed number of messages a second; "
                   "the wait each one sees at that load):\n")
        out.append("| database | offered msg/s | answered msg/s | p50 | p95 | p99 | errors | not sent (time limit) | CPU ms a message |\n"
                   "|---|---|---|---|---|---|---|---|---|")
    for backend, runs in paced_runs.items():
        for run in runs:
            out.append(f"| {backend} | {run['offered_messages_per_second']:g} | {run['messages_per_second']} | "
                       f"{outcome_cells(run)} | {cpu_cell(run)} |")
            if run["offered_messages_per_second"] == rate:
                p95 = run["latency"].get("p95_ms")
                table.add(f"p95, {people} conversations offering {rate} msg/s ({backend})", p95, f"<= {p95_target} ms",
                          targeted(backend, p95 is not None and p95 <= p95_target
                                   and run["messages_per_second"] >= rate * 0.95),
                          f"{p95} ms ({run['messages_per_second']} msg/s answered)")
        if runs:
            right.plot([run["offered_messages_per_second"] for run in runs],
                       [run["latency"].get("p95_ms") or 0 for run in runs], marker="o", label=backend)
    for backend, result in data["backends"].items():
        errors = sum(run["errors"] for run in every_run(result))
        table.add(f"errors, every run ({backend})", errors, "0", targeted(backend, errors == 0))
    left.axhline(rate, color="red", linestyle="--", label="target")
    middle.axhline(p95_target, color="red", linestyle="--", label="target")
    right.axhline(p95_target, color="red", linestyle="--", label="target")
    left.set(xlabel="concurrent conversations", ylabel="messages / s", title="Throughput, no think time")
    middle.set(xlabel="concurrent conversations", ylabel="p95 ms", title="p95, no think time")
    right.set(xlabel=f"messages / s offered by {people} people", ylabel="p95 ms", title="p95, paced")
    left.set_ylim(bottom=0)
    middle.set_yscale("log")
    right.set_ylim(bottom=0)
    for axes in (left, middle, right):
        axes.legend()
    out.append("\nErrors seen: " + (", ".join(sorted({e for result in data["backends"].values()
                                                    for run in every_run(result)
                                                    for e in run["error_samples"]})) or "none")
               + ". `HTTP 200: []` is an answer with no reply message: the person would see nothing.\n")
    out.append(save(figure, "throughput.png") + "\n")


def growth(table: Table, out: List[str]) -> None:
    data = load("growth")
    out.append("## 4. Growth\n")
    if not data:
        table.add("turn 200 / turn 1 latency", None, "<= 1.3", None)
        out.append("Missing: bench/bench_growth.py has not run.\n")
        return
    long, store = data["long_conversation"], data["stored_conversations"]
    out.append(f"Method: {data['method']}\n\nRun {data['when']}, load average {data['machine']['load_average_1_5_15']}.\n")
    if data.get("note"):
        out.append(f"Note: {data['note']}.\n")
    checkpoints = long["checkpoints_ms"]
    last = max(checkpoints, key=int)
    table.add(f"turn {last} / turn 1 latency", long["ratio_last_to_first"], f"<= {data['target_ratio']}", long["meets_target"],
              f"{long['ratio_last_to_first']} ({checkpoints[last]} / {checkpoints['1']} ms)")
    whole = data.get("long_conversation_whole_session")
    out.append("| turn | " + " | ".join(checkpoints) + " | last / first |\n|---|" + "---|" * (len(checkpoints) + 1))
    out.append("| median ms, summary + last turns (default) | " + " | ".join(str(v) for v in checkpoints.values())
               + f" | {long['ratio_last_to_first']} |")
    if whole:
        out.append("| median ms, whole session loaded (Rasa 3.6) | "
                   + " | ".join(str(whole["checkpoints_ms"].get(k, "")) for k in checkpoints)
                   + f" | {whole['ratio_last_to_first']} |")
        out.append(f"\nAt turn {last} the default turn takes {checkpoints[last] / whole['checkpoints_ms'][last]:.2f} x "
                   "as long as with the whole session loaded, measured in the same run.")
    out.append("")
    out.append("| conversations generated into the store | new conversation turn 1 p50 / p95 | turn 2 p50 / p95 |\n|---|---|---|")
    for row in store:
        out.append(f"| {row['generated_conversations']:,} | {row['turn_1']['p50_ms']} / {row['turn_1']['p95_ms']} ms | "
                   f"{row['turn_2']['p50_ms']} / {row['turn_2']['p95_ms']} ms |")
    base = store[0]
    for row in store[1:]:
        ratio = row["turn_2"]["p50_ms"] / base["turn_2"]["p50_ms"]
        out.append(f"\nWith {row['generated_conversations']:,} stored conversations a new conversation's second turn "
                   f"takes {ratio:.2f} x as long as with none (no target set; informational).")
    out.append("")
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    per_turn = long["per_turn_median_ms"]
    left.plot(range(1, len(per_turn) + 1), per_turn, linewidth=0.8, label="summary + last turns (default)")
    if whole:
        left.plot(range(1, len(whole["per_turn_median_ms"]) + 1), whole["per_turn_median_ms"], linewidth=0.8,
                  color="grey", label="whole session loaded (Rasa 3.6)")
    left.plot([int(k) for k in checkpoints], list(checkpoints.values()), "o", color="black", label="checkpoints (mean of the 4-turn cycle)")
    left.axhline(checkpoints["1"] * data["target_ratio"], color="red", linestyle="--", label="1.3 x turn 1")
    left.set(xlabel="turn in one conversation", ylabel="REST round trip, ms", title="Latency as a conversation grows")
    left.legend(fontsize=8)
    sizes = [r["generated_conversations"] for r in store]
    positions = range(len(sizes))
    right.bar([p - 0.2 for p in positions], [r["turn_1"]["p50_ms"] for r in store], 0.4, label="turn 1 p50")
    right.bar([p + 0.2 for p in positions], [r["turn_2"]["p50_ms"] for r in store], 0.4, label="turn 2 p50")
    right.set_xticks(list(positions))
    right.set_xticklabels([f"{s:,}" for s in sizes])
    right.set(xlabel="generated conversations in the tracker store", ylabel="ms", title="New conversation vs stored ones")
    right.legend(fontsize=8)
    out.append(save(figure, "growth.png") + "\n")


def resources(table: Table, out: List[str]) -> None:
    data = load("startup")
    out.append("## 5. Training, start-up, memory\n")
    if not data:
        for name, target in (("training", "<= 180 s"), ("server ready", "<= 30 s"), ("Rasa server RSS", "<= 1.2 GB")):
            table.add(name, None, target, None)
        out.append("Missing: bench/bench_startup.py has not run.\n")
        return
    targets, start = data["targets"], data["start_up"]
    out.append(f"Method: {data['method']}\n\nRun {data['when']}, load average {data['machine']['load_average_1_5_15']}.\n")
    training = data.get("training")
    if training:
        table.add("full training (empty cache)", training["seconds"], f"<= {targets['training_seconds']} s",
                  training["seconds"] <= targets["training_seconds"], f"{training['seconds']} s")
        out.append(f"Training: {training['seconds']} s, peak RSS {training['peak_rss_mb']} MiB, model {training['model_mb']} MiB.")
    else:
        table.add("full training (empty cache)", None, f"<= {targets['training_seconds']} s", None)
        out.append("Training: not measured in this run.")
    table.add("server ready (start to first reply)", start["rasa_server_first_reply_seconds"], f"<= {targets['ready_seconds']} s",
              start["rasa_server_first_reply_seconds"] <= targets["ready_seconds"], f"{start['rasa_server_first_reply_seconds']} s")
    out.append(f"Start-up: action server ready in {start['action_server_ready_seconds']} s; Rasa server listening after "
               f"{start['rasa_server_listening_seconds']} s, first reply after {start['rasa_server_first_reply_seconds']} s.\n")
    peaks = {"start-up + 100 turns": (start["rasa_server_peak_rss_mb"], start["action_server_peak_rss_mb"])}
    for name in ("latency", "growth"):
        other = load(name)
        if other and other.get("server_memory"):
            peaks[name] = (other["server_memory"]["rasa_server_peak_rss_mb"], other["server_memory"]["action_server_peak_rss_mb"])
    for backend, result in (load("throughput") or {}).get("backends", {}).items():
        # (The production profile's processes are listed by name in throughput.json instead.)
        if result.get("server_memory", {}).get("rasa_server_peak_rss_mb"):
            peaks[f"throughput ({backend})"] = (result["server_memory"]["rasa_server_peak_rss_mb"],
                                                result["server_memory"]["action_server_peak_rss_mb"])
    worst = max(rasa for rasa, _ in peaks.values())
    table.add("Rasa server peak RSS (worst benchmark)", worst, "<= 1.2 GB (1229 MiB)", worst <= targets["rasa_server_rss_mb"],
              f"{worst} MiB")
    table.add("action server peak RSS (worst benchmark)", max(a for _, a in peaks.values()), "-", None,
              f"{max(a for _, a in peaks.values())} MiB")
    out.append("| run | Rasa server peak RSS | action server peak RSS |\n|---|---|---|")
    out.extend(f"| {name} | {rasa} MiB | {action} MiB |" for name, (rasa, action) in peaks.items())
    out.append("")
    figure, axes = plt.subplots(figsize=(9, 4))
    names = list(peaks)
    axes.bar([i - 0.2 for i in range(len(names))], [peaks[n][0] for n in names], 0.4, label="Rasa server")
    axes.bar([i + 0.2 for i in range(len(names))], [peaks[n][1] for n in names], 0.4, label="action server")
    axes.axhline(targets["rasa_server_rss_mb"], color="red", linestyle="--", label="Rasa server target")
    axes.set_xticks(range(len(names)))
    axes.set_xticklabels(names, fontsize=8)
    axes.set(ylabel="peak RSS, MiB", title="Peak memory of the servers, per benchmark run")
    axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1, 1))
    out.append(save(figure, "memory.png") + "\n")


def directory_and_staff(table: Table, out: List[str]) -> None:
    out.append("## 6. Referral lookup and staff list\n")
    directory = load("directory")
    if directory:
        out.append(f"Directory (bench/bench_directory.py, {directory['when']}): import a synthetic {directory['services']:,}-service "
                   "HSDS package, then 1,000 nearest-10-within-25-miles searches from random ZIP codes.\n")
        out.append("| database | import | search p50 | p95 | max | SQL alone p95 |\n|---|---|---|---|---|---|")
        for run in directory["runs"]:
            out.append(f"| {run['database']} | {run['import_seconds']} s | {run['search_p50_ms']} ms | {run['search_p95_ms']} ms | "
                       f"{run['search_max_ms']} ms | {run['sql_p95_ms']} ms |")
            table.add(f"directory nearest-10 p95 ({run['database']})", run["search_p95_ms"], "<= 5 ms", run["search_ok"],
                      f"{run['search_p95_ms']} ms")
            table.add(f"directory 100k import ({run['database']})", run["import_seconds"], "<= 60 s", run["import_ok"],
                      f"{run['import_seconds']} s")
        out.append("")
    else:
        table.add("directory nearest-10 p95", None, "<= 5 ms", None)
        table.add("directory 100k import", None, "<= 60 s", None)
        out.append("Directory: missing (bench/bench_directory.py has not written bench/results/directory.json).\n")
    staff = load("staff")
    if staff:
        out.append(f"Staff console (bench/bench_staff.py): conversation list over HTTP with 100,000 conversations / "
                   f"2,000,000 events, {staff['machine']}.\n")
        out.append("| database | page | p50 | p95 | max |\n|---|---|---|---|---|")
        figure, axes = plt.subplots(figsize=(10, 4))
        backends = list(staff["backends"])
        pages = list(next(iter(staff["backends"].values()))["pages"])
        for offset, backend in enumerate(backends):
            result = staff["backends"][backend]
            for page, figures in result["pages"].items():
                out.append(f"| {backend} | {page} | {figures['p50_ms']} ms | {figures['p95_ms']} ms | {figures['max_ms']} ms |")
            worst = max(p["p95_ms"] for p in result["pages"].values())
            table.add(f"staff list p95, worst page ({backend})", worst, f"<= {staff['target_p95_ms']} ms", result["meets_target"],
                      f"{worst} ms")
            axes.bar([i + (offset - 0.5) * 0.4 for i in range(len(pages))],
                     [result["pages"][p]["p95_ms"] for p in pages], 0.4, label=backend)
        axes.axhline(staff["target_p95_ms"], color="red", linestyle="--", label="target")
        axes.set_xticks(range(len(pages)))
        axes.set_xticklabels([p.replace("filtered: ", "") for p in pages], fontsize=8, rotation=10)
        axes.set(ylabel="p95 ms", title="Staff conversation list, 100,000 conversations")
        axes.legend(fontsize=8)
        out.append("")
        out.append(save(figure, "staff.png") + "\n")
    else:
        table.add("staff list p95", None, "<= 200 ms", None)
        out.append("Staff list: missing (bench/bench_staff.py has not written bench/results/staff.json).\n")


def lock_store(table: Table, out: List[str]) -> None:
    data = load("lock_store")
    out.append("## 7. Conversation lock store (several Rasa instances)\n")
    if not data:
        out.append("Missing: bench/bench_lock_store.py has not run.\n")
        return
    out.append(f"Method: {data['method']}. A ticket given out twice lets two turns of one "
               "conversation run at once.\n")
    out.append("| lock store | tickets | duplicate tickets | tickets/s |\n|---|---|---|---|")
    for name, figures in data["stores"].items():
        out.append(f"| {name} | {figures['tickets']} | {figures['duplicate_tickets']} | "
                   f"{figures['tickets_per_second']} |")
    ours = data["stores"]["AtomicRedisLockStore"]["duplicate_tickets"]
    table.add("duplicate lock tickets (AtomicRedisLockStore)", ours, "0", ours == 0)
    out.append("")


def redaction(table: Table, out: List[str]) -> None:
    data = load("redaction")
    out.append("## 8. Redaction of personal details (staff console)\n")
    if not data:
        table.add("redaction mean per message", None, "<= 2 ms", None)
        table.add("redaction, slowest pathological input", None, "<= 1000 ms", None)
        out.append("Missing: bench/bench_redaction.py has not run.\n")
        return
    targets, wall = data["targets"], data["per_message"]["wall"]
    out.append(f"Method: {data['method']}. Load average {data['machine']['load_average_1_5_15']}.\n")
    out.append(f"One message: mean {wall['mean_ms']} ms, p50 {wall['p50_ms']} ms, p95 {wall['p95_ms']} ms, "
               f"max {wall['max_ms']} ms (CPU mean {data['per_message']['cpu']['mean_ms']} ms). A list page's "
               f"previews: p95 {data['list_page']['p95_ms']} ms; a transcript of {data['transcript']['messages']} "
               f"messages: p95 {data['transcript']['p95_ms']} ms.\n")
    out.append("| pathological input | ms |\n|---|---|")
    out.extend(f"| {name} | {ms} |" for name, ms in data["pathological_ms"].items())
    table.add("redaction mean per message", wall["mean_ms"], f"<= {targets['mean_ms']:g} ms", data["mean_ok"],
              f"{wall['mean_ms']} ms")
    slowest = data["slowest_pathological"]
    table.add("redaction, slowest pathological input", data["pathological_ms"][slowest],
              f"<= {targets['pathological_ms']:g} ms", data["pathological_ok"],
              f"{data['pathological_ms'][slowest]} ms ({slowest})")
    out.append("")


def dated(name: str) -> str:
    data = load(name)
    if data is None:
        return "missing"
    if data.get("when"):
        speed = data.get("machine", {}).get("reference_task_ms")
        return data["when"] + (f" (reference task {speed} ms)" if speed else "")
    modified = (RESULTS_DIR / f"{name}.json").stat().st_mtime
    return datetime.fromtimestamp(modified, timezone.utc).isoformat(timespec="seconds") + " (file time)"


def main() -> None:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    table, sections = Table(), []
    understanding(table, sections)
    latency(table, sections)
    profile(sections)
    diet_prediction(sections)
    crisis_recognition(sections)
    language_detection(sections)
    throughput(table, sections)
    growth(table, sections)
    resources(table, sections)
    directory_and_staff(table, sections)
    lock_store(table, sections)
    redaction(table, sections)
    # Written by hand with each change; figures are from the runs that motivated them.
    sections.append((PROJECT_ROOT / "bench" / "optimisations.md").read_text(encoding="utf-8"))
    machine = next((d["machine"] for d in map(load, BENCHMARKS) if d and isinstance(d.get("machine"), dict)), {})
    when = {name: dated(name) for name in BENCHMARKS}
    header = [
        "# Benchmark report", "",
        "Written by bench/report.py from bench/results/*.json (`make bench` runs everything, then this).",
        f"Machine: {machine.get('cpus')} CPUs, {machine.get('memory_total_mb')} MiB, {machine.get('platform')}; "
        f"Python {machine.get('python')}; " + ", ".join(f"{k} {v}" for k, v in machine.get("versions", {}).items())
        + f"; model {machine.get('model')}.",
        "The 2 cores are shared with other work: wall-clock figures include its interference; each section gives "
        "the load average at the time. The machine's speed also changes from hour to hour: each result records "
        "how long a fixed piece of pure-Python work took when it was written (the reference task; "
        "bench/common.py), so that runs are compared only at about the same speed.", "",
        "Results dated: " + ", ".join(f"{name} {stamp}" for name, stamp in when.items()) + ".", "",
        "## Figures against targets", "", table.markdown(), "",
    ]
    REPORT.write_text("\n".join(header + sections) + "\n")
    print(f"wrote {REPORT.relative_to(PROJECT_ROOT)}")
    print(table.markdown())


if __name__ == "__main__":
    main()
