package org.lockey.eval;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import javax.imageio.ImageIO;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.lockey.LockeyException;
import org.lockey.audio.Spectrum;
import org.lockey.audio.Stft;
import org.lockey.audio.StftConfig;
import org.lockey.io.AtomicFiles;

/**
 * PNG plots of experiment results, headless: line and scatter plots (XChart), written atomically,
 * and spectrograms of clips (drawn pixel by pixel) for the demo page.
 */
public final class Plots {
    /** One named series of points. */
    public record Series(String name, double[] x, double[] y, boolean lines) {
    }

    private Plots() {
    }

    /** Writes an XY chart of {@code series} to {@code png}. */
    public static void xy(Path png, String title, String xLabel, String yLabel, List<Series> series) {
        xy(png, title, xLabel, yLabel, series, Double.NaN, Double.NaN, 4, null);
    }

    /**
     * As {@link #xy(Path, String, String, String, List)} with a fixed y range (NaN: automatic), a marker size,
     * and the y-axis ticks in {@code yPattern} ({@link java.text.DecimalFormat}, e.g. {@code "0.0#"}; null:
     * XChart's choice, which prints every digit when the axis spans few distinct values).
     */
    public static void xy(Path png, String title, String xLabel, String yLabel, List<Series> series, double yMin,
            double yMax, int markerSize, String yPattern) {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(900).height(520).title(title).xAxisTitle(xLabel)
                .yAxisTitle(yLabel).build();
        if (yPattern != null) {
            chart.getStyler().setYAxisDecimalPattern(yPattern);
        }
        chart.getStyler().setLegendVisible(series.size() > 1);
        chart.getStyler().setMarkerSize(markerSize);
        if (!Double.isNaN(yMin)) {
            chart.getStyler().setYAxisMin(yMin);
        }
        if (!Double.isNaN(yMax)) {
            chart.getStyler().setYAxisMax(yMax);
        }
        for (Series s : series) {
            XYSeries xs = chart.addSeries(s.name(), s.x(), s.y());
            if (!s.lines()) {
                xs.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            } else {
                xs.setMarker(SeriesMarkers.CIRCLE);
            }
        }
        byte[] bytes;
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
            bytes = out.toByteArray();
        } catch (IOException e) {
            throw new LockeyException(png + ": cannot render the plot (" + e.getMessage() + ")");
        }
        AtomicFiles.write(png, o -> o.write(bytes));
    }

    /** FFT size of {@link #spectrogramPng}: 46 ms at 22.05 kHz. */
    public static final int SPECTROGRAM_FFT = 1024;
    /** Hop of {@link #spectrogramPng}. */
    public static final int SPECTROGRAM_HOP = 256;
    /** Dynamic range shown, in dB below the loudest bin of the clip's scale. */
    public static final double SPECTROGRAM_RANGE_DB = 80;
    /** Level (dBFS of a bin's magnitude, full scale = a full-scale sine) drawn brightest. */
    public static final double SPECTROGRAM_TOP_DB = 0;

    /**
     * A spectrogram of {@code audio} as PNG bytes: |STFT| ({@value #SPECTROGRAM_FFT}-point Hann,
     * hop {@value #SPECTROGRAM_HOP}) in dB on one fixed scale for every clip ({@value #SPECTROGRAM_TOP_DB}
     * dB brightest, {@value #SPECTROGRAM_RANGE_DB} dB below it black), so that clips drawn side by side
     * compare by brightness; low frequencies at the bottom, one pixel column per frame (at most
     * {@code maxWidth}: frames are pooled by their maximum), one row per bin.
     */
    public static byte[] spectrogramPng(float[] audio, int maxWidth) {
        Stft stft = new Stft(StftConfig.of(SPECTROGRAM_FFT, SPECTROGRAM_HOP));
        float[] x = audio.length >= SPECTROGRAM_FFT ? audio : java.util.Arrays.copyOf(audio, SPECTROGRAM_FFT);
        Spectrum s = stft.forward(x);
        int bins = s.bins();
        int frames = s.re()[0].length;
        int width = Math.max(1, Math.min(maxWidth, frames));
        // a full-scale sine of amplitude 1 gives |X| = sum(window) / 2 at its bin
        double fullScale = java.util.Arrays.stream(stft.window()).sum() / 2;
        BufferedImage img = new BufferedImage(width, bins, BufferedImage.TYPE_INT_RGB);
        for (int col = 0; col < width; col++) {
            int t0 = (int) ((long) col * frames / width);
            int t1 = Math.max(t0 + 1, (int) ((long) (col + 1) * frames / width));
            for (int f = 0; f < bins; f++) {
                double mag = 0;
                for (int t = t0; t < t1; t++) {
                    mag = Math.max(mag, Math.hypot(s.re()[f][t], s.im()[f][t]));
                }
                double db = 20 * Math.log10(Math.max(mag / fullScale, 1e-12));
                double v = Math.max(0, Math.min(1, (db - SPECTROGRAM_TOP_DB + SPECTROGRAM_RANGE_DB) / SPECTROGRAM_RANGE_DB));
                img.setRGB(col, bins - 1 - f, heat(v));
            }
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(img, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new LockeyException("cannot encode a spectrogram as PNG (" + e.getMessage() + ")");
        }
    }

    /** A black - purple - orange - yellow colour map (in the manner of matplotlib's magma) at {@code v} in [0, 1]. */
    static int heat(double v) {
        int r = (int) Math.round(255 * Math.min(1, 1.6 * v));
        int g = (int) Math.round(255 * Math.max(0, Math.min(1, 1.6 * v - 0.6)));
        int b = (int) Math.round(255 * Math.max(0, Math.min(1, v < 0.4 ? 1.2 * v : 0.48 - 0.9 * (v - 0.4) + Math.max(0, 2.5 * (v - 0.8)))));
        return (r << 16) | (g << 8) | b;
    }
}
