//! Load threads for the cluster tests: each runs until told to stop, counting its
//! successful operations in a shared counter, and hands back what it saw.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use strictredis_test_kit::wait_until;

/// What a load thread is given: when to stop, and where to count its operations.
pub struct Control {
    stop: Arc<AtomicBool>,
    ops: Arc<AtomicU64>,
}

impl Control {
    /// True once [`Threads::finish`] was called.
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Counts one successful operation.
    pub fn count(&self) {
        self.ops.fetch_add(1, Ordering::Relaxed);
    }
}

/// Running load threads, each returning an `S`.
pub struct Threads<S> {
    stop: Arc<AtomicBool>,
    ops: Arc<AtomicU64>,
    threads: Vec<JoinHandle<S>>,
}

impl<S: Send + 'static> Threads<S> {
    /// Starts one thread per item of `work`, each running `run(item, control)`.
    pub fn spawn<W: Send + 'static>(
        work: impl IntoIterator<Item = W>,
        run: impl Fn(W, &Control) -> S + Send + Sync + 'static,
    ) -> Threads<S> {
        let stop = Arc::new(AtomicBool::new(false));
        let ops = Arc::new(AtomicU64::new(0));
        let run = Arc::new(run);
        let threads = work
            .into_iter()
            .map(|w| {
                let control = Control {
                    stop: stop.clone(),
                    ops: ops.clone(),
                };
                let run = run.clone();
                thread::spawn(move || run(w, &control))
            })
            .collect();
        Threads { stop, ops, threads }
    }

    /// The operations counted so far, over every thread.
    pub fn ops(&self) -> u64 {
        self.ops.load(Ordering::Relaxed)
    }

    /// Waits until `n` more operations have completed (panics after 60 s).
    pub fn wait_for_ops(&self, n: u64) {
        self.wait_for_ops_within(n, Duration::from_secs(60));
    }

    /// Waits until `n` more operations have completed (panics after `limit`).
    pub fn wait_for_ops_within(&self, n: u64, limit: Duration) {
        let target = self.ops() + n;
        assert!(
            wait_until(limit, || self.ops() >= target),
            "the load stalled at {} operations ({n} more not done within {limit:?})",
            self.ops()
        );
    }

    /// Stops every thread and returns what each saw.
    pub fn finish(self) -> Vec<S> {
        self.stop.store(true, Ordering::Relaxed);
        self.threads
            .into_iter()
            .map(|t| t.join().expect("load thread panicked"))
            .collect()
    }
}
