package org.lockey.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

import org.lockey.LockeyException;

/**
 * An exclusive lock held across processes and threads, for a read-modify-write of a small file: an
 * OS file lock ({@link FileChannel#lock()}) on a lock file, plus an in-process lock per lock file,
 * because the OS lock belongs to the whole JVM (a second channel of the same JVM would get
 * {@link java.nio.channels.OverlappingFileLockException} instead of waiting).
 *
 * <p>{@link #acquire} waits until every other holder has released the lock; the operating system
 * releases it when its holder exits, however it exits ({@code kill -9} included), so a crashed writer
 * never leaves a stale lock. The lock file is empty and stays behind after release: deleting it would
 * let a process still waiting on the old file and a newcomer creating a new one both hold "the" lock.
 * Where the file system is POSIX it is created owner-only, like the files it guards.
 *
 * <pre>{@code
 * try (ExclusiveLock lock = ExclusiveLock.acquire(file.resolveSibling(file.getFileName() + ".lock"))) {
 *     // read, change, write atomically (AtomicFiles)
 * }
 * }</pre>
 */
public final class ExclusiveLock implements AutoCloseable {
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

    private final ReentrantLock inProcess;
    private final FileChannel channel;
    private final FileLock osLock;

    private ExclusiveLock(ReentrantLock inProcess, FileChannel channel, FileLock osLock) {
        this.inProcess = inProcess;
        this.channel = channel;
        this.osLock = osLock;
    }

    /**
     * Blocks until this thread holds the lock of {@code lockFile} (created when absent; its directory
     * must exist); a {@link LockeyException} naming the file when it cannot be created or locked.
     */
    public static ExclusiveLock acquire(Path lockFile) {
        Path key = lockFile.toAbsolutePath().normalize();
        ReentrantLock inProcess = IN_PROCESS.computeIfAbsent(key, k -> new ReentrantLock());
        if (inProcess.isHeldByCurrentThread()) {
            throw new IllegalStateException(lockFile + ": this thread already holds the lock (it is not reentrant)");
        }
        inProcess.lock();
        FileChannel channel = null;
        try {
            channel = open(key);
            FileLock osLock = channel.lock();
            return new ExclusiveLock(inProcess, channel, osLock);
        } catch (IOException e) {
            closeQuietly(channel);
            inProcess.unlock();
            throw new LockeyException(lockFile + ": cannot lock (" + e.getMessage() + ")", e);
        } catch (RuntimeException | Error e) {
            closeQuietly(channel);
            inProcess.unlock();
            throw e;
        }
    }

    private static FileChannel open(Path file) throws IOException {
        boolean posix = file.getFileSystem().supportedFileAttributeViews().contains("posix");
        FileAttribute<?>[] ownerOnly = posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                : new FileAttribute<?>[0];
        return FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE), ownerOnly);
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing releases the OS lock; the exception that got us here is the one to report
            }
        }
    }

    /** Releases the lock (the OS lock, then the in-process one). */
    @Override
    public void close() {
        try {
            osLock.release();
        } catch (IOException ignored) {
            // closing the channel below releases the lock as well
        } finally {
            closeQuietly(channel);
            inProcess.unlock();
        }
    }
}
