"""encodec.train_step: one step of `./lockey train codec` (docs/encodec.md, "Training the codec"), written from the
component descriptions (golden/README.md, encodec.*) and the step's documented math (train.CodecTrainer,
train.MultiScaleStftLoss):

    z = E(x)                                                  SEANet encoder, weight norm in the graph   [B, D, C]
    per stage k: code = argmin_j |r_k - e_j|^2 (double),  q_k = e_code,  r_{k+1} = r_k - q_k      (no gradient)
    x^ = G(z + (sum_k q_k - z).detach())                      straight-through estimator              [B, 1, L]
    L = lambda_wav mean|x^ - x| + lambda_stft (mag + log) + beta (1/n_q) sum_k mean((z - sum_{j<=k} q_j)^2)
    mag, log: per n_fft, STFT (hop n/4, periodic Hann, centred, reflect, normalized), M = sqrt(re^2 + im^2 + 1e-18),
              mean|M(x^) - M(x)| and mean|ln(M(x^) + floor) - ln(M(x) + floor)|, averaged over the scales
    backward; torch.optim.Adam over encoder and decoder

The codebooks are fixed inputs (their EMA update, dead-code replacement and k-means initialisation are left out,
as on the Java side).
"""
import torch
import torch.nn.functional as F

import models


def lstm_of(sd, prefix, layers):
    """A torch LSTM holding the weights under prefix (e.g. 'model.13.lstm.'); its parameters are trained."""
    hidden = sd[prefix + "weight_hh_l0"].shape[1]
    lstm = torch.nn.LSTM(hidden, hidden, layers)
    with torch.no_grad():
        for name, prm in lstm.named_parameters():
            prm.copy_(sd[prefix + name])
    return lstm


class SeanetEncoder(models.SeanetDecoder):
    """SEANet encoder: conv, per reversed ratio (residual blocks, ELU, strided conv 2r), LSTM, ELU, conv. It borrows
    the decoder's padded convolution (`sconv`), whose weights come from `self.p` (set per call)."""

    def __init__(self, cfg, sd):
        self.c = cfg
        self.p = {}
        self.alpha = (cfg.get("activation_params") or {}).get("alpha", 1.0)
        self.lstm_index = 1 + len(cfg["ratios"]) * (cfg["n_residual_layers"] + 2)
        self.lstm = lstm_of(sd, f"model.{self.lstm_index}.lstm.", cfg["lstm"]) if cfg["lstm"] else None

    def encode(self, x):
        c = self.c
        elu = lambda t: F.elu(t, self.alpha)
        x = self.sconv(x, "model.0", c["kernel_size"])
        i = 1
        for r in reversed(c["ratios"]):
            for j in range(c["n_residual_layers"]):
                pre = f"model.{i}"
                h = self.sconv(elu(x), pre + ".block.1", c["residual_kernel_size"], dilation=c["dilation_base"] ** j)
                h = self.sconv(elu(h), pre + ".block.3", 1)
                x = (x if c["true_skip"] else self.sconv(x, pre + ".shortcut", 1)) + h
                i += 1
            x = elu(x)
            i += 1
            x = self.sconv(x, f"model.{i}", 2 * r, stride=r)
            i += 1
        if self.lstm is not None:
            y, _ = self.lstm(x.permute(2, 0, 1))
            x = (y + x.permute(2, 0, 1)).permute(1, 2, 0)
            i += 1
        x = elu(x)
        i += 1
        return self.sconv(x, f"model.{i}", c["last_kernel_size"])


def quantise(z, books):
    """Residual VQ of z [B, D, C] with books [n_q, bins, D]: (sum of q [B, D, C], cumulative sums per stage)."""
    b, d, c = z.shape
    r = z.detach().permute(0, 2, 1).reshape(-1, d).double()                                # [B C, D]
    total = torch.zeros_like(r)
    cumulative = []
    for book in books.double():
        dist = (book * book).sum(dim=1)[None, :] - 2 * r @ book.t()                        # |r|^2 is common
        q = book[dist.argmin(dim=1)]
        r = r - q
        total = total + q
        cumulative.append(total.float().reshape(b, c, d).permute(0, 2, 1))
    return cumulative[-1], cumulative


def stft_terms(est, ref, n_ffts, floor):
    mag, log = 0.0, 0.0
    for n in n_ffts:
        w = torch.hann_window(n)
        me, mr = [torch.sqrt(torch.view_as_real(torch.stft(x, n, hop_length=n // 4, win_length=n, window=w, center=True,
                                                            pad_mode="reflect", normalized=True, return_complex=True))
                             .pow(2).sum(-1) + 1e-18) for x in (est, ref)]
        mag = mag + (me - mr).abs().mean()
        log = log + (torch.log(me + floor) - torch.log(mr + floor)).abs().mean()
    return mag / len(n_ffts), log / len(n_ffts)


class CodecTrainStep:
    def __init__(self, cfg, sd):
        self.c = cfg
        s = cfg["seanet"]
        enc = {k[len("encoder."):]: v for k, v in sd.items() if k.startswith("encoder.")}
        dec = {k[len("decoder."):]: v for k, v in sd.items() if k.startswith("decoder.")}
        self.encoder = SeanetEncoder(s, enc)
        self.decoder = models.SeanetDecoder(s, {k: v for k, v in dec.items()})
        # weight-normed convolutions: g and v are the parameters, folded in the graph at every call
        self.pe = {k: v.clone().requires_grad_(True) for k, v in enc.items() if ".lstm." not in k}
        self.pd = {k: v.clone().requires_grad_(True) for k, v in dec.items() if ".lstm." not in k}
        params = list(self.pe.values()) + list(self.pd.values())
        for lstm in (self.encoder.lstm, self.decoder.lstm):
            if lstm is not None:
                params += list(lstm.parameters())
        self.opt = torch.optim.Adam(params, lr=cfg["lr"], betas=tuple(cfg["betas"]), eps=cfg["eps"])

    def __call__(self, audio, codebooks):
        c = self.c
        self.opt.zero_grad(set_to_none=True)
        self.encoder.p = models.folded_state_dict(self.pe)
        self.decoder.p = models.folded_state_dict(self.pd)
        z = self.encoder.encode(audio)                                                       # [B, D, C]
        q, cumulative = quantise(z, codebooks)
        y = self.decoder(z + (q - z).detach())["audio"].flatten(1)                          # [B, L]
        x = audio.flatten(1)
        l1 = (y - x).abs().mean()
        mag, log = stft_terms(y, x, c["stft_n_fft"], c["stft_floor"])
        commit = sum(F.mse_loss(z, t) for t in cumulative) / len(cumulative)
        loss = c["lambda_wav"] * l1 + c["lambda_stft"] * (mag + log) + c["commitment_weight"] * commit
        loss.backward()
        self.opt.step()
        return {"loss": loss.detach().reshape(1)}
