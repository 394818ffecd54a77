"""lockey.train_step: one LOCKEY fine-tuning step of a keyed HiFi-GAN (golden README, lockey.* parts)."""
import torch
import torch.nn.functional as F

import models


def key_vector(p, key_bits):
    """key_embedding rows 2i + bit, the 3-conv key encoder, mean over the bit axis -> [B, C]."""
    k = key_bits.shape[1]
    rows = 2 * torch.arange(k)[None, :] + key_bits.long()                      # [B, K]
    emb = p["key_embedding.weight"][rows].transpose(1, 2)                      # [B, d, K]
    h = F.relu(F.conv1d(emb, p["key_encoder.layers.0.weight"], p["key_encoder.layers.0.bias"], padding=1))
    h = F.relu(F.conv1d(h, p["key_encoder.layers.2.weight"], p["key_encoder.layers.2.bias"], padding=1))
    h = F.conv1d(h, p["key_encoder.layers.4.weight"], p["key_encoder.layers.4.bias"], padding=1)
    return h.mean(dim=2)


def verifier(p, kv):
    h = F.relu(F.linear(kv, p["verifier.layers.0.weight"], p["verifier.layers.0.bias"]))
    return F.linear(h, p["verifier.layers.2.weight"], p["verifier.layers.2.bias"])


def logmag(y):
    spec = torch.stft(y, 1024, hop_length=256, window=torch.hann_window(1024), center=True, pad_mode="reflect",
                      normalized=True, return_complex=True)
    return torch.log(torch.clamp(spec.abs(), min=1e-5))


def losses(audio, teacher, logits, symbols, valid, vlogits, tau, lambdas):
    ce_wm = F.cross_entropy(logits, symbols.long(), reduction="none").mean(dim=1)
    mse = (audio - teacher).pow(2).flatten(1).mean(dim=1)
    a2, t2 = audio.flatten(1), teacher.flatten(1)
    mse_log = (logmag(a2) - logmag(t2)).pow(2).flatten(1).mean(dim=1)
    invalid = torch.maximum(-mse, -tau)
    ce_v = F.cross_entropy(vlogits, 1 - valid.long(), reduction="none")
    v = valid.float()
    l_wm, l_p, l_s, l_v = lambdas
    per = v * (l_wm * ce_wm + l_p * mse + l_s * mse_log) + (1 - v) * invalid + l_v * ce_v
    return per.mean().reshape(1)


class TrainStep:
    def __init__(self, cfg, sd):
        self.c = cfg
        self.gen = models.HifiGan(cfg["generator"], sd)
        self.frozen = {k: v for k, v in sd.items() if k.startswith("dec_m_0.")}
        self.params = {k: v.clone().requires_grad_(True) for k, v in sd.items() if not k.startswith("dec_m_0.")}
        self.opt = torch.optim.Adam(self.params.values(), lr=cfg["lr"], betas=(0.9, 0.999), eps=1e-8)
        self.lambdas = cfg["lambdas"]

    def __call__(self, mel, key_bits, teacher, symbols, valid, tau):
        self.opt.zero_grad(set_to_none=True)
        p = self.params
        kv = key_vector(p, key_bits)
        audio = self.gen.forward(p, mel, kv)                                    # [B, 1, N]
        sc = self.c["silentcipher"]
        logits = []
        for b in range(audio.shape[0]):
            _, mag, _ = models.carrier(sc, audio[b], eps=self.c["magnitude_eps"])
            band = mag[:, None, :sc["message_band_size"], :]
            logits.append(models.msg_decoder(self.frozen, band)[:, 0])         # [1, D, T]
        total = losses(audio, teacher, torch.cat(logits), symbols, valid, verifier(p, kv), tau, self.lambdas)
        total.backward()
        self.opt.step()
        return {"total": total.detach()}
