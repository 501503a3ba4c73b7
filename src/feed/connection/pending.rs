//! Control requests waiting to be sent or answered.
//!
//! A request keeps its deadline across reconnects: if the connection drops
//! before the answer, it is sent again on the next one, and the caller gets
//! the server's answer or a timeout, never silence. Ids are positive and
//! never reused by one connection task, so a late answer to an old request
//! cannot be taken for the answer to a new one.

use super::FeedError;
use super::control::Method;
use tokio::sync::oneshot;
use tokio::time::Instant;

/// What a successful request returns to its caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Done,
    List(Vec<String>),
}

pub type ReplyTx = oneshot::Sender<Result<Answer, FeedError>>;

#[derive(Debug)]
pub struct Request {
    pub method: Method,
    pub streams: Vec<String>,
    pub deadline: Instant,
    /// The id it was sent with on the current connection; `None` = not sent yet.
    pub id: Option<u64>,
    /// `None` for the connection's own requests (resubscribing a difference).
    pub reply: Option<ReplyTx>,
}

impl Request {
    /// Answers the caller, if any (who may have stopped waiting).
    pub fn answer(self, r: Result<Answer, FeedError>) {
        if let Some(tx) = self.reply {
            let _ = tx.send(r);
        }
    }
}

#[derive(Debug, Default)]
pub struct Pending {
    requests: Vec<Request>,
    next_id: u64,
}

impl Pending {
    pub fn push(&mut self, r: Request) {
        self.requests.push(r);
    }

    pub fn is_empty(&self) -> bool {
        self.requests.is_empty()
    }

    pub fn has_unsent(&self) -> bool {
        self.requests.iter().any(|r| r.id.is_none())
    }

    /// The oldest request not sent yet, given a fresh id.
    pub fn next_to_send(&mut self) -> Option<&mut Request> {
        let r = self.requests.iter_mut().find(|r| r.id.is_none())?;
        self.next_id += 1;
        r.id = Some(self.next_id);
        Some(r)
    }

    /// Takes the request answered by `id`.
    pub fn take(&mut self, id: u64) -> Option<Request> {
        let i = self.requests.iter().position(|r| r.id == Some(id))?;
        Some(self.requests.remove(i))
    }

    /// Takes the requests whose deadline has passed.
    pub fn take_expired(&mut self, now: Instant) -> Vec<Request> {
        if self.requests.iter().all(|r| r.deadline > now) {
            return Vec::new();
        }
        let (gone, keep) = std::mem::take(&mut self.requests).into_iter().partition(|r| r.deadline <= now);
        self.requests = keep;
        gone
    }

    /// A new connection: everything sent on the old one goes out again.
    pub fn resend_all(&mut self) {
        for r in &mut self.requests {
            r.id = None;
        }
    }

    pub fn take_all(&mut self) -> Vec<Request> {
        std::mem::take(&mut self.requests)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn req(deadline: Instant) -> Request {
        Request { method: Method::Subscribe, streams: vec!["a@trade".into()], deadline, id: None, reply: None }
    }

    #[tokio::test(start_paused = true)]
    async fn ids_deadlines_and_resend() {
        let now = Instant::now();
        let mut p = Pending::default();
        p.push(req(now + Duration::from_secs(1)));
        p.push(req(now + Duration::from_secs(5)));
        assert!(p.has_unsent());
        assert_eq!(p.next_to_send().unwrap().id, Some(1));
        assert_eq!(p.next_to_send().unwrap().id, Some(2));
        assert!(!p.has_unsent() && p.next_to_send().is_none());
        p.resend_all();
        assert_eq!(p.next_to_send().unwrap().id, Some(3), "ids are never reused");
        assert!(p.take(1).is_none());
        tokio::time::advance(Duration::from_secs(2)).await;
        let gone = p.take_expired(Instant::now());
        assert_eq!(gone.len(), 1);
        assert!(p.take(3).is_none(), "the expired one was id 3");
        assert_eq!(p.next_to_send().unwrap().id, Some(4));
        assert!(p.take(4).is_some());
        assert!(p.is_empty());
    }
}
