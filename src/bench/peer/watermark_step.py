"""silentcipher.train_step: one SilentCipher watermark training step (docs/silentcipher.md's recipe), written from
the component description (golden/README.md, silentcipher.*) and the step's documented math:

    carrier C [B,1,F,T], one-hot message M [B,1,D,T], scale 10^(-sdr/20)
      -> enc_c, dec_c -> watermark magnitude W -> C' = ReLU(C - W)        (per the config's flags)
      -> C' (cos, sin of the carrier's phase) -> iSTFT (centred, periodic Hann) -> y [B, L]
      -> y + residual  (the distortion d(y) - y, fixed, no gradient)
      -> power normalisation, right padding, STFT magnitude sqrt(re^2 + im^2 + eps), band -> dec_m_0 -> logits
    loss = msg_weight * mean_B mean_T CE(logits, target); backward; torch.optim.Adam

BatchNorm runs on batch statistics (running statistics are not read or updated here).
"""
import torch
import torch.nn.functional as F

import models

BUFFER_SUFFIXES = (".running_mean", ".running_var", ".num_batches_tracked")


def layer_indices(p, prefix):
    """The main.<i> indices of the gated layers under prefix, in order."""
    return sorted({int(k.split(".")[2]) for k in p if k.startswith(prefix + ".main.") and k.endswith(".conv.weight")})


def watermark_magnitude(cfg, p, carrier, message, scale):
    """C' [B, 1, F, T] from the carrier magnitude, the one-hot message and the message scale."""
    band = cfg["message_band_size"]
    bins = carrier.shape[2]
    width = p["enc_c.main.0.conv.weight"].shape[0]
    h = carrier
    for i in layer_indices(p, "enc_c"):
        h = models.gated_layer(p, f"enc_c.main.{i}", h, 1)                              # [B, w, F, T]
    me = F.linear(message.transpose(2, 3), p["enc_c.linear.weight"], p["enc_c.linear.bias"])  # [B, 1, T, band]
    me = F.pad(me.transpose(2, 3), (0, 0, 0, bins - band))                              # [B, 1, F, T]
    x = torch.cat([h, carrier.repeat(1, width, 1, 1), me.repeat(1, width, 1, 1)], dim=1)  # [B, 3w, F, T]
    dec = layer_indices(p, "dec_c")
    for n, i in enumerate(dec):
        x = models.gated_layer(p, f"dec_c.main.{i}", x, 1 if n < len(dec) - 1 else 0)  # last: 1x1 -> [B, 1, F, T]
    if cfg["ensure_negative_message"]:
        x = x.abs()
    mask = torch.zeros(1, 1, bins, 1)
    mask[:, :, :band] = 1
    x = x * mask                                                                        # zero from the band up
    if not cfg["no_normalization"]:
        x = x / torch.sqrt(x.pow(2).mean(dim=2, keepdim=True)) * scale                  # per-frame RMS 1, then scale
    w = x
    if cfg["frame_level_normalization"]:
        w = x * torch.sqrt(carrier.pow(2).mean(dim=2, keepdim=True))
    elif cfg["utterance_level_normalization"]:
        w = x * torch.sqrt(carrier.pow(2).mean(dim=(2, 3), keepdim=True))
    if cfg["ensure_negative_message"]:
        return F.relu(carrier - w)
    if cfg["ensure_constrained_message"]:
        return carrier + torch.maximum(torch.minimum(w, carrier), -carrier)
    return (carrier + w).abs()


class WatermarkTrainStep:
    def __init__(self, cfg, sd):
        self.c = cfg["silentcipher"]
        self.msg_weight = cfg["msg_weight"]
        self.eps = cfg["magnitude_eps"]
        self.p = {k: v.clone().requires_grad_(True) for k, v in sd.items() if not k.endswith(BUFFER_SUFFIXES)}
        self.opt = torch.optim.Adam(self.p.values(), lr=cfg["lr"], betas=(0.9, 0.999), eps=1e-8)
        self.window = torch.hann_window(self.c["N_FFT"])

    def __call__(self, carrier, phase_cos, phase_sin, message, message_scale, target, residual):
        self.opt.zero_grad(set_to_none=True)
        c, p = self.c, self.p
        rec = watermark_magnitude(c, p, carrier, message, message_scale.reshape(()))     # [B, 1, F, T]
        spec = torch.complex(rec[:, 0] * phase_cos[:, 0], rec[:, 0] * phase_sin[:, 0])  # [B, F, T]
        y = torch.istft(spec, c["N_FFT"], hop_length=c["HOP_LENGTH"], window=self.window, center=True,
                        length=residual.shape[1])                                       # [B, L]
        _, mag, _ = models.carrier(c, y + residual, eps=self.eps)                       # [B, F, T]
        logits = models.msg_decoder(p, mag[:, None, :c["message_band_size"], :])[:, 0]  # [B, D, T]
        loss = self.msg_weight * F.cross_entropy(logits, target.long())                 # mean over B and T
        loss.backward()
        self.opt.step()
        return {"loss": loss.detach().reshape(1)}
