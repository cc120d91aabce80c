//! The holder's side: a thread renewing the lease on its own connection,
//! what it learnt (renewed, or found taken over), and the release.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mysql::{Conn, Opts};

use super::table::{self, Key};
use super::{db, error_code, open};
use crate::error::{Error, Result};

/// The pause before trying a renewal again after it failed (not lost).
const RETRY: Duration = Duration::from_millis(200);
/// The least time `release` waits for the renewal thread to delete the row.
const RELEASE_WAIT: Duration = Duration::from_secs(5);

/// A held lease, renewed by a thread of its own until released. Dropping
/// it releases it too (errors ignored); a lease that is neither released
/// nor renewed expires after its duration.
pub struct Lease {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    released: mpsc::Receiver<Result<()>>,
    duration: Duration,
    database: String,
}

/// What the renewal thread and the holder share.
struct Shared {
    state: Mutex<State>,
    wake: Condvar,
}

struct State {
    /// Release: the thread deletes the row and ends.
    stop: bool,
    /// `is_lost` wants a renewal now.
    renew_now: bool,
    in_flight: bool,
    /// The row was found taken over, or the lease could not be vouched for:
    /// no more renewals.
    lost: bool,
    /// When the last renewal that committed was sent (or the lease taken).
    renewed: Instant,
    /// When the last finished renewal attempt was sent.
    tried: Option<Instant>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Lease {
    /// Starts renewing the lease `key`, taken by the write sent at `taken`.
    pub(super) fn start(
        conn: Conn,
        opts: Opts,
        key: Key,
        duration: Duration,
        taken: Instant,
        database: &str,
    ) -> Result<Lease> {
        let state = State { stop: false, renew_now: false, in_flight: false, lost: false, renewed: taken, tried: None };
        let shared = Arc::new(Shared { state: Mutex::new(state), wake: Condvar::new() });
        let (sender, released) = mpsc::channel();
        let renewer = Renewer { conn: Some(conn), opts, key, database: database.to_owned(), period: duration / 3 };
        let thread = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name("strata-lease".to_owned())
                .spawn(move || renewer.run(&shared, taken, sender))
                .map_err(|e| Error::Database(format!("cannot start the thread renewing the lock: {e}")))?
        };
        Ok(Lease { shared, thread: Some(thread), released, duration, database: database.to_owned() })
    }

    /// Whether this runner may no longer count on the lease: its renewal
    /// found the row taken over (the runner stalled for longer than the
    /// lease and another took it), or no renewal has committed within the
    /// last lease and one tried now does not either. Asked before each step;
    /// cheap while renewals succeed. Once lost, always lost.
    pub fn is_lost(&self) -> bool {
        let asked = Instant::now();
        let deadline = asked + self.duration;
        let mut state = self.shared.lock();
        loop {
            if state.lost {
                return true;
            }
            if state.renewed.elapsed() < self.duration {
                return false;
            }
            let tried_since = state.tried.is_some_and(|sent| sent >= asked) && !state.in_flight;
            let now = Instant::now();
            if tried_since || now >= deadline || self.thread.is_none() {
                state.lost = true;
                return true;
            }
            if !state.in_flight {
                state.renew_now = true;
                self.shared.wake.notify_all();
            }
            state = self.shared.wake.wait_timeout(state, deadline - now).unwrap_or_else(PoisonError::into_inner).0;
        }
    }

    /// Stops renewing and deletes the row, if it is still this lease's.
    pub fn release(mut self) -> Result<()> {
        self.stop()
    }

    fn stop(&mut self) -> Result<()> {
        let Some(thread) = self.thread.take() else { return Ok(()) };
        self.shared.lock().stop = true;
        self.shared.wake.notify_all();
        let wait = self.duration.max(RELEASE_WAIT);
        match self.released.recv_timeout(wait) {
            Ok(result) => {
                let _ = thread.join();
                result
            }
            Err(RecvTimeoutError::Timeout) => Err(Error::Database(format!(
                "could not release the lock on {} within {} s (the server does not answer); \
                 it expires by itself within {} s",
                self.database,
                wait.as_secs(),
                self.duration.as_secs()
            ))),
            Err(RecvTimeoutError::Disconnected) => {
                Err(Error::Database(format!("the thread renewing the lock on {} ended unexpectedly", self.database)))
            }
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

impl std::fmt::Debug for Lease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lease").field("database", &self.database).field("duration", &self.duration).finish()
    }
}

/// The renewal thread's own: its connection (made again when broken).
struct Renewer {
    conn: Option<Conn>,
    opts: Opts,
    key: Key,
    database: String,
    period: Duration,
}

impl Renewer {
    /// Renews every period (at once after a slow renewal, soon after a
    /// failed one, and when asked) until stopped; then deletes the row.
    fn run(mut self, shared: &Shared, taken: Instant, released: mpsc::Sender<Result<()>>) {
        let mut next = taken + self.period;
        while self.wait_turn(shared, next) {
            let sent = Instant::now();
            let outcome = self.renew();
            let mut state = shared.lock();
            state.in_flight = false;
            state.tried = Some(sent);
            match outcome {
                Ok(true) => {
                    state.renewed = state.renewed.max(sent);
                    next = if sent.elapsed() >= self.period { Instant::now() } else { sent + self.period };
                }
                Ok(false) => state.lost = true,
                Err(_) => next = Instant::now() + RETRY.min(self.period),
            }
            shared.wake.notify_all();
        }
        let _ = released.send(self.delete());
    }

    /// Waits until a renewal is due (or asked for); `false` once stopped.
    fn wait_turn(&self, shared: &Shared, next: Instant) -> bool {
        let mut state = shared.lock();
        loop {
            if state.stop {
                return false;
            }
            let now = Instant::now();
            if !state.lost && (state.renew_now || now >= next) {
                state.renew_now = false;
                state.in_flight = true;
                return true;
            }
            let wait = if state.lost { Duration::from_secs(3600) } else { next - now };
            state = shared.wake.wait_timeout(state, wait).unwrap_or_else(PoisonError::into_inner).0;
        }
    }

    /// One renewal: `Ok(false)` when the row is no longer this lease's.
    fn renew(&mut self) -> Result<bool> {
        self.with_conn(table::renew).map_err(|e| db("cannot renew the lock", &e))
    }

    fn delete(&mut self) -> Result<()> {
        let context = format!("cannot release the lock on {}", self.database);
        self.with_conn(table::delete).map_err(|e| db(&context, &e))
    }

    /// Runs `write` on the connection, connecting again first when it broke;
    /// an error that is not the server's drops the connection.
    fn with_conn<T>(&mut self, write: fn(&mut Conn, &Key) -> mysql::Result<T>) -> mysql::Result<T> {
        if self.conn.is_none() {
            self.conn = Some(open(&self.opts)?);
        }
        let conn = self.conn.as_mut().expect("connected above");
        let outcome = write(conn, &self.key);
        if outcome.as_ref().is_err_and(|error| error_code(error).is_none()) {
            self.conn = None;
        }
        outcome
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_lease_can_be_held_by_a_driver_on_another_thread() {
        fn send<T: Send>() {}
        send::<super::Lease>();
    }
}
