package org.lockey.io;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

import org.lockey.LockeyException;

/**
 * Writes a file so that readers see either the old content or the complete new content, never a
 * partial file: the bytes go to a temporary file in the same directory, are forced to disk, the
 * temporary file is renamed over the target, and the directory is forced to disk so that the rename
 * itself survives a crash (where the platform allows forcing a directory).
 *
 * <p>A write that fails (an {@link IOException} while writing, forcing or renaming: a full disk, a
 * read-only directory) deletes its temporary file and leaves the target as it was, byte for byte, so
 * a training run that cannot write its checkpoint still has the previous one to resume from; the
 * failure is a {@link LockeyException} of one line naming the file and the cause, which the command
 * line prints without a stack trace. Tested with a body that fails half-way in {@code AtomicFilesTest}.
 */
public final class AtomicFiles {
    /** Who may read and write the file written. */
    public enum Access {
        /** The platform's default permissions (the umask). */
        DEFAULT,
        /** Readable and writable by its owner only, {@code rw-------} where POSIX (key registries are secrets). */
        OWNER_ONLY
    }

    /** The body of a write. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    private AtomicFiles() {
    }

    /**
     * Deletes a directory tree (the temporary side of a directory written through a rename, or a scratch
     * directory); nothing when {@code dir} is null or absent.
     */
    public static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (java.util.stream.Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Writes {@code path} atomically with default permissions. */
    public static void write(Path path, Writer body) {
        write(path, body, Access.DEFAULT);
    }

    /**
     * Writes {@code path} atomically with the permissions of {@code access}; the temporary file is
     * created with them, so the content is never visible to others, not even before the rename.
     */
    public static void write(Path path, Writer body, Access access) {
        Path target = path.toAbsolutePath();
        Path dir = target.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            if (access == Access.OWNER_ONLY && supportsPosix(dir)) {
                Set<PosixFilePermission> perms = PosixFilePermissions.fromString("rw-------");
                tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp",
                        PosixFilePermissions.asFileAttribute(perms));
            } else {
                tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
                 OutputStream out = new java.io.BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16)) {
                body.write(out);
                out.flush();
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
            forceDirectory(dir);
        } catch (IOException e) {
            throw cannotWrite(path, target, e);
        } catch (UncheckedIOException e) {
            throw cannotWrite(path, target, e.getCause());
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: the temporary file is hidden and named after the target
                }
            }
        }
    }

    /**
     * The one line of a failed write: the file, the cause in words ({@link #reason}), and whether an
     * earlier version of the file is still there untouched (a run resumes from it).
     */
    private static LockeyException cannotWrite(Path path, Path target, IOException e) {
        String kept = Files.isRegularFile(target) ? "; its previous version is unchanged" : "";
        return new LockeyException(path + ": cannot write (" + reason(e) + ")" + kept, e);
    }

    /**
     * What went wrong with a file operation, in words and on one line, for a {@link LockeyException}
     * that names the file itself: a {@link FileSystemException}'s message is mostly a file name (often a
     * temporary one), so its reason, or its kind, is used instead.
     */
    public static String reason(IOException e) {
        String words;
        if (e instanceof FileSystemException f && f.getReason() != null) {
            words = f.getReason();
        } else if (e instanceof AccessDeniedException) {
            words = "permission denied";
        } else if (e instanceof NoSuchFileException) {
            words = "no such file or directory";
        } else if (e instanceof DirectoryNotEmptyException) {
            words = "a non-empty directory is in the way";
        } else if (e instanceof FileAlreadyExistsException f) {
            words = "a file is in the way: " + f.getFile();
        } else if (e instanceof FileSystemException) {
            words = e.getClass().getSimpleName();
        } else {
            words = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        }
        return words.replaceAll("\\s*\\R\\s*", " ").strip();
    }

    /** Writes a string as UTF-8, atomically. */
    public static void writeString(Path path, String text) {
        write(path, out -> out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /**
     * Forces a directory's entries (a rename) to disk: best effort, since not every platform lets a
     * directory be opened (Windows does not), and the file's own bytes are already on disk.
     */
    private static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // the rename is atomic either way; only its durability across a power cut is at stake
        }
    }

    private static boolean supportsPosix(Path dir) {
        return dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
