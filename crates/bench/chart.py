"""Draws docs/benchmarks.png from the figures bridge-bench wrote (docs/benchmarks.json)."""

import json
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def median_of(runs, key):
    return statistics.median(r[key] for r in runs)


def warm(runs, q):
    per_run = []
    for r in runs:
        values = sorted(r["warm_ms"])
        per_run.append(values[min(len(values) - 1, int(q * len(values)))])
    return statistics.median(per_run)


def main(src, dst):
    data = json.load(open(src))
    rust, py = data["runs"]["rust"], data["runs"]["python"]
    panels = [
        ("Init with TLS (exec → first /next), ms", median_of(rust, "init_ms"), median_of(py, "init_ms")),
        ("Warm handler time p50, ms", warm(rust, 0.5), warm(py, 0.5)),
        ("Warm handler time p99, ms", warm(rust, 0.99), warm(py, 0.99)),
        ("RSS idle, MiB", median_of(rust, "idle_rss_kib") / 1024, median_of(py, "idle_rss_kib") / 1024),
    ]
    fig, axes = plt.subplots(1, len(panels), figsize=(14, 3.6))
    for ax, (title, r, p) in zip(axes, panels):
        bars = ax.bar(["Rust bridge", "Python baseline"], [r, p], color=["#d9622b", "#3572a5"])
        ax.set_title(title, fontsize=10)
        ax.bar_label(bars, fmt="%.3g", fontsize=9)
        ax.margins(y=0.2)
    fig.suptitle(
        "AgentCore webhook bridge: Rust vs Python (same local runtime, AgentCore over TLS, instant agent; lower is better)"
    )
    fig.tight_layout()
    fig.savefig(dst, dpi=110)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
