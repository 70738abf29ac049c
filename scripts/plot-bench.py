#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Plot the channel benchmarks: throughput and latency.

    scripts/plot-bench.py FANOUT_LOG E2E_LOG OUT.png

FANOUT_LOG is the output of scripts/bench-fanout.sh, E2E_LOG that of
scripts/bench-e2e.sh; their median lines are plotted. Needs Debian's
python3-matplotlib (hence /usr/bin/python3).
"""
import re
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt


def fanout(path):
    """{payload: (zero-copy, copy, txonly)} in Mpps."""
    out = {}
    pat = re.compile(r"^payload (\d+): medians .*: zero-copy ([\d.]+) Mpps, "
                     r"copy ([\d.]+) Mpps, testpmd txonly ([\d.]+) Mpps")
    for line in open(path):
        m = pat.match(line)
        if m:
            out[int(m.group(1))] = tuple(float(m.group(i)) for i in (2, 3, 4))
    return out


def e2e(path):
    """Rates (rumor, kernel) in msg/s and latencies {path: (p50, p99)} in us.

    Device path: rumor's probe and the kernel relays blocking (the
    "latency:" line), the kernel relays polling; user-facing path, when the
    log has it: rumor through taps and kernel clients.
    """
    rate = None
    lat = {}
    num = r"([\d.]+)"
    for line in open(path):
        m = re.match(r"^rate per forwarding core: rumor ([\d.]+) msg/s, "
                     r"kernel ([\d.]+) msg/s", line)
        if m:
            rate = (float(m.group(1)), float(m.group(2)))
        m = re.match(r"^latency: rumor p50 %s us p99 %s us, kernel p50 %s us "
                     r"p99 %s us" % (num, num, num, num), line)
        if m:
            v = [float(m.group(i)) for i in range(1, 5)]
            lat["rumor\n(memif, probe)"] = (v[0], v[1])
            lat["kernel relays\nblocking"] = (v[2], v[3])
        m = re.match(r"^latency, kernel relays polling: kernel p50 %s us "
                     r"p99 %s us" % (num, num), line)
        if m:
            lat["kernel relays\npolling"] = (float(m.group(1)),
                                              float(m.group(2)))
        m = re.match(r"^latency, user-facing path .*: rumor p50 %s us p99 %s "
                     r"us, kernel p50 %s us p99 %s us" % (num, num, num, num),
                     line)
        if m:
            v = [float(m.group(i)) for i in range(1, 5)]
            lat["rumor, taps\n(user-facing)"] = (v[0], v[1])
            lat["kernel clients\n(user-facing)"] = (v[2], v[3])
    if rate is None or not lat:
        sys.exit("plot-bench: no medians in " + path)
    order = ["rumor\n(memif, probe)", "kernel relays\nblocking",
             "kernel relays\npolling", "rumor, taps\n(user-facing)",
             "kernel clients\n(user-facing)"]
    return rate, {k: lat[k] for k in order if k in lat}


def label(ax, bars, fmt):
    for b in bars:
        h = b.get_height()
        ax.annotate(fmt(h) if callable(fmt) else fmt % h,
                    (b.get_x() + b.get_width() / 2, h),
                    ha="center", va="bottom", fontsize=8)


def us(v):
    """A latency label: whole microseconds from 100 up."""
    return "%.0f" % v if v >= 100 else "%.3g" % v


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    fo = fanout(sys.argv[1])
    (r_mps, k_mps), lat = e2e(sys.argv[2])
    fig, ax = plt.subplots(1, 3, figsize=(15, 4.4))

    payloads = sorted(fo, reverse=True)
    names = ["zero-copy", "copy", "testpmd txonly"]
    w = 0.26
    for i, name in enumerate(names):
        xs = [j + (i - 1) * w for j in range(len(payloads))]
        bars = ax[0].bar(xs, [fo[p][i] for p in payloads], w, label=name)
        label(ax[0], bars, "%.1f")
    ax[0].set_xticks(range(len(payloads)))
    ax[0].set_xticklabels(["%d-byte payload" % p for p in payloads])
    ax[0].set_ylabel("packets out, Mpps")
    ax[0].set_title("fan-out to k=4, one lcore, net_null")
    ax[0].legend(fontsize=8, loc="upper left")
    ax[0].set_ylim(0, max(v for t in fo.values() for v in t) * 1.25)

    bars = ax[1].bar(["rumor\n(2 lcores, memif)", "kernel relays\n(2 cores, UDP)"],
                     [r_mps / 1e6, k_mps / 1e6], color=["C0", "C3"])
    label(ax[1], bars, "%.2f")
    ax[1].set_ylabel("messages/s per forwarding core (millions)")
    ax[1].set_title("publisher -> A -> B -> subscriber")

    names = list(lat)
    p50 = [lat[n][0] for n in names]
    p99 = [lat[n][1] for n in names]
    xs = list(range(len(names)))
    b1 = ax[2].bar([x - 0.2 for x in xs], p50, 0.4, label="p50")
    b2 = ax[2].bar([x + 0.2 for x in xs], p99, 0.4, label="p99")
    label(ax[2], b1, us)
    label(ax[2], b2, us)
    ax[2].set_xticks(xs)
    ax[2].set_xticklabels(names, fontsize=7)
    ax[2].set_yscale("log")
    ax[2].set_ylim(min(p50) / 2, max(p99) * 3)
    ax[2].set_ylabel("one-way latency, us (log)")
    ax[2].set_title("latency, same path, paced")
    ax[2].legend(fontsize=8, loc="upper left")

    fig.suptitle("rumor channel benchmarks, 2 vCPU KVM (shared, noisy): "
                 "medians", fontsize=10)
    fig.tight_layout()
    fig.savefig(sys.argv[3], dpi=100)


if __name__ == "__main__":
    main()
