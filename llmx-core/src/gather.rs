//! Messages gathered from a queue for a moment, for a thread that writes them in batches (the
//! history's commits, the server's access log).
//!
//! The thread sleeps through the moment rather than waiting on the queue: a sender then wakes
//! nobody (waking the thread for every message cost a context switch per request on a busy
//! server), and what arrived is read when the moment ends. A message that should not wait (a
//! flush) ends the moment once read; a sender that has one should also unpark the thread, so
//! it is read at once.

use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::{Duration, Instant};

/// `first` and what follows it on `rx` within `window` of now, at most `max`; the moment ends
/// early when `urgent` says so of a message, or when every sender is gone.
pub fn gather<T>(
    first: T,
    rx: &Receiver<T>,
    window: Duration,
    max: usize,
    urgent: impl Fn(&T) -> bool,
) -> Vec<T> {
    let until = Instant::now() + window;
    let mut got = Vec::new();
    let mut hurry = false;
    let mut next = Some(first);
    loop {
        while let Some(m) = next.take() {
            hurry |= urgent(&m);
            got.push(m);
            if got.len() >= max {
                return got;
            }
            let Some(n) = queued(rx) else { return got };
            next = n;
        }
        let left = until.saturating_duration_since(Instant::now());
        if hurry || left.is_zero() {
            return got;
        }
        std::thread::park_timeout(left);
        let Some(n) = queued(rx) else { return got };
        next = n;
    }
}

/// The next message queued (`Some(None)`: none yet), or `None` once every sender is gone.
fn queued<T>(rx: &Receiver<T>) -> Option<Option<T>> {
    match rx.try_recv() {
        Ok(m) => Some(Some(m)),
        Err(TryRecvError::Empty) => Some(None),
        Err(TryRecvError::Disconnected) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::gather;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn what_is_queued_is_taken_up_to_the_most() {
        let (tx, rx) = mpsc::channel();
        for i in 1..10 {
            tx.send(i).unwrap();
        }
        let got = gather(0, &rx, Duration::ZERO, 5, |_| false);
        assert_eq!(got, vec![0, 1, 2, 3, 4]);
        assert_eq!(
            gather(10, &rx, Duration::ZERO, 100, |_| false),
            vec![10, 5, 6, 7, 8, 9]
        );
    }

    #[test]
    fn an_urgent_message_ends_the_moment_and_so_do_gone_senders() {
        let (tx, rx) = mpsc::channel();
        tx.send(2).unwrap();
        // Without the urgent message this would sleep for an hour.
        let got = gather(1, &rx, Duration::from_secs(3600), 100, |m| *m == 2);
        assert_eq!(got, vec![1, 2]);
        drop(tx);
        let got = gather(3, &rx, Duration::from_secs(3600), 100, |_| false);
        assert_eq!(got, vec![3]);
    }

    #[test]
    fn messages_sent_during_the_moment_are_taken_when_it_ends() {
        let (tx, rx) = mpsc::channel();
        let sender = std::thread::spawn(move || {
            for i in 1..=3 {
                tx.send(i).unwrap();
            }
            // Keep the sender alive past the moment: it ends by time, not by a gone sender.
            std::thread::sleep(Duration::from_millis(200));
        });
        let got = gather(0, &rx, Duration::from_millis(50), 100, |_| false);
        sender.join().unwrap();
        // The three may come in this moment or be left for the next; none is lost.
        let mut all = got;
        while let Ok(m) = rx.try_recv() {
            all.push(m);
        }
        assert_eq!(all, vec![0, 1, 2, 3]);
    }
}
