#!/usr/bin/env python3
"""The PyTorch side of ./lockey bench (protocol: README.md). Usage:
    run.py [--threads N] CASE_DIR...      time each case, write peer.json + peer_outputs.safetensors into it
    run.py --peak [--threads N] OUT.json  torch.mm 2048 x 2048 float32 rate
"""
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402
import st  # noqa: E402
import train_step  # noqa: E402

BUILDERS = {
    "hifigan.mel": models.LogMel,
    "hifigan.generator": models.HifiGanInfer,
    "encodec.seanet_decoder": models.SeanetDecoder,
    "silentcipher.decode": models.Decode,
    "silentcipher.embed": models.Embed,
    "lockey.train_step": train_step.TrainStep,
}


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=2)
    os.replace(tmp, path)


def run_case(d, threads):
    with open(os.path.join(d, "case.json")) as f:
        case = json.load(f)
    comp = case["component"]
    if comp not in BUILDERS:
        raise SystemExit(f"{d}: component {comp} is not implemented by the peer")
    wpath = os.path.join(d, "weights.safetensors")
    weights = st.load(wpath)[0] if os.path.exists(wpath) else {}
    inputs = st.load(os.path.join(d, "inputs.safetensors"))[0]
    module = BUILDERS[comp](case["config"], weights)
    args = [inputs[n] for n in case["inputs"]]
    training = comp == "lockey.train_step"
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
    if "--threads" in args:
        i = args.index("--threads")
        threads = int(args[i + 1])
        del args[i:i + 2]
    torch.set_num_threads(threads)
    if not args:
        raise SystemExit(__doc__)
    if want_peak:
        peak(threads, args[0])
        return
    for d in args:
        run_case(d, threads)


if __name__ == "__main__":
    main(sys.argv[1:])
