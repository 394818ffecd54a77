#!/usr/bin/env python3
"""Runs the peer's modules on the golden files (the repository's golden/ by default); exit 1 on any failure."""
import glob
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402
import st  # noqa: E402
import train_step  # noqa: E402


def grade(name, ours, ref, tol):
    err = (ours.double() - ref.double()).abs().max().item()
    bound = tol * max(1.0, ref.double().abs().max().item())
    ok = err <= bound
    print(f"  {name:<32} max|diff| {err:.3e}  bound {bound:.3e}  {'PASS' if ok else 'FAIL'}")
    return ok


def main(golden):
    ok = True
    for f in sorted(glob.glob(os.path.join(golden, "*.io.safetensors"))):
        t, meta = st.load(f)
        comp = meta["component"]
        cfg = json.loads(meta["config"])
        tol = float(meta["tolerance"])
        w = st.load(os.path.join(golden, meta["weights"]))[0] if meta.get("weights") else {}
        outs = json.loads(meta["outputs"])
        with torch.no_grad():
            if comp == "hifigan.mel":
                got = models.LogMel(cfg)(t["audio"])
                got["mel_basis"] = models.LogMel(cfg).basis
            elif comp == "hifigan.generator":
                got = models.HifiGanInfer(cfg, w)(t["mel"])
            elif comp == "encodec.seanet_decoder":
                got = models.SeanetDecoder(cfg, w)(t["latent"])
            elif comp == "silentcipher.decode":
                got = models.Decode(cfg, w)(t["audio_watermarked"])
            elif comp == "silentcipher.embed":
                got = models.Embed(cfg, w)(t["audio"], t["message_symbols"])
                outs = ["audio_watermarked"]
            elif comp == "lockey.losses" and "total" in outs:
                lam = t["lambdas"].tolist()
                got = {"total": train_step.losses(t["audio"], t["teacher"], t["decoder_logits"], t["symbols"], t["valid"],
                                                  t["verifier_logits"], t["tau"], lam)}
                outs = ["total"]
            elif comp == "lockey.keyed_hifigan":
                g = models.HifiGan(cfg, w)
                kv = train_step.key_vector(w, t["key_bits"])
                got = {"audio": g.forward(w, t["mel"], kv), "key_vector": kv,
                       "verifier_logits": train_step.verifier(w, kv)}
                outs = ["audio", "key_vector", "verifier_logits"]
            else:
                continue
        print(os.path.basename(f), comp)
        for o in outs:
            ok &= grade(o, got[o], t[o], tol)
    return ok


if __name__ == "__main__":
    sys.exit(0 if main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "golden")) else 1)
