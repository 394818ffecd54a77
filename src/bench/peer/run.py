#!/usr/bin/env python3
"""The PyTorch side of ./lockey bench (protocol: README.md). Usage:
    run.py [--threads N] CASE_DIR...      time each case, write peer.json + peer_outputs.safetensors into it
    run.py --peak [--threads N] OUT.json  torch.mm 2048 x 2048 float32 rate
    run.py --profile OUT.tsv [--threads N] CASE_DIR
                                          per-op self time of the timed calls (torch.profiler), as TSV
    run.py --serve [--threads N]          persistent peer: one command per line on stdin, one reply line on
                                          stdout (load DIR | warmup N | time N | quit); ./lockey bench --peer
                                          uses this to interleave its calls with ours
"""
import gc
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402
import st  # noqa: E402
import codec_step  # noqa: E402
import train_step  # noqa: E402
import vocoder_step  # noqa: E402
import watermark_step  # noqa: E402

BUILDERS = {
    "hifigan.mel": models.LogMel,
    "hifigan.generator": models.HifiGanInfer,
    "encodec.seanet_decoder": models.SeanetDecoder,
    "silentcipher.decode": models.Decode,
    "silentcipher.embed": models.Embed,
    "lockey.train_step": train_step.TrainStep,
    "silentcipher.train_step": watermark_step.WatermarkTrainStep,
    "hifigan.train_step": vocoder_step.VocoderTrainStep,
    "encodec.train_step": codec_step.CodecTrainStep,
}
TRAINING = {"lockey.train_step", "silentcipher.train_step", "hifigan.train_step", "encodec.train_step"}


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=2)
    os.replace(tmp, path)


def build_case(d):
    """(case, module, args, training) of a case directory."""
    with open(os.path.join(d, "case.json")) as f:
        case = json.load(f)
    comp = case["component"]
    if comp not in BUILDERS:
        raise SystemExit(f"{d}: component {comp} is not implemented by the peer")
    wpath = os.path.join(d, "weights.safetensors")
    weights = st.load(wpath)[0] if os.path.exists(wpath) else {}
    inputs = st.load(os.path.join(d, "inputs.safetensors"))[0]
    return case, BUILDERS[comp](case["config"], weights), [inputs[n] for n in case["inputs"]], comp in TRAINING


def call(module, args, training):
    if training:
        return module(*args)
    with torch.inference_mode():
        return module(*args)


def profile_case(d, threads, out):
    """Self CPU time per op (exclusive of its children) over the case's timed calls, per call, as TSV:
    the same layout as ./lockey bench --profile (op, pass, engine, category, count/call, ms/call, share)."""
    from torch.profiler import ProfilerActivity, profile
    case, module, args, training = build_case(d)
    for _ in range(case["warmup"]):
        call(module, args, training)
    reps = case["reps"]
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        t0 = time.perf_counter()
        for _ in range(reps):
            call(module, args, training)
        wall = (time.perf_counter() - t0) * 1000 / reps
    rows = []
    for e in prof.key_averages():
        ms = e.self_cpu_time_total / 1000 / reps
        if ms <= 0:
            continue
        name = e.key
        backward = "backward" in name.lower() or name.startswith("autograd::")
        rows.append((name, "backward" if backward else "forward", e.count / reps, ms))
    rows.sort(key=lambda r: -r[3])
    inside = sum(r[3] for r in rows)
    lines = [f"# case {case['name']}, {reps} calls, wall {wall:.3f} ms per call, in profiled ops {inside:.3f} ms "
             f"(torch {torch.__version__}, {threads} threads; self CPU time)",
             "op\tpass\tengine\tcategory\tcount_per_call\tms_per_call\tshare"]
    for name, ps, n, ms in rows:
        engine = "onednn" if "mkldnn" in name else "-"
        lines.append(f"{name}\t{ps}\t{engine}\t{torch_category(name)}\t{n:.1f}\t{ms:.3f}\t{ms / wall:.4f}")
    lines.append(f"(outside profiled ops)\t-\t-\t-\t-\t{wall - inside:.3f}\t{(wall - inside) / wall:.4f}")
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, out)
    print(f"{case['name']:<24} torch profile: {wall:.1f} ms per call, {inside:.1f} ms in ops -> {out}", flush=True)


def torch_category(name):
    n = name.lower()
    for cat, keys in (("transposed conv", ("conv_transpose", "deconv")), ("conv", ("conv",)),
                      ("matmul", ("mm", "matmul", "linear", "addmm", "bmm")),
                      ("activation", ("relu", "tanh", "sigmoid", "softmax", "elu")),
                      ("optimizer", ("adam", "optimizer", "_foreach")),
                      ("layout/copy", ("copy", "cat", "pad", "slice", "select", "view", "reshape", "permute",
                                       "transpose", "contiguous", "stack", "unsqueeze", "squeeze", "expand",
                                       "narrow", "split", "clone", "as_strided", "empty", "zero", "fill")),
                      ("reduction", ("sum", "mean", "norm", "max", "min")),
                      ("elementwise", ("add", "sub", "mul", "div", "pow", "sqrt", "exp", "log", "abs", "neg",
                                       "where", "clamp", "rsqrt", "reciprocal", "sin", "cos", "atan"))):
        if any(k in n for k in keys):
            return cat
    return "other"


def run_case(d, threads):
    case, module, args, training = build_case(d)
    comp = case["component"]
    times, first = [], None
    for i in range(case["warmup"] + case["reps"]):
        t0 = time.perf_counter()
        if training:
            out = module(*args)
        else:
            with torch.inference_mode():
                out = module(*args)
        ms = (time.perf_counter() - t0) * 1000
        if first is None:
            first = {k: out[k].detach().float().contiguous() for k in case["outputs"]}
        if i >= case["warmup"]:
            times.append(ms)
    st.save(os.path.join(d, "peer_outputs.safetensors"), first)
    write_json(os.path.join(d, "peer.json"), {"name": case["name"], "component": comp, "times_ms": times,
                                              "torch_version": torch.__version__, "threads": threads, "notes": ""})
    times.sort()
    print(f"{case['name']:<24} torch: median {times[len(times) // 2]:.1f} ms ({len(times)} calls, {threads} threads)",
          flush=True)


REPLY = "@peer"


class Served:
    """The case loaded in --serve mode: its module built once; the first call's outputs go to the case directory."""

    def __init__(self, d):
        self.dir = d
        self.case, self.module, self.args, self.training = build_case(d)
        self.calls_done = 0

    def calls(self, n):
        """n calls one by one; the wall time of each in ms (time.perf_counter)."""
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            out = call(self.module, self.args, self.training)
            times.append((time.perf_counter() - t0) * 1000)
            if self.calls_done == 0:
                first = {k: out[k].detach().float().contiguous() for k in self.case["outputs"]}
                st.save(os.path.join(self.dir, "peer_outputs.safetensors"), first)
            self.calls_done += 1
        return times


def serve(threads, stdin=sys.stdin, stdout=sys.stdout):
    """The line protocol of README.md: every command gets exactly one reply line starting with '@peer ok' or
    '@peer error'; anything else the peer prints is a log line."""
    served = None

    def reply(*words):
        stdout.write(" ".join([REPLY] + [str(w) for w in words]) + "\n")
        stdout.flush()

    for line in stdin:
        parts = line.strip().split(maxsplit=1)
        if not parts:
            continue
        cmd, arg = parts[0], (parts[1] if len(parts) > 1 else "")
        try:
            if cmd == "load":
                served = None
                gc.collect()
                served = Served(arg)
                reply("ok", served.case["name"], torch.__version__, threads)
            elif cmd in ("warmup", "time"):
                if served is None:
                    raise ValueError("no case loaded")
                times = served.calls(int(arg))
                reply("ok", *(["%.6f" % t for t in times] if cmd == "time" else []))
            elif cmd == "quit":
                reply("ok", "bye")
                return
            else:
                raise ValueError(f"unknown command '{cmd}'")
        except Exception as e:  # noqa: BLE001 (every failure becomes one reply line)
            reply("error", f"{type(e).__name__}: {e}".replace("\n", " "))


def peak(threads, out):
    n = 2048
    a, b = torch.rand(n, n), torch.rand(n, n)
    t = []
    for i in range(13):
        t0 = time.perf_counter()
        torch.mm(a, b)
        if i >= 3:
            t.append(time.perf_counter() - t0)
    t.sort()
    med = (t[4] + t[5]) / 2
    write_json(out, {"gflops": 2 * n ** 3 / med / 1e9, "threads": threads, "torch_version": torch.__version__})


def main(argv):
    threads = torch.get_num_threads()
    args = list(argv)
    want_peak = "--peak" in args
    if want_peak:
        args.remove("--peak")
    want_serve = "--serve" in args
    if want_serve:
        args.remove("--serve")
    prof_out = None
    if "--profile" in args:
        i = args.index("--profile")
        prof_out = args[i + 1]
        del args[i:i + 2]
    if "--threads" in args:
        i = args.index("--threads")
        threads = int(args[i + 1])
        del args[i:i + 2]
    torch.set_num_threads(threads)
    if want_serve:
        serve(threads)
        return
    if not args:
        raise SystemExit(__doc__)
    if want_peak:
        peak(threads, args[0])
        return
    if prof_out is not None:
        profile_case(args[0], threads, prof_out)
        return
    for d in args:
        run_case(d, threads)


if __name__ == "__main__":
    main(sys.argv[1:])
