package org.lockey.eval;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.lockey.LockeyException;
import org.lockey.io.AtomicFiles;

/** PNG line and scatter plots of experiment results (XChart, headless), written atomically. */
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
}
