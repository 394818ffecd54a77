"""The benchmarked components in plain PyTorch, written from golden/README.md (no upstream code).

Every module takes a config dict (the golden-metadata schema) and a state dict under the upstream keys.
"""
import math

import numpy as np
import torch
import torch.nn.functional as F


def folded(sd, prefix):
    """The effective weight of a weight-normed layer: g * v / ||v|| (norm over every dim but 0)."""
    if prefix + ".weight" in sd:
        return sd[prefix + ".weight"]
    g, v = sd[prefix + ".weight_g"], sd[prefix + ".weight_v"]
    norm = v.pow(2).sum(dim=tuple(range(1, v.dim())), keepdim=True).sqrt()
    return g * v / norm


# ---------------------------------------------------------------- hifigan.mel (meldataset.mel_spectrogram)
def slaney_mel_basis(sr, n_fft, n_mels, fmin, fmax):
    """librosa.filters.mel defaults (htk=False, norm='slaney'), in float64, returned as float32."""
    f_sp = 200.0 / 3
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = math.log(6.4) / 27.0

    def hz_to_mel(f):
        f = np.asarray(f, dtype=np.float64)
        return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-10) / min_log_hz) / logstep, f / f_sp)

    def mel_to_hz(m):
        m = np.asarray(m, dtype=np.float64)
        return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)

    fft = np.linspace(0, sr / 2.0, 1 + n_fft // 2)
    hz = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    fdiff = np.diff(hz)
    ramps = hz[:, None] - fft[None, :]
    w = np.zeros((n_mels, len(fft)))
    for i in range(n_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        w[i] = np.maximum(0, np.minimum(lower, upper))
    w *= (2.0 / (hz[2:n_mels + 2] - hz[:n_mels]))[:, None]
    return torch.from_numpy(w.astype(np.float32))


class LogMel:
    def __init__(self, cfg, sd=None):
        self.c = cfg
        fmax = cfg.get("fmax")
        fmax = cfg["sampling_rate"] / 2.0 if fmax is None else fmax
        self.basis = slaney_mel_basis(cfg["sampling_rate"], cfg["n_fft"], cfg["num_mels"], cfg["fmin"], fmax)
        self.window = torch.hann_window(cfg["win_size"])

    def __call__(self, audio):
        c = self.c
        p = (c["n_fft"] - c["hop_size"]) // 2
        y = F.pad(audio.unsqueeze(1), (p, p), mode="reflect").squeeze(1)
        spec = torch.stft(y, c["n_fft"], hop_length=c["hop_size"], win_length=c["win_size"], window=self.window,
                          center=bool(c.get("center", False)), pad_mode="reflect", normalized=False, onesided=True,
                          return_complex=True)
        mag = torch.sqrt(spec.real ** 2 + spec.imag ** 2 + 1e-9)
        return {"mel": torch.log(torch.clamp(torch.matmul(self.basis, mag), min=1e-5))}


# ---------------------------------------------------------------- hifigan.generator (models.Generator)
class HifiGan:
    """Weight norm folded once (inference) or kept in the graph (training: pass a params dict of leaves)."""

    def __init__(self, cfg, sd):
        self.c = cfg
        self.sd = sd
        self.nk = len(cfg["resblock_kernel_sizes"])

    def w(self, p, prefix):
        return folded(p, prefix)

    def forward(self, p, mel, key_vector=None):
        c = self.c
        x = F.conv1d(mel, self.w(p, "conv_pre"), p["conv_pre.bias"], padding=3)
        for i, (u, k) in enumerate(zip(c["upsample_rates"], c["upsample_kernel_sizes"])):
            x = F.leaky_relu(x, 0.1)
            x = F.conv_transpose1d(x, self.w(p, f"ups.{i}"), p[f"ups.{i}.bias"], stride=u, padding=(k - u) // 2)
            if i == 0 and key_vector is not None:
                x = x + key_vector[:, :, None]
            xs = None
            for j, (rk, dils) in enumerate(zip(c["resblock_kernel_sizes"], c["resblock_dilation_sizes"])):
                r = self.resblock(p, f"resblocks.{i * self.nk + j}", x, rk, dils)
                xs = r if xs is None else xs + r
            x = xs / self.nk
        x = F.leaky_relu(x, 0.01)
        x = F.conv1d(x, self.w(p, "conv_post"), p["conv_post.bias"], padding=3)
        return torch.tanh(x)

    def resblock(self, p, pre, x, k, dils):
        if str(self.c["resblock"]) == "1":
            for m, d in enumerate(dils):
                xt = F.leaky_relu(x, 0.1)
                xt = F.conv1d(xt, self.w(p, f"{pre}.convs1.{m}"), p[f"{pre}.convs1.{m}.bias"], dilation=d,
                              padding=d * (k - 1) // 2)
                xt = F.leaky_relu(xt, 0.1)
                xt = F.conv1d(xt, self.w(p, f"{pre}.convs2.{m}"), p[f"{pre}.convs2.{m}.bias"], padding=(k - 1) // 2)
                x = xt + x
        else:
            for m, d in enumerate(dils):
                xt = F.leaky_relu(x, 0.1)
                xt = F.conv1d(xt, self.w(p, f"{pre}.convs.{m}"), p[f"{pre}.convs.{m}.bias"], dilation=d,
                              padding=d * (k - 1) // 2)
                x = xt + x
        return x


def folded_state_dict(sd):
    """The state dict with every weight-normed pair (weight_g, weight_v) folded into one weight."""
    p = {}
    for k in sd:
        if k.endswith(".weight_v"):
            pre = k[:-len(".weight_v")]
            p[pre + ".weight"] = folded(sd, pre)
        elif not k.endswith(".weight_g"):
            p[k] = sd[k]
    return p


class HifiGanInfer:
    def __init__(self, cfg, sd):
        self.g = HifiGan(cfg, sd)
        self.p = folded_state_dict(sd)   # weight norm folded once, as an inference export would

    def __call__(self, mel):
        return {"audio": self.g.forward(self.p, mel)}


# ---------------------------------------------------------------- encodec.seanet_decoder (SEANetDecoder)
class SeanetDecoder:
    def __init__(self, cfg, sd):
        self.c = cfg
        self.p = folded_state_dict(sd)
        self.alpha = (cfg.get("activation_params") or {}).get("alpha", 1.0)
        self.lstm = None
        if cfg["lstm"]:
            ch = cfg["n_filters"] * 2 ** len(cfg["ratios"])
            self.lstm = torch.nn.LSTM(ch, ch, cfg["lstm"])
            with torch.no_grad():
                for name, prm in self.lstm.named_parameters():
                    prm.copy_(sd["model.1.lstm." + name])

    def sconv(self, x, pre, k, stride=1, dilation=1):
        w = self.p[pre + ".conv.conv.weight"]
        b = self.p[pre + ".conv.conv.bias"]
        k_eff = (k - 1) * dilation + 1
        total = k_eff - stride
        length = x.shape[-1]
        n_frames = (length - k_eff + total) / stride + 1
        ideal = (math.ceil(n_frames) - 1) * stride + (k_eff - total)
        extra = ideal - length
        right = total // 2
        left = total - right
        if self.c["pad_mode"] == "reflect":
            max_pad = max(left, right + extra)
            add = 0
            if length <= max_pad:
                add = max_pad - length + 1
                x = F.pad(x, (0, add))
            x = F.pad(x, (left, right + extra), mode="reflect")
            if add:
                x = x[..., :x.shape[-1] - add]
        else:
            x = F.pad(x, (left, right + extra))
        return F.conv1d(x, w, b, stride=stride, dilation=dilation)

    def __call__(self, latent):
        c = self.c
        elu = lambda t: F.elu(t, self.alpha)
        i = 0
        x = self.sconv(latent, f"model.{i}", c["kernel_size"])
        i += 1
        if self.lstm is not None:
            y, _ = self.lstm(x.permute(2, 0, 1))
            x = (y + x.permute(2, 0, 1)).permute(1, 2, 0)
            i += 1
        for r in c["ratios"]:
            x = elu(x)
            i += 1
            w = self.p[f"model.{i}.convtr.convtr.weight"]
            x = F.conv_transpose1d(x, w, self.p[f"model.{i}.convtr.convtr.bias"], stride=r)
            total = 2 * r - r
            right = total // 2
            left = total - right
            x = x[..., left:x.shape[-1] - right]
            i += 1
            for j in range(c["n_residual_layers"]):
                pre = f"model.{i}"
                h = self.sconv(elu(x), pre + ".block.1", c["residual_kernel_size"], dilation=c["dilation_base"] ** j)
                h = self.sconv(elu(h), pre + ".block.3", 1)
                x = (x if c["true_skip"] else self.sconv(x, pre + ".shortcut", 1)) + h
                i += 1
        x = elu(x)
        i += 1
        return {"audio": self.sconv(x, f"model.{i}", c["last_kernel_size"])}


# ---------------------------------------------------------------- silentcipher.decode (dec_m_0)
AVERAGE_ENERGY_VCTK = 0.002837200844477648


def gated_layer(p, pre, x, pad):
    h = F.conv2d(x, p[pre + ".conv.weight"], p[pre + ".conv.bias"], padding=pad)
    g = F.conv2d(x, p[pre + ".gate.weight"], p[pre + ".gate.bias"], padding=pad)
    return F.batch_norm(h * torch.sigmoid(g), None, None, p[pre + ".bn.weight"], p[pre + ".bn.bias"], training=True,
                        eps=1e-5)


def msg_decoder(p, magnitude):
    """dec_m_0: Layers at main.1, 3, ... (3x3 pad 1, batch-statistics BN), then linear over frequency."""
    idx = sorted({int(k.split(".")[2]) for k in p if k.startswith("dec_m_0.main.") and k.endswith(".conv.weight")})
    x = magnitude
    for i in idx:
        x = gated_layer(p, f"dec_m_0.main.{i}", x, 1)
    y = F.linear(x.transpose(2, 3), p["dec_m_0.linear.weight"], p["dec_m_0.linear.bias"])  # [B, D, T, 1]
    return y.permute(0, 3, 1, 2)                                                              # [B, 1, D, T]


def carrier(cfg, y, eps=0.0):
    """Power-normalised, right-padded, centred STFT magnitude [B, F, T] of y [B, L]."""
    n_fft, hop = cfg["N_FFT"], cfg["HOP_LENGTH"]
    y = y * torch.sqrt(AVERAGE_ENERGY_VCTK / y.pow(2).mean(dim=1, keepdim=True))
    pad = n_fft - y.shape[1] % n_fft
    y = F.pad(y, (0, pad))
    spec = torch.stft(y, n_fft, hop_length=hop, window=torch.hann_window(n_fft), center=True, pad_mode="reflect",
                      return_complex=True)
    return spec, torch.sqrt(spec.real ** 2 + spec.imag ** 2 + eps), pad


class Decode:
    def __init__(self, cfg, sd):
        self.c, self.p = cfg, sd

    def __call__(self, audio_watermarked):
        _, mag, _ = carrier(self.c, audio_watermarked)
        band = mag[:, None, :self.c["message_band_size"], :]
        return {"decoder_out": msg_decoder(self.p, band)}


# ---------------------------------------------------------------- silentcipher.embed (server.Model.encode_wav)
class Embed:
    def __init__(self, cfg, sd):
        self.c, self.p = cfg, sd
        self.width = sd["enc_c.main.0.conv.weight"].shape[0]
        self.enc = sorted({int(k.split(".")[2]) for k in sd if k.startswith("enc_c.main.") and k.endswith("conv.weight")})
        self.dec = sorted({int(k.split(".")[2]) for k in sd if k.startswith("dec_c.main.") and k.endswith("conv.weight")})

    def __call__(self, audio, message_symbols):
        c, p = self.c, self.p
        n_fft, hop, band, dim = c["N_FFT"], c["HOP_LENGTH"], c["message_band_size"], c["message_dim"]
        power = audio.pow(2).mean()
        spec, mag, pad = carrier(c, audio)
        frames = mag.shape[-1]
        car = mag[:, None]                                                     # [1, 1, F, T]
        period = torch.cat([message_symbols.long() + 1, torch.zeros(1, dtype=torch.long)])
        classes = period[torch.arange(frames) % period.numel()]
        onehot = F.one_hot(classes, dim).float().t()[None, None]              # [1, 1, D, T]
        enc = F.linear(onehot.transpose(2, 3), p["enc_c.linear.weight"], p.get("enc_c.linear.bias"))  # [1,1,T,band]
        msg_enc = F.pad(enc.transpose(2, 3), (0, 0, 0, car.shape[2] - band))   # [1, 1, F, T]
        h = car
        for i in self.enc:
            h = gated_layer(p, f"enc_c.main.{i}", h, 1)
        x = torch.cat([h, car.repeat(1, self.width, 1, 1), msg_enc.repeat(1, self.width, 1, 1)], dim=1)
        for n, i in enumerate(self.dec):
            x = gated_layer(p, f"dec_c.main.{i}", x, 1 if n < len(self.dec) - 1 else 0)
        x = x.abs()
        x[:, :, band:, :] = 0
        x = x / torch.sqrt(x.pow(2).mean(dim=2, keepdim=True))
        x = x / 10 ** (c["message_sdr"] / 20)
        rec = F.relu(car - x * torch.sqrt(car.pow(2).mean(dim=(2, 3), keepdim=True)))
        phase = torch.angle(spec)
        z = torch.polar(rec[:, 0], phase)
        y = torch.istft(z, n_fft, hop_length=hop, window=torch.hann_window(n_fft), center=True,
                        length=audio.shape[1] + pad)
        y = y[:, :audio.shape[1]] * torch.sqrt(power / AVERAGE_ENERGY_VCTK)
        return {"audio_watermarked": y}
