package org.lockey.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.LockeyException;

/**
 * {@link ExclusiveLock#tryAcquire} inside one process: it takes a free lock and records the pid, and a
 * taken lock (by another thread, or by the same thread: it is not reentrant) is reported with this
 * process's pid, without waiting. The cross-process case, with a child JVM and {@code kill -9}, is
 * {@code cli.RunDirectoryLockTest}.
 */
class ExclusiveLockTest {
    @TempDir
    Path dir;

    private static final long SELF = ProcessHandle.current().pid();

    /** What another thread finds; a lock it gets it releases at once, itself (the in-process lock is per thread). */
    private static ExclusiveLock.Attempt fromAnotherThread(Path lockFile) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            ExclusiveLock.Attempt a = ExclusiveLock.tryAcquire(lockFile);
            a.lock().ifPresent(ExclusiveLock::close);
            return a;
        }).get(30, TimeUnit.SECONDS);
    }

    @Test
    void aFreeLockIsTakenAndATakenOneIsReportedWithItsHolderWithoutWaiting() throws Exception {
        Path lockFile = dir.resolve(".lock");
        ExclusiveLock.Attempt first = ExclusiveLock.tryAcquire(lockFile);
        assertTrue(first.lock().isPresent(), "a free lock is taken");
        assertEquals(OptionalLong.empty(), first.holderPid());
        try (ExclusiveLock held = first.lock().orElseThrow()) {
            ExclusiveLock.Attempt other = fromAnotherThread(lockFile);
            assertFalse(other.lock().isPresent(), "another thread does not get it");
            assertEquals(OptionalLong.of(SELF), other.holderPid());
            Path link = Files.createSymbolicLink(dir.resolve("link"), dir);
            ExclusiveLock.Attempt again = ExclusiveLock.tryAcquire(link.resolve(".lock"));
            assertFalse(again.lock().isPresent(), "nor does the holding thread, through a link to the directory");
            assertEquals(OptionalLong.of(SELF), again.holderPid());
            LockeyException e = assertThrows(LockeyException.class,
                    () -> again.orElseThrow(pid -> new LockeyException("held by " + pid.getAsLong())));
            assertEquals("held by " + SELF, e.getMessage());
        }
        assertEquals(Long.toString(SELF), Files.readString(lockFile).strip(), "the holder recorded its pid");
        ExclusiveLock.Attempt afterRelease = fromAnotherThread(lockFile);
        assertTrue(afterRelease.lock().isPresent(), "released by close");
    }

    @Test
    void acquireWaitsForTheHolderWhereTryAcquireReportsIt() throws Exception {
        Path lockFile = dir.resolve("registry.json.lock");
        CompletableFuture<Long> waiter;
        try (ExclusiveLock held = ExclusiveLock.acquire(lockFile)) {
            assertEquals(OptionalLong.of(SELF), fromAnotherThread(lockFile).holderPid(), "taken: reported at once");
            waiter = CompletableFuture.supplyAsync(() -> {
                long t0 = System.nanoTime();
                try (ExclusiveLock mine = ExclusiveLock.acquire(lockFile)) {
                    return System.nanoTime() - t0;
                }
            });
            Thread.sleep(300);
            assertFalse(waiter.isDone(), "acquire waits while the lock is held");
        }
        assertTrue(waiter.get(30, TimeUnit.SECONDS) >= 250_000_000L, "it got the lock only after the release");
        assertEquals("", Files.readString(lockFile), "acquire leaves the lock file empty (docs/lockey.md, the registry)");
    }

    @Test
    void aLockFileThatCannotBeCreatedIsOneLineNamingIt() {
        Path lockFile = dir.resolve("missing-directory/.lock");
        LockeyException e = assertThrows(LockeyException.class, () -> ExclusiveLock.tryAcquire(lockFile));
        assertTrue(e.getMessage().startsWith(lockFile + ": cannot lock"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }
}
