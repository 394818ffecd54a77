package org.lockey.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

import org.lockey.LockeyException;

/**
 * An exclusive lock held across processes and threads: an OS file lock ({@link FileChannel#lock()})
 * on a lock file, plus an in-process lock per lock file, because the OS lock belongs to the whole JVM
 * (a second channel of the same JVM would get {@link java.nio.channels.OverlappingFileLockException}
 * instead of waiting).
 *
 * <p>Two ways to take it. {@link #acquire} waits until every other holder has released it: a
 * read-modify-write of a small file (the key registry). {@link #tryAcquire} does not wait: a
 * process that would otherwise run alongside another (two trainings writing one run directory) learns
 * at once that the lock is taken, and by which process, and stops.
 *
 * <p>The operating system releases the lock when its holder exits, however it exits ({@code kill -9}
 * included), so a crashed holder never leaves a stale lock. A holder that took the lock with
 * {@link #tryAcquire} writes its pid into the lock file as text, so that whoever finds the lock taken
 * can name it; the content means nothing while nobody holds the lock (a killed holder's pid stays in
 * it). {@link #acquire} leaves the file as it is (empty for the key registry): its waiters need no
 * name. The lock file stays behind after release: deleting it would let a process still waiting on the
 * old file and a newcomer creating a new one both hold "the" lock. Where the file system is POSIX it
 * is created owner-only, like the files it guards.
 *
 * <p>Within the holding JVM the lock file is only ever opened through the holder's channel: on POSIX
 * systems closing any other descriptor of the file would silently release the process's lock.
 *
 * <pre>{@code
 * try (ExclusiveLock lock = ExclusiveLock.acquire(file.resolveSibling(file.getFileName() + ".lock"))) {
 *     // read, change, write atomically (AtomicFiles)
 * }
 * }</pre>
 */
public final class ExclusiveLock implements AutoCloseable {
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();
    /** How long a process that found the lock taken waits for the holder to record its pid. */
    private static final long HOLDER_PID_PATIENCE_NANOS = 1_000_000_000L;

    private final ReentrantLock inProcess;
    private final FileChannel channel;
    private final FileLock osLock;

    private ExclusiveLock(ReentrantLock inProcess, FileChannel channel, FileLock osLock) {
        this.inProcess = inProcess;
        this.channel = channel;
        this.osLock = osLock;
    }

    /**
     * What {@link #tryAcquire} found: the lock, now held by the caller, or the pid of the process that
     * holds it (empty when the holder has not recorded one, e.g. it is still starting).
     */
    public static final class Attempt {
        private final ExclusiveLock lock;
        private final OptionalLong holderPid;

        private Attempt(ExclusiveLock lock, OptionalLong holderPid) {
            this.lock = lock;
            this.holderPid = holderPid;
        }

        /** The lock, when it was free. */
        public Optional<ExclusiveLock> lock() {
            return Optional.ofNullable(lock);
        }

        /** The holder's pid, when the lock was taken by another process or thread and the pid is known. */
        public OptionalLong holderPid() {
            return holderPid;
        }

        /** The lock, or the exception {@code whenTaken} makes of the holder's pid. */
        public <X extends Throwable> ExclusiveLock orElseThrow(Function<OptionalLong, X> whenTaken) throws X {
            if (lock == null) {
                throw whenTaken.apply(holderPid);
            }
            return lock;
        }
    }

    /**
     * Blocks until this thread holds the lock of {@code lockFile} (created when absent; its directory
     * must exist); a {@link LockeyException} naming the file when it cannot be created or locked.
     */
    public static ExclusiveLock acquire(Path lockFile) {
        Path key = key(lockFile);
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
            giveUp(channel, inProcess);
            throw cannotLock(lockFile, e);
        } catch (RuntimeException | Error e) {
            giveUp(channel, inProcess);
            throw e;
        }
    }

    /**
     * Takes the lock of {@code lockFile} (created when absent; its directory must exist) if nobody holds
     * it, without waiting; otherwise reports the holder: another process by the pid it recorded, another
     * thread of this JVM (or this very thread: the lock is not reentrant) by this process's pid. A
     * {@link LockeyException} naming the file when it cannot be created or locked at all.
     */
    public static Attempt tryAcquire(Path lockFile) {
        Path key = key(lockFile);
        ReentrantLock inProcess = IN_PROCESS.computeIfAbsent(key, k -> new ReentrantLock());
        long self = ProcessHandle.current().pid();
        if (inProcess.isHeldByCurrentThread() || !inProcess.tryLock()) {
            // Held in this JVM: the file must not be opened here (closing it would release the holder's lock).
            return new Attempt(null, OptionalLong.of(self));
        }
        FileChannel channel = null;
        try {
            channel = open(key);
            FileLock osLock = channel.tryLock();
            if (osLock == null) {
                giveUp(channel, inProcess);              // this process holds no lock on the file to lose
                return new Attempt(null, recordedHolder(key));
            }
            recordHolder(channel);
            return new Attempt(new ExclusiveLock(inProcess, channel, osLock), OptionalLong.empty());
        } catch (OverlappingFileLockException e) {
            // This JVM holds the file's lock under another name of it (a link): the holder is this process.
            giveUp(channel, inProcess);
            return new Attempt(null, OptionalLong.of(self));
        } catch (IOException e) {
            giveUp(channel, inProcess);
            throw cannotLock(lockFile, e);
        } catch (RuntimeException | Error e) {
            giveUp(channel, inProcess);
            throw e;
        }
    }

    /** One name per lock file (its directory's real path), so two spellings of it share the in-process lock. */
    private static Path key(Path lockFile) {
        Path absolute = lockFile.toAbsolutePath().normalize();
        try {
            return absolute.getParent().toRealPath().resolve(absolute.getFileName());
        } catch (IOException e) {
            return absolute;                            // no directory: opening the file reports it
        }
    }

    /** Writes this process's pid into the lock file just locked, through its channel, for whoever finds it taken. */
    private static void recordHolder(FileChannel channel) {
        byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
        try {
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(pid), 0);
        } catch (IOException e) {
            // Best effort: the lock holds without the record; others then report the holder's pid as unknown.
        }
    }

    /**
     * The pid another process recorded in the lock it holds. A holder writes it just after taking the
     * lock, so an empty file, or the pid of a dead process (left by a killed holder), is read again for
     * up to a second; then whatever pid the file names, or empty.
     */
    private static OptionalLong recordedHolder(Path lockFile) {
        long deadline = System.nanoTime() + HOLDER_PID_PATIENCE_NANOS;
        OptionalLong pid = readPid(lockFile);
        while (!(pid.isPresent() && ProcessHandle.of(pid.getAsLong()).map(ProcessHandle::isAlive).orElse(false))
                && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            pid = readPid(lockFile);
        }
        return pid;
    }

    private static OptionalLong readPid(Path lockFile) {
        try {
            String text = Files.readString(lockFile, StandardCharsets.US_ASCII).strip();
            return text.matches("[0-9]{1,18}") ? OptionalLong.of(Long.parseLong(text)) : OptionalLong.empty();
        } catch (IOException e) {
            return OptionalLong.empty();               // e.g. a platform whose locks also bar reading
        }
    }

    private static FileChannel open(Path file) throws IOException {
        boolean posix = file.getFileSystem().supportedFileAttributeViews().contains("posix");
        FileAttribute<?>[] ownerOnly = posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                : new FileAttribute<?>[0];
        return FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE), ownerOnly);
    }

    /** Undoes a lock being taken: the channel (if opened) closed, the in-process lock released. */
    private static void giveUp(FileChannel channel, ReentrantLock inProcess) {
        closeQuietly(channel);
        inProcess.unlock();
    }

    private static LockeyException cannotLock(Path lockFile, IOException e) {
        return new LockeyException(lockFile + ": cannot lock (" + AtomicFiles.reason(e) + ")", e);
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
