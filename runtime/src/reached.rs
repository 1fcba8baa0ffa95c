//! Whether a client has ever reached a server: a layer around reqwest's connector notes
//! each connection made (TLS included), so that a call dropped while its request was still
//! connecting, on a client that never connected, is known never to have reached a server.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

/// Whether one of a client's connections was ever made; shared by its clones.
#[derive(Debug, Clone, Default)]
pub(crate) struct Reached(Arc<AtomicBool>);

impl Reached {
    /// Whether a connection was made.
    pub(crate) fn get(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

impl<S> tower_layer::Layer<S> for Reached {
    type Service = NoteReached<S>;

    fn layer(&self, connector: S) -> NoteReached<S> {
        NoteReached {
            connector,
            reached: self.clone(),
        }
    }
}

/// A connector that notes in [`Reached`] each connection it makes.
#[derive(Debug, Clone)]
pub(crate) struct NoteReached<S> {
    connector: S,
    reached: Reached,
}

impl<S, R> tower_service::Service<R> for NoteReached<S>
where
    S: tower_service::Service<R>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.connector.poll_ready(cx)
    }

    fn call(&mut self, destination: R) -> Self::Future {
        let connecting = self.connector.call(destination);
        let reached = self.reached.clone();
        Box::pin(async move {
            let connection = connecting.await?;
            reached.0.store(true, Ordering::Release);
            Ok(connection)
        })
    }
}
