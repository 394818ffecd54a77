package org.lockey.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The validations of one {@link RunLoop#run} of the codec trainers: each is kept, appended as a row to the run's
 * validation table ({@link StepLog}) and passed on to the caller; between two of them the training loss of every
 * step is summed, so that a validation can report the mean training loss since the previous one.
 *
 * @param <V> a validation result
 */
final class ValidationLog<V> {
    private final Path table;
    private final String header;
    private final Function<V, String> row;
    private final Consumer<V> onValidation;
    private final List<V> history = new ArrayList<>();
    private double lossSum;
    private int lossCount;

    /**
     * @param table        the validation table
     * @param header       its column names
     * @param row          a validation's row
     * @param onValidation receives each validation after its row is written
     */
    ValidationLog(Path table, String header, Function<V, String> row, Consumer<V> onValidation) {
        this.table = table;
        this.header = header;
        this.row = row;
        this.onValidation = onValidation;
    }

    /** Counts a step's training loss. */
    void addTrainLoss(double loss) {
        lossSum += loss;
        lossCount++;
    }

    /** The mean training loss since the previous validation (NaN before any step). */
    double meanTrainLoss() {
        return lossSum / lossCount;
    }

    /** Keeps, writes and passes on {@code v}; the training loss starts a new mean. */
    void add(V v) {
        lossSum = 0;
        lossCount = 0;
        history.add(v);
        StepLog.append(table, header, row.apply(v));
        onValidation.accept(v);
    }

    /** The validations so far. */
    List<V> history() {
        return List.copyOf(history);
    }
}
