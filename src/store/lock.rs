//! The pipeline's write lock: one mutating funnel command at a time per
//! repository.
//!
//! It is an advisory lock (`flock`) on `funnel/write.lock` in the
//! repository's common git dir, so linked work trees share it. The kernel
//! releases it when its process ends, however it ends: a killed command
//! never leaves a lock behind. The holder writes its pid into the file so
//! a waiting command can say whom it waits for.

use std::fs::{File, OpenOptions};
use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// Held for the life of a mutating command.
#[derive(Debug)]
pub struct WriteLock {
    _file: File,
}

/// How long to wait for another command, and what to call while waiting.
pub struct Wait<'a> {
    pub timeout: Duration,
    /// Called once when the wait has lasted a moment, with the holder's pid.
    pub on_wait: &'a dyn Fn(Option<u32>),
}

/// The lock file of the repository whose common git dir is `common_dir`.
pub fn path(common_dir: &Path) -> PathBuf {
    common_dir.join("funnel").join("write.lock")
}

impl WriteLock {
    /// Waits for the lock (up to `wait.timeout`) and takes it.
    pub fn acquire(common_dir: &Path, wait: &Wait<'_>) -> Result<WriteLock> {
        let path = path(common_dir);
        let file = open(&path)?;
        match file.try_lock() {
            Ok(()) => return WriteLock::holding(file, &path),
            Err(std::fs::TryLockError::WouldBlock) => {}
            Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(&path, e)),
        }
        let holder = holder(&path);
        // A blocking lock in a helper thread: the kernel wakes waiters
        // without the gaps of polling, and the timeout stays ours.
        let (tx, rx) = mpsc::channel();
        let waiting = file.try_clone().map_err(|e| Error::io(&path, e))?;
        std::thread::spawn(move || {
            let _ = tx.send(waiting.lock());
        });
        let started = Instant::now();
        let mut told = false;
        loop {
            let left = wait.timeout.saturating_sub(started.elapsed());
            let step = left.min(Duration::from_millis(500));
            match rx.recv_timeout(step) {
                Ok(Ok(())) => return WriteLock::holding(file, &path),
                Ok(Err(e)) => return Err(Error::io(&path, e)),
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(Error::data("the lock-waiting thread ended"));
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
            if started.elapsed() >= wait.timeout {
                let who = holder.map_or("another funnel command".to_string(), |pid| {
                    format!("another funnel command (pid {pid})")
                });
                return Err(Error::hinted(
                    format!(
                        "{who} held the pipeline's write lock for {} s: nothing was changed",
                        wait.timeout.as_secs()
                    ),
                    "run the command again when it has finished (FUNNEL_LOCK_TIMEOUT sets the wait in seconds); the lock ends with its process",
                ));
            }
            if !told {
                (wait.on_wait)(holder);
                told = true;
            }
        }
    }

    /// Takes the lock when it is free; `None` when another command holds it.
    pub fn try_acquire(common_dir: &Path) -> Result<Option<WriteLock>> {
        let path = path(common_dir);
        let file = open(&path)?;
        match file.try_lock() {
            Ok(()) => WriteLock::holding(file, &path).map(Some),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(Error::io(&path, e)),
        }
    }

    fn holding(mut file: File, path: &Path) -> Result<WriteLock> {
        let pid = std::process::id().to_string();
        file.set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| file.write_all(pid.as_bytes()))
            .map_err(|e| Error::io(path, e))?;
        Ok(WriteLock { _file: file })
    }
}

/// Whether a funnel command holds the lock now, and its pid if it said.
pub fn held_by(common_dir: &Path) -> Option<Option<u32>> {
    let path = path(common_dir);
    let file = File::open(&path).ok()?;
    match file.try_lock_shared() {
        Ok(()) => None,
        Err(_) => Some(holder(&path)),
    }
}

fn open(path: &Path) -> Result<File> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| Error::io(path, e))
}

fn holder(path: &Path) -> Option<u32> {
    let mut text = String::new();
    File::open(path).ok()?.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}
