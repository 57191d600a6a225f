//! AgentCore's quotas as bookkeeping: the invocation rate per endpoint and the account's active
//! sessions, each held from its first invocation until it has idled for the idle timeout, is
//! stopped, or reaches its maximum lifetime. Pure: every method is told the time (`now`), so the
//! rules are tested without sleeping; the data plane reads the clock and passes it in.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant};

use serde::Serialize;

/// AWS's defaults (bedrock-agentcore-limits): 25 calls per second per endpoint, 1,000 active
/// sessions per account (us-east-1, the emulator's region), 900 s idle timeout, 8 h lifetime.
const AWS_INVOCATIONS_PER_SECOND: u32 = 25;
const AWS_MAX_ACTIVE_SESSIONS: usize = 1_000;
const AWS_IDLE_TIMEOUT: Duration = Duration::from_secs(900);
const AWS_MAX_SESSION_LIFETIME: Duration = Duration::from_secs(8 * 3600);

/// The longest a scaled duration gets: it never arrives within a run, and `Instant + FOREVER`
/// cannot overflow (a time scale near zero would otherwise ask for an unrepresentable instant).
const FOREVER: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// The quotas an emulator enforces. The default, [`Quotas::unlimited`], limits nothing; sessions
/// are still tracked, so [`QuotaStats`] show what a deployment would hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Quotas {
    /// `InvokeAgentRuntime` calls per second per endpoint (runtime + qualifier); past it, 429
    /// `ThrottlingException`. `None`: no limit.
    pub invocations_per_second: Option<u32>,
    /// Active sessions per account; a call that would open one more gets 402
    /// `ServiceQuotaExceededException`. `None`: no limit.
    pub max_active_sessions: Option<usize>,
    /// How long a session stays active once its last invocation's answer has ended.
    pub idle_timeout: Duration,
    /// How long a session stays active at most, from its first invocation, busy or not.
    pub max_session_lifetime: Duration,
    /// How much faster the emulator's clock runs than AWS's: the durations above and the rate's
    /// one-second window are divided by it (100: a 9 s idle timeout, 25 calls per 10 ms; 0.001:
    /// a 1,000 s rate window, for tests that must not race the clock). Positive.
    pub time_scale: f64,
}

impl Default for Quotas {
    fn default() -> Self {
        Quotas::unlimited()
    }
}

impl Quotas {
    /// No rate limit and no session limit (the emulator's behaviour before quotas); sessions
    /// still idle out after AWS's default timeouts, for the statistics.
    pub fn unlimited() -> Quotas {
        Quotas {
            invocations_per_second: None,
            max_active_sessions: None,
            idle_timeout: AWS_IDLE_TIMEOUT,
            max_session_lifetime: AWS_MAX_SESSION_LIFETIME,
            time_scale: 1.0,
        }
    }

    /// AWS's default quotas in us-east-1: 25 calls per second per endpoint, 1,000 active sessions,
    /// 900 s idle timeout, 8 h maximum lifetime, real time.
    pub fn aws_defaults() -> Quotas {
        Quotas {
            invocations_per_second: Some(AWS_INVOCATIONS_PER_SECOND),
            max_active_sessions: Some(AWS_MAX_ACTIVE_SESSIONS),
            ..Quotas::unlimited()
        }
    }

    /// `d` on the emulator's clock.
    fn scaled(&self, d: Duration) -> Duration {
        Duration::try_from_secs_f64(d.as_secs_f64() / self.time_scale)
            .map_or(FOREVER, |d| d.min(FOREVER))
    }
}

/// What the quotas have done so far (`GET /_local/quotas` sends it as JSON).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct QuotaStats {
    /// Sessions active now, across accounts.
    pub active_sessions: usize,
    /// The most sessions that were active at once.
    pub peak_active_sessions: usize,
    /// Invocations let through to the agent.
    pub admitted: u64,
    /// Invocations refused with 429 `ThrottlingException`.
    pub throttled: u64,
    /// Invocations refused with 402 `ServiceQuotaExceededException`.
    pub quota_exceeded: u64,
    /// Active sessions ended by `StopRuntimeSession`.
    pub stopped: u64,
}

/// A session as the service knows it: a session id is one session per runtime; the account is
/// whose quota it counts against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct SessionKey {
    pub(crate) account: String,
    pub(crate) runtime_id: String,
    pub(crate) session_id: String,
}

/// Why an invocation was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Over the endpoint's rate: 429.
    Throttled,
    /// A new session while the account's sessions are all taken: 402.
    NoFreeSession,
}

/// An admitted invocation's hold on its session, given back to [`QuotaBook::finish`] when the
/// answer has ended. It names the session's incarnation, so a late answer of a session that was
/// stopped does not touch a new session under the same id.
#[derive(Debug)]
pub(crate) struct Lease {
    key: SessionKey,
    incarnation: u64,
}

struct Session {
    incarnation: u64,
    started: Instant,
    /// Invocations whose answers are still being sent: while any is, the session is not idle.
    in_flight: usize,
    /// When the session ends unless it is used again: its lifetime's end while busy, else the
    /// earlier of that and the end of the idle timeout.
    ends: Instant,
}

/// The quotas' state: recent calls per endpoint and the active sessions.
pub(crate) struct QuotaBook {
    per_second: Option<u32>,
    max_active: Option<usize>,
    window: Duration,
    idle: Duration,
    lifetime: Duration,
    /// The rate limit is a sliding window: the calls of the last window per endpoint (keyed
    /// `account/runtime id/qualifier`). Unlike fixed windows it never lets 2×N calls through
    /// across a window boundary, and whether a burst is refused does not depend on where the
    /// boundaries happen to fall, so tests of it cannot flake. A call counts once past the rate
    /// check, even if then refused for want of a session (throttling comes first, as at AWS's
    /// front door); throttled calls do not count, so a client backing off gets through.
    recent: HashMap<String, VecDeque<Instant>>,
    sessions: HashMap<SessionKey, Session>,
    /// The sessions ordered by their end, so expiring them costs nothing until one is due.
    ending: BTreeMap<(Instant, u64), SessionKey>,
    active_per_account: HashMap<String, usize>,
    next_incarnation: u64,
    stats: QuotaStats,
}

impl QuotaBook {
    pub(crate) fn new(quotas: &Quotas) -> QuotaBook {
        QuotaBook {
            per_second: quotas.invocations_per_second,
            max_active: quotas.max_active_sessions,
            window: quotas.scaled(Duration::from_secs(1)),
            idle: quotas.scaled(quotas.idle_timeout),
            lifetime: quotas.scaled(quotas.max_session_lifetime),
            recent: HashMap::new(),
            sessions: HashMap::new(),
            ending: BTreeMap::new(),
            active_per_account: HashMap::new(),
            next_incarnation: 0,
            stats: QuotaStats::default(),
        }
    }

    /// Admits an invocation of `key` through endpoint `qualifier` at `now`, marking its session
    /// busy (opening it if it is not active), or says why not.
    pub(crate) fn admit(
        &mut self,
        key: &SessionKey,
        qualifier: &str,
        now: Instant,
    ) -> Result<Lease, Refusal> {
        self.expire(now);
        if !self.within_rate(key, qualifier, now) {
            self.stats.throttled += 1;
            return Err(Refusal::Throttled);
        }
        let incarnation = if let Some(session) = self.sessions.get_mut(key) {
            // A busy session ends only at its lifetime's end.
            session.in_flight += 1;
            let (incarnation, end) = (session.incarnation, session.started + self.lifetime);
            self.move_end(key, end);
            incarnation
        } else if self.account_full(&key.account) {
            self.stats.quota_exceeded += 1;
            return Err(Refusal::NoFreeSession);
        } else {
            self.open(key, now)
        };
        self.stats.admitted += 1;
        Ok(Lease {
            key: key.clone(),
            incarnation,
        })
    }

    /// The answer of `lease`'s invocation has ended (sent or abandoned) at `now`: when it was the
    /// session's last one in flight, the session starts idling.
    pub(crate) fn finish(&mut self, lease: Lease, now: Instant) {
        self.expire(now);
        let Some(session) = self.sessions.get_mut(&lease.key) else {
            return;
        };
        if session.incarnation != lease.incarnation {
            return;
        }
        session.in_flight = session.in_flight.saturating_sub(1);
        if session.in_flight == 0 {
            let end = (now + self.idle).min(session.started + self.lifetime);
            self.move_end(&lease.key, end);
        }
    }

    /// `StopRuntimeSession` at `now`: ends `key`'s session and frees its slot; false when it was
    /// not active.
    pub(crate) fn stop(&mut self, key: &SessionKey, now: Instant) -> bool {
        self.expire(now);
        let Some(session) = self.sessions.remove(key) else {
            return false;
        };
        self.ending.remove(&(session.ends, session.incarnation));
        self.free_slot(&key.account);
        self.stats.stopped += 1;
        true
    }

    /// The statistics as of `now`.
    pub(crate) fn stats(&mut self, now: Instant) -> QuotaStats {
        self.expire(now);
        QuotaStats {
            active_sessions: self.sessions.len(),
            ..self.stats
        }
    }

    fn within_rate(&mut self, key: &SessionKey, qualifier: &str, now: Instant) -> bool {
        let Some(limit) = self.per_second else {
            return true;
        };
        let endpoint = format!("{}/{}/{qualifier}", key.account, key.runtime_id);
        let log = self.recent.entry(endpoint).or_default();
        // `duration_since` saturates, so this needs no `now - window` (which can underflow
        // shortly after boot with a long, scaled-up window).
        while let Some(&oldest) = log.front()
            && now.duration_since(oldest) >= self.window
        {
            log.pop_front();
        }
        if log.len() >= limit as usize {
            return false;
        }
        log.push_back(now);
        true
    }

    fn account_full(&self, account: &str) -> bool {
        let active = self.active_per_account.get(account).copied().unwrap_or(0);
        self.max_active.is_some_and(|max| active >= max)
    }

    /// Opens a busy session for `key` at `now`; returns its incarnation.
    fn open(&mut self, key: &SessionKey, now: Instant) -> u64 {
        let incarnation = self.next_incarnation;
        self.next_incarnation += 1;
        let ends = now + self.lifetime;
        self.sessions.insert(
            key.clone(),
            Session {
                incarnation,
                started: now,
                in_flight: 1,
                ends,
            },
        );
        self.ending.insert((ends, incarnation), key.clone());
        *self
            .active_per_account
            .entry(key.account.clone())
            .or_default() += 1;
        self.stats.peak_active_sessions = self.stats.peak_active_sessions.max(self.sessions.len());
        incarnation
    }

    fn move_end(&mut self, key: &SessionKey, end: Instant) {
        if let Some(session) = self.sessions.get_mut(key) {
            if let Some(k) = self.ending.remove(&(session.ends, session.incarnation)) {
                self.ending.insert((end, session.incarnation), k);
            }
            session.ends = end;
        }
    }

    /// Ends every session whose end is at or before `now`.
    fn expire(&mut self, now: Instant) {
        while let Some(due) = self.ending.first_entry() {
            if due.key().0 > now {
                break;
            }
            let key = due.remove();
            self.sessions.remove(&key);
            self.free_slot(&key.account);
        }
    }

    fn free_slot(&mut self, account: &str) {
        // An account's entry stays at zero: accounts are few.
        if let Some(n) = self.active_per_account.get_mut(account) {
            *n -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IDLE: Duration = Duration::from_secs(900);
    const MS: Duration = Duration::from_millis(1);
    const OK: Result<(), Refusal> = Ok(());
    const FULL: Result<(), Refusal> = Err(Refusal::NoFreeSession);
    const SLOW: Result<(), Refusal> = Err(Refusal::Throttled);

    fn key(session: &str) -> SessionKey {
        SessionKey {
            account: "123456789012".into(),
            runtime_id: "local_triage-LOCAL00001".into(),
            session_id: session.into(),
        }
    }

    fn book(per_second: Option<u32>, max_active: Option<usize>) -> QuotaBook {
        QuotaBook::new(&Quotas {
            invocations_per_second: per_second,
            max_active_sessions: max_active,
            ..Quotas::unlimited()
        })
    }

    /// An invocation of `session` admitted at `now` whose answer is still in flight.
    fn hold(book: &mut QuotaBook, session: &str, now: Instant) -> Lease {
        book.admit(&key(session), "DEFAULT", now).expect("admitted")
    }

    /// Admits and immediately finishes one invocation (an answer sent at once).
    fn call(book: &mut QuotaBook, session: &str, now: Instant) -> Result<(), Refusal> {
        let lease = book.admit(&key(session), "DEFAULT", now)?;
        book.finish(lease, now);
        Ok(())
    }

    #[test]
    fn the_rate_window_slides_per_endpoint_and_counts_admitted_calls_only() {
        let (mut b, t0) = (book(Some(2), None), Instant::now());
        assert_eq!(call(&mut b, "a", t0), OK);
        assert_eq!(call(&mut b, "b", t0 + 500 * MS), OK);
        assert_eq!(call(&mut b, "c", t0 + 600 * MS), SLOW);
        let other = b.admit(&key("c"), "prod", t0 + 600 * MS);
        assert!(other.is_ok(), "another endpoint has its own window");
        assert_eq!(call(&mut b, "c", t0 + 999 * MS), SLOW);
        // One second after the first call it leaves the window: one slot, not a fresh pair.
        assert_eq!(call(&mut b, "c", t0 + 1000 * MS), OK);
        assert_eq!(call(&mut b, "d", t0 + 1000 * MS), SLOW);
        assert_eq!(call(&mut b, "d", t0 + 1500 * MS), OK);
        let stats = b.stats(t0 + 1500 * MS);
        assert_eq!((stats.admitted, stats.throttled), (5, 3));
    }

    #[test]
    fn a_session_frees_its_slot_once_idle_for_the_idle_timeout() {
        let (mut b, t0) = (book(None, Some(1)), Instant::now());
        let answered = t0 + Duration::from_secs(1);
        let lease = hold(&mut b, "a", t0);
        b.finish(lease, answered);
        assert_eq!(call(&mut b, "b", answered + IDLE - MS), FULL);
        assert_eq!(call(&mut b, "b", answered + IDLE), OK);
        assert_eq!(b.stats(answered + IDLE).quota_exceeded, 1);
    }

    #[test]
    fn a_busy_session_does_not_idle_out_until_its_last_answer_ends() {
        let (mut b, t0) = (book(None, Some(1)), Instant::now());
        let first = hold(&mut b, "a", t0);
        // Continuing an active session needs no free slot.
        let second = hold(&mut b, "a", t0 + MS);
        let late = t0 + 10 * IDLE;
        assert_eq!(call(&mut b, "b", late), FULL);
        b.finish(first, late);
        let done = late + 2 * IDLE;
        assert_eq!(call(&mut b, "b", done), FULL, "one answer is in flight");
        b.finish(second, done);
        assert_eq!(call(&mut b, "b", done + IDLE - MS), FULL);
        assert_eq!(call(&mut b, "b", done + IDLE), OK);
    }

    #[test]
    fn stopping_frees_the_slot_and_the_stopped_id_is_a_new_session() {
        let (mut b, t0) = (book(None, Some(1)), Instant::now());
        let stale = hold(&mut b, "a", t0);
        assert!(
            b.stop(&key("a"), t0),
            "stopped while its answer is in flight"
        );
        assert!(!b.stop(&key("a"), t0), "no longer active");
        assert_eq!(call(&mut b, "b", t0), OK);
        assert_eq!(call(&mut b, "a", t0), FULL);
        assert!(b.stop(&key("b"), t0));
        let current = hold(&mut b, "a", t0);
        // The stopped incarnation's answer ends now: the new one stays busy regardless.
        b.finish(stale, t0);
        assert_eq!(call(&mut b, "c", t0 + 3 * IDLE), FULL);
        b.finish(current, t0 + 3 * IDLE);
        assert_eq!(b.stats(t0 + 3 * IDLE).stopped, 2);
    }

    #[test]
    fn a_session_ends_at_its_maximum_lifetime_even_while_busy() {
        let hour = Duration::from_secs(3600);
        let mut b = QuotaBook::new(&Quotas {
            max_active_sessions: Some(1),
            max_session_lifetime: hour,
            ..Quotas::unlimited()
        });
        let (t0, minute) = (Instant::now(), Duration::from_secs(60));
        // Kept busy by calls every 10 minutes, then one answer that never ends.
        for minutes in (0..60).step_by(10) {
            assert_eq!(call(&mut b, "a", t0 + minutes * minute), OK);
        }
        let endless = hold(&mut b, "a", t0 + 59 * minute);
        assert_eq!(call(&mut b, "b", t0 + hour - MS), FULL);
        assert_eq!(call(&mut b, "b", t0 + hour), OK);
        // The ended session's answer finishing later changes nothing.
        b.finish(endless, t0 + hour);
        assert_eq!(b.stats(t0 + hour).active_sessions, 1);
    }

    #[test]
    fn the_time_scale_divides_the_timeouts_and_the_rate_window() {
        let scaled = Quotas {
            time_scale: 100.0,
            ..Quotas::aws_defaults()
        };
        let (mut b, t0) = (QuotaBook::new(&scaled), Instant::now());
        for _ in 0..25 {
            assert_eq!(call(&mut b, "a", t0), OK);
        }
        assert_eq!(call(&mut b, "a", t0 + 9 * MS), SLOW);
        assert_eq!(call(&mut b, "a", t0 + 10 * MS), OK);
        let idle_end = t0 + 10 * MS + Duration::from_secs(9);
        assert_eq!(b.stats(idle_end - MS).active_sessions, 1);
        assert_eq!(b.stats(idle_end).active_sessions, 0);
        // 8 h / 100 = 288 s: a session kept busy ends then.
        let _busy = hold(&mut b, "b", idle_end);
        let lifetime_end = idle_end + Duration::from_secs(288);
        assert_eq!(b.stats(lifetime_end - MS).active_sessions, 1);
        assert_eq!(b.stats(lifetime_end).active_sessions, 0);
    }

    #[test]
    fn the_peak_counts_the_most_sessions_active_at_once() {
        let (mut b, t0) = (book(None, None), Instant::now());
        for s in ["a", "b", "c"] {
            assert_eq!(call(&mut b, s, t0), OK);
        }
        assert!(b.stop(&key("a"), t0) && b.stop(&key("b"), t0));
        assert_eq!(call(&mut b, "d", t0), OK);
        let stats = b.stats(t0);
        let expected = QuotaStats {
            active_sessions: 2,
            peak_active_sessions: 3,
            admitted: 4,
            stopped: 2,
            ..QuotaStats::default()
        };
        assert_eq!(stats, expected);
        let later = b.stats(t0 + IDLE);
        assert_eq!((later.active_sessions, later.peak_active_sessions), (0, 3));
    }

    #[test]
    fn unlimited_quotas_refuse_nothing_and_accounts_are_counted_apart() {
        let (mut b, t0) = (book(None, None), Instant::now());
        for i in 0..2_000 {
            assert_eq!(call(&mut b, &format!("s{i}"), t0), OK);
        }
        let mut per_account = book(None, Some(1));
        assert_eq!(call(&mut per_account, "a", t0), OK);
        let elsewhere = SessionKey {
            account: "210987654321".into(),
            ..key("a")
        };
        assert!(per_account.admit(&elsewhere, "DEFAULT", t0).is_ok());
        assert_eq!(call(&mut per_account, "b", t0), FULL);
    }
}
