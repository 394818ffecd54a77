"""Expected STOI values for org.lockey.metric.StoiTest, computed by pystoi (classic STOI, extended=False).

pystoi (https://github.com/mpariente/pystoi, MIT) is not vendored here: put its package on PYTHONPATH,
    PYTHONPATH=/path/to/pystoi-checkout python3 make_expected.py > expected.csv
The values in expected.csv came from pystoi/stoi.py at commit 5698450d and pystoi/utils.py at commit b88df5a7
(resample_oct: scipy.signal.resample_poly with pystoi's Octave-style Kaiser window) on numpy 2.4.6, scipy 1.17.1.

Every case scores a degraded version of one clean clip against the clip. The degradations are rebuilt
bit for bit in Java (StoiTest), so only the recipe is stored, not the audio:
  identical  y = x
  noise      y = float32(x + g n), n uniform in [-1, 1) from SplitMix64(seed) (below), g sets the SNR in dB
  lowpass    y = float32(moving average of x over the last `param` samples, zeros before the start)
Both signals are float32 (as the project's audio is) and handed to pystoi as float64. `rate` is the rate
given to pystoi: 22050 (the clip's own: resampling to 10 kHz included), 10000 (no resampling: the core
alone) and 32000 (the same samples declared at 32 kHz: another resampling ratio). `samples` > 0 cuts the clip to
that many samples first: 256 + 128 m at 10 kHz puts a frame start at exactly length - 256, which pystoi's
silent-frame removal leaves out (its exclusive range bound).
"""
import sys

import numpy as np
import scipy.io.wavfile

import pystoi

CLIP = "reference-data/speech/034.wav"  # relative to the repository root
MASK = (1 << 64) - 1


def splitmix64_uniform(seed, n):
    """n doubles in [-1, 1): SplitMix64 (Steele et al. 2014; java.util.SplittableRandom's mixer), 53 high bits."""
    out = np.empty(n)
    state = seed & MASK
    for i in range(n):
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        z = z ^ (z >> 31)
        out[i] = 2.0 * ((z >> 11) * 2.0 ** -53) - 1.0
    return out


def degrade(x, kind, param, seed):
    x64 = x.astype(np.float64)
    if kind == "identical":
        return x.copy()
    if kind == "noise":
        n = splitmix64_uniform(seed, len(x))
        g = np.sqrt(np.sum(x64 * x64) / (np.sum(n * n) * 10.0 ** (param / 10.0)))
        return (x64 + g * n).astype(np.float32)
    if kind == "lowpass":
        k = int(param)
        return (np.convolve(x64, np.ones(k))[: len(x)] / k).astype(np.float32)
    raise ValueError(kind)


CASES = [  # name, rate given to pystoi, kind, param, seed, samples (0: the whole clip)
    ("identical", 22050, "identical", 0, 0, 0),
    ("noise_-5db", 22050, "noise", -5, 11, 0),
    ("noise_0db", 22050, "noise", 0, 12, 0),
    ("noise_5db", 22050, "noise", 5, 13, 0),
    ("noise_10db", 22050, "noise", 10, 14, 0),
    ("noise_20db", 22050, "noise", 20, 15, 0),
    ("lowpass_8", 22050, "lowpass", 8, 0, 0),
    ("lowpass_32", 22050, "lowpass", 32, 0, 0),
    ("core_noise_0db", 10000, "noise", 0, 21, 0),
    ("core_lowpass_4", 10000, "lowpass", 4, 0, 0),
    ("at32k_noise_5db", 32000, "noise", 5, 31, 0),
    ("core_exact_frames", 10000, "noise", 5, 41, 256 + 128 * 300),
]


def main():
    rate, pcm = scipy.io.wavfile.read(CLIP)
    assert rate == 22050 and pcm.dtype == np.int16
    x = (pcm / 32768.0).astype(np.float32)
    print("case,clip,rate,kind,param,seed,samples,stoi")
    for name, fs, kind, param, seed, samples in CASES:
        xc = x[:samples] if samples > 0 else x
        y = degrade(xc, kind, param, seed)
        d = pystoi.stoi(xc.astype(np.float64), y.astype(np.float64), fs, extended=False)
        print(f"{name},{CLIP},{fs},{kind},{param},{seed},{samples},{float(d)!r}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
