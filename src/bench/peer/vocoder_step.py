"""hifigan.train_step: one HiFi-GAN training step (Kong, Kim & Bae 2020, Eq. 1-6), written from the paper, the
component descriptions (golden/README.md, hifigan.*) and the documented math of the Java trainer
(train.VocoderTrainer, model.hifigan.DiscriminatorP/S, nn.SpectralNorm):

    y_g_hat = G(mel)                                   (one forward, kept for the G step)
    D step:  L_D = sum_k mean((1 - D_k(y))^2) + mean(D_k(y_g_hat.detach())^2)  over MPD and MSD; AdamW on D
    G step (D updated, frozen): L_G = sum_k mean((1 - D_k(y_g_hat))^2) + 2 sum_k,i mean|D_k^i(y) - D_k^i(y_g_hat)|
                                      + 45 mean|logmel(y) - logmel(y_g_hat)|;  AdamW on G

Weight norm (G, MPD, MSD scales 1-2) is computed in the graph, g v / ||v||. Spectral norm (MSD scale 0) runs one
power iteration per training forward (v = normalize(W^T u), u = normalize(W v), in place, no gradient) and uses
W / (u . W v). Discriminator widths are divided by `discriminator_channel_divisor` (groups kept).
"""
import torch
import torch.nn.functional as F

import models

LRELU = 0.1
PERIODS = (2, 3, 5, 7, 11)
# MSD convs.0-6 at full width: (in, out, kernel, stride, groups, padding)
MSD_LAYERS = ((1, 128, 15, 1, 1, 7), (128, 128, 41, 2, 4, 20), (128, 256, 41, 2, 16, 20), (256, 512, 41, 4, 16, 20),
              (512, 1024, 41, 4, 16, 20), (1024, 1024, 41, 1, 16, 20), (1024, 1024, 5, 1, 1, 2))


def normalize(a, eps=1e-12):
    return a / torch.clamp(a.norm(), min=eps)


class Discriminators:
    """MPD and MSD over a params dict (upstream keys mpd.*, msd.*) and the spectral-norm buffers."""

    def __init__(self, p, buffers):
        self.p, self.buf = p, buffers

    def weight(self, pre, training=True):
        if pre + ".weight_orig" in self.p:
            w = self.p[pre + ".weight_orig"]
            u, v = self.buf[pre + ".weight_u"], self.buf[pre + ".weight_v"]
            mat = w.reshape(w.shape[0], -1)
            if training:
                with torch.no_grad():
                    v.copy_(normalize(mat.t() @ u))
                    u.copy_(normalize(mat @ v))
            # copies: the buffers change in place at the next forward, while autograd still needs these values
            sigma = torch.dot(u.clone(), mat @ v.clone())
            return w / sigma
        return models.folded(self.p, pre)

    def period(self, i, y):
        """DiscriminatorP i on y [B, 1, T]: (score [B, N], feature maps)."""
        pre, per = f"mpd.discriminators.{i}", PERIODS[i]
        b, c, t = y.shape
        if t % per:
            y = F.pad(y, (0, per - t % per), mode="reflect")
            t = y.shape[-1]
        x = y.view(b, c, t // per, per)
        fmap = []
        for j in range(5):
            x = F.conv2d(x, self.weight(f"{pre}.convs.{j}"), self.p[f"{pre}.convs.{j}.bias"], stride=(3 if j < 4 else 1, 1),
                         padding=(2, 0))
            x = F.leaky_relu(x, LRELU)
            fmap.append(x)
        x = F.conv2d(x, self.weight(f"{pre}.conv_post"), self.p[f"{pre}.conv_post.bias"], padding=(1, 0))
        fmap.append(x)
        return x.flatten(1), fmap

    def scale(self, i, y):
        """DiscriminatorS i on y [B, 1, T]: (score, feature maps)."""
        pre = f"msd.discriminators.{i}"
        x, fmap = y, []
        for j, (_, _, k, s, g, pad) in enumerate(MSD_LAYERS):
            x = F.leaky_relu(F.conv1d(x, self.weight(f"{pre}.convs.{j}"), self.p[f"{pre}.convs.{j}.bias"], stride=s,
                                      groups=g, padding=pad), LRELU)
            fmap.append(x)
        x = F.conv1d(x, self.weight(f"{pre}.conv_post"), self.p[f"{pre}.conv_post.bias"], padding=1)
        fmap.append(x)
        return x.flatten(1), fmap

    def mpd(self, y, y_hat):
        """Per sub-discriminator: y first, then y_hat (the order the power iterations follow)."""
        out = []
        for i in range(len(PERIODS)):
            out.append((self.period(i, y), self.period(i, y_hat)))
        return out

    def msd(self, y, y_hat):
        out = []
        for i in range(3):
            if i > 0:
                y = F.avg_pool1d(y, 4, 2, padding=2)
                y_hat = F.avg_pool1d(y_hat, 4, 2, padding=2)
            out.append((self.scale(i, y), self.scale(i, y_hat)))
        return out


def d_loss(pairs):
    return sum(torch.mean((1 - r[0]) ** 2) + torch.mean(g[0] ** 2) for r, g in pairs)


def g_adv(pairs):
    return sum(torch.mean((1 - g[0]) ** 2) for _, g in pairs)


def feature_matching(pairs):
    return 2 * sum(torch.mean(torch.abs(fr.detach() - fg)) for r, g in pairs for fr, fg in zip(r[1], g[1]))


class VocoderTrainStep:
    def __init__(self, cfg, sd):
        gc = cfg["generator"]
        self.gen = models.HifiGan(gc, None)
        loss_cfg = dict(gc, fmax=gc.get("fmax_for_loss"))
        self.loss_mel = models.LogMel(loss_cfg)
        self.g = {k[len("generator."):]: v.clone().requires_grad_(True) for k, v in sd.items()
                  if k.startswith("generator.")}
        dsd = {k: v for k, v in sd.items() if not k.startswith("generator.")}
        spectral = {k[:-len(".weight_orig")] for k in dsd if k.endswith(".weight_orig")}
        is_buffer = lambda k: k.rsplit(".", 1)[0] in spectral and k.endswith((".weight_u", ".weight_v"))
        self.d = {k: v.clone().requires_grad_(True) for k, v in dsd.items() if not is_buffer(k)}
        self.buf = {k: v.clone() for k, v in dsd.items() if is_buffer(k)}
        self.disc = Discriminators(self.d, self.buf)
        betas = tuple(cfg["betas"])
        self.opt_g = torch.optim.AdamW(self.g.values(), lr=cfg["lr"], betas=betas, weight_decay=cfg["weight_decay"])
        self.opt_d = torch.optim.AdamW(self.d.values(), lr=cfg["lr"], betas=betas, weight_decay=cfg["weight_decay"])

    def __call__(self, audio, mel, y_mel):
        y_g_hat = self.gen.forward(self.g, mel)                                             # [B, 1, L]
        # D step
        self.opt_d.zero_grad(set_to_none=True)
        fake = y_g_hat.detach()
        loss_disc_all = d_loss(self.disc.msd(audio, fake)) + d_loss(self.disc.mpd(audio, fake))
        loss_disc_all.backward()
        self.opt_d.step()
        # G step, D frozen (no gradients for its weights)
        for v in self.d.values():
            v.requires_grad_(False)
        self.opt_g.zero_grad(set_to_none=True)
        mel_l1 = F.l1_loss(self.loss_mel(y_g_hat.squeeze(1))["mel"], y_mel)
        f = self.disc.mpd(audio, y_g_hat)
        s = self.disc.msd(audio, y_g_hat)
        loss_gen_all = g_adv(s) + g_adv(f) + feature_matching(s) + feature_matching(f) + 45 * mel_l1
        loss_gen_all.backward()
        self.opt_g.step()
        for v in self.d.values():
            v.requires_grad_(True)
        return {"loss_disc_all": loss_disc_all.detach().reshape(1), "loss_gen_all": loss_gen_all.detach().reshape(1)}
