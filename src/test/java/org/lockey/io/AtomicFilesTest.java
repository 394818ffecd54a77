package org.lockey.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.LockeyException;

/**
 * A write that fails leaves the previous file byte for byte, no temporary file, and one line naming the
 * file and the cause: what a training run needs when its checkpoint cannot be written (disk full,
 * read-only directory), since the previous checkpoint is what it resumes from. The failures are injected:
 * a body that throws after writing part of the file, a directory where the file should go, a read-only
 * directory. The previous file is written here with plain {@link Files#write}, never through the class tested.
 */
class AtomicFilesTest {
    @TempDir
    Path dir;

    /** More than the write buffer (64 KiB), so part of the new content reaches the temporary file first. */
    private static final int PARTIAL_BYTES = 200_000;

    private static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private List<String> namesIn(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void assertOneLine(LockeyException e, Path file, String cause) {
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertTrue(e.getMessage().startsWith(file + ": cannot write ("), e.getMessage());
        assertTrue(e.getMessage().contains(cause), "expected '" + cause + "' in: " + e.getMessage());
    }

    @Test
    void aWriterFailingHalfWayLeavesThePreviousCheckpointByteForByteAndNoTemporary() throws Exception {
        Path checkpoint = dir.resolve("checkpoint.safetensors");
        byte[] previous = randomBytes(100_000, 1);
        Files.write(checkpoint, previous);
        LockeyException e = assertThrows(LockeyException.class, () -> AtomicFiles.write(checkpoint, out -> {
            out.write(randomBytes(PARTIAL_BYTES, 2));
            throw new IOException("No space left on device");
        }));
        assertOneLine(e, checkpoint, "No space left on device");
        assertTrue(e.getMessage().endsWith("its previous version is unchanged"), e.getMessage());
        assertArrayEquals(previous, Files.readAllBytes(checkpoint), "the previous checkpoint is intact");
        assertEquals(List.of("checkpoint.safetensors"), namesIn(dir), "the temporary file is gone");
    }

    @Test
    void aFailedFirstWriteLeavesNoFileAtAll() throws Exception {
        Path file = dir.resolve("new.bin");
        LockeyException e = assertThrows(LockeyException.class, () -> AtomicFiles.write(file, out -> {
            out.write(randomBytes(PARTIAL_BYTES, 3));
            throw new java.io.UncheckedIOException(new IOException("Input/output error"));
        }));
        assertEquals(file + ": cannot write (Input/output error)", e.getMessage());
        assertEquals(List.of(), namesIn(dir));
    }

    @Test
    void aFailedRenameDeletesTheTemporaryAndLeavesWhatWasThere() throws Exception {
        Path target = dir.resolve("model.safetensors");
        Files.createDirectories(target);
        Files.write(target.resolve("inside"), new byte[] {1, 2, 3});            // a non-empty directory cannot be replaced
        LockeyException e = assertThrows(LockeyException.class,
                () -> AtomicFiles.write(target, out -> out.write(randomBytes(PARTIAL_BYTES, 4))));
        assertOneLine(e, target, "directory");
        assertFalse(e.getMessage().contains(".tmp"), "the cause, not the temporary file's name: " + e.getMessage());
        assertEquals(List.of("model.safetensors"), namesIn(dir), "the temporary file is gone");
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(target.resolve("inside")));
    }

    @Test
    void aReadOnlyDirectoryIsOneLineAndKeepsThePreviousFile() throws Exception {
        assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
        Path checkpoint = dir.resolve("checkpoint.safetensors");
        byte[] previous = randomBytes(1000, 5);
        Files.write(checkpoint, previous);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            boolean enforced;
            try {
                Files.delete(Files.createFile(dir.resolve("probe")));
                enforced = false;                               // root ignores permissions
            } catch (AccessDeniedException expected) {
                enforced = true;
            }
            assumeTrue(enforced, "the file system enforces a read-only directory for this user");
            LockeyException e = assertThrows(LockeyException.class,
                    () -> AtomicFiles.write(checkpoint, out -> out.write(randomBytes(PARTIAL_BYTES, 6))));
            assertOneLine(e, checkpoint, "permission denied");
            assertArrayEquals(previous, Files.readAllBytes(checkpoint));
        } finally {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
        assertEquals(List.of("checkpoint.safetensors"), namesIn(dir));
    }

    @Test
    void aProgrammingErrorInTheBodyStaysItselfAndLeavesNoTemporary() throws Exception {
        Path file = dir.resolve("table.csv");
        Files.writeString(file, "before");
        IllegalStateException bug = new IllegalStateException("a bug");
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> AtomicFiles.write(file, out -> {
            out.write(randomBytes(PARTIAL_BYTES, 7));
            throw bug;
        }));
        assertSame(bug, thrown, "not disguised as bad input");
        assertEquals("before", Files.readString(file));
        assertEquals(List.of("table.csv"), namesIn(dir));
    }
}
