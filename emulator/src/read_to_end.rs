//! Whether a request's body was read to its end before its answer. An answer given before
//! (a refusal by the rate limit, authentication or a fault, a body too large, too slow or
//! broken, a path that names nothing, an operation that takes no body) says
//! `Connection: close`: hyper closes such a connection itself unless the rest of the body
//! has already arrived, and a client that took it back into its pool would send its next
//! request into the closing connection and lose it ("connection closed before message
//! completed"). The connection closes even when the whole body had arrived: a reconnect
//! for the client, where a race would lose a request.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::{HeaderValue, Request, Response, header};
use bytes::Bytes;
use hyper::body::{Body as _, Frame, Incoming, SizeHint};

/// Tells whether the body of the request it came with was read to its end.
pub(crate) struct ReadToEnd(Option<Arc<AtomicBool>>);

/// `request` with its body watched, and what tells whether it was read to its end. A request
/// with no body has nothing to watch.
pub(crate) fn watch(request: Request<Incoming>) -> (Request<Body>, ReadToEnd) {
    if request.body().is_end_stream() {
        return (request.map(Body::new), ReadToEnd(None));
    }
    let ended = Arc::new(AtomicBool::new(false));
    let watched = request.map(|body| {
        Body::new(Watched {
            body,
            ended: ended.clone(),
        })
    });
    (watched, ReadToEnd(Some(ended)))
}

impl ReadToEnd {
    /// `response`, saying that the connection closes after it when the body was not read
    /// to its end.
    pub(crate) fn answer<B>(&self, mut response: Response<B>) -> Response<B> {
        if self
            .0
            .as_ref()
            .is_some_and(|ended| !ended.load(Ordering::Relaxed))
        {
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

/// A request body that notes when it has been read to its end.
struct Watched {
    body: Incoming,
    ended: Arc<AtomicBool>,
}

impl hyper::body::Body for Watched {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let polled = Pin::new(&mut self.body).poll_frame(context);
        if matches!(polled, Poll::Ready(None)) || self.body.is_end_stream() {
            self.ended.store(true, Ordering::Relaxed);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
