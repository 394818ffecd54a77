package org.lockey.golden;

import java.util.LinkedHashMap;
import java.util.Map;

import org.lockey.train.LockeyLoss;
import org.lockey.train.SpectralLoss;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Golden component {@code lockey.losses}: the per-example terms and the total of Eq. 4 for given
 * audio, teacher, decoder logits, symbols, validity, verifier logits, tau and lambdas; and, when a
 * case asks for {@code grad_*} outputs, the gradients of {@code total} with respect to the audio
 * and both logits.
 */
final class LockeyLossesComponent implements Component {
    @Override
    public String id() {
        return "lockey.losses";
    }

    @Override
    public Map<String, INDArray> run(GoldenCase c) {
        JsonNode cfg = c.config();
        SpectralLoss spectral = new SpectralLoss(cfg.path("logmag_n_fft").asInt(1024), cfg.path("logmag_hop").asInt(256),
                cfg.path("logmag_floor").asDouble(1e-5));
        INDArray audio = c.tensor("audio").toNd(DataType.FLOAT);
        int length = (int) audio.size(audio.rank() - 1);
        INDArray logits = c.tensor("decoder_logits").toNd(DataType.FLOAT);
        int classes = cfg.path("n_classes").asInt((int) logits.size(1));
        float[] l = c.tensor("lambdas").toFloatArray();
        LockeyLoss.Lambdas lambdas = new LockeyLoss.Lambdas(l[0], l[1], l[2], l[3]);

        SameDiff sd = SameDiff.create();
        Map<String, INDArray> in = new LinkedHashMap<>();
        in.put("audio", audio);
        in.put("teacher", c.tensor("teacher").toNd(DataType.FLOAT));
        in.put("decoder_logits", logits);
        in.put("symbols", c.tensor("symbols").toNd(DataType.INT64));
        in.put("valid", c.tensor("valid").toNd(DataType.INT64));
        in.put("verifier_logits", c.tensor("verifier_logits").toNd(DataType.FLOAT));
        in.put("tau", c.tensor("tau").toNd(DataType.FLOAT));
        boolean gradients = c.outputs().stream().anyMatch(o -> o.startsWith("grad_"));
        // SameDiff differentiates only with respect to variables, so for the gradient case the three
        // differentiated inputs are variables holding the given values; the rest are placeholders.
        java.util.Set<String> differentiated = java.util.Set.of("audio", "decoder_logits", "verifier_logits");
        Map<String, SDVariable> ph = new LinkedHashMap<>();
        Map<String, INDArray> feed = new LinkedHashMap<>();
        in.forEach((k, v) -> {
            if (gradients && differentiated.contains(k)) {
                ph.put(k, sd.var(k, v.dup()));
            } else {
                ph.put(k, sd.placeHolder(k, v.dataType(), v.shape()));
                feed.put(k, v);
            }
        });
        LockeyLoss.Terms t = LockeyLoss.build(sd, "loss", ph.get("audio"), ph.get("teacher"), ph.get("decoder_logits"),
                ph.get("symbols"), classes, ph.get("valid"), ph.get("verifier_logits"), ph.get("tau"), length, spectral,
                lambdas);
        Map<String, INDArray> out = new LinkedHashMap<>();
        if (gradients) {
            sd.setLossVariables(t.total());
            Map<String, INDArray> g = sd.calculateGradients(feed, "audio", "decoder_logits", "verifier_logits");
            out.put("grad_audio", g.get("audio"));
            out.put("grad_decoder_logits", g.get("decoder_logits"));
            out.put("grad_verifier_logits", g.get("verifier_logits"));
        } else {
            Map<String, INDArray> r = sd.output(feed, t.ceWm().name(), t.mse().name(), t.mseLogmag().name(),
                    t.invalid().name(), t.ceVerify().name(), t.total().name());
            out.put("ce_wm", r.get(t.ceWm().name()));
            out.put("mse", r.get(t.mse().name()));
            out.put("mse_logmag", r.get(t.mseLogmag().name()));
            out.put("invalid", r.get(t.invalid().name()));
            out.put("ce_verify", r.get(t.ceVerify().name()));
            out.put("total", r.get(t.total().name()));
        }
        return out;
    }
}
