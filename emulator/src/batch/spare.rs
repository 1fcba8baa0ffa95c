//! The buffers of dropped batches (their session applied, closed or expired), kept for the
//! next uploads to read their bodies into and keep their users' places in.
//!
//! A session's batches take megabytes (50 bodies and the places of their users' strings), all
//! freed at once when the session ends. The allocator may then give that memory back to the
//! system (glibc does once more than 128 KiB is free at the top of its heap), and the next
//! session's uploads take it again a page at a time: in the `uploads` benchmark, about four
//! page faults an upload, a tenth of the time the emulator took to accept it. Kept for the
//! whole process, as an allocator keeps what is freed: at most [`MAX_BYTES`] in all, whatever
//! the emulators and their limits.

use std::mem::size_of;
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::{BatchAttribute, BatchUser};

/// The most kept, in bytes of capacity: the buffers of a session of 50 uploads of 35 KB
/// (about 5.5 MB) and room for more.
const MAX_BYTES: usize = 16 << 20;

/// The buffers every batch takes from and gives back to.
static SPARE: Spare = Spare::new(MAX_BYTES);

/// An empty buffer with room for `capacity` bytes, for a body to be read into.
pub(crate) fn body(capacity: usize) -> Vec<u8> {
    SPARE.body(capacity)
}

/// Empty vectors with room for `users` users and `attributes` attributes.
pub(super) fn places(users: usize, attributes: usize) -> (Vec<BatchUser>, Vec<BatchAttribute>) {
    SPARE.places(users, attributes)
}

/// Keeps a dropped batch's buffers while there is room for them.
pub(super) fn keep(text: Vec<u8>, users: Vec<BatchUser>, attributes: Vec<BatchAttribute>) {
    SPARE.keep(text, users, attributes);
}

/// Buffers kept, each empty, up to a total capacity in bytes.
struct Spare {
    kept: Mutex<Kept>,
    max_bytes: usize,
}

struct Kept {
    bodies: Vec<Vec<u8>>,
    users: Vec<Vec<BatchUser>>,
    attributes: Vec<Vec<BatchAttribute>>,
    /// The capacities of all of them, in bytes.
    bytes: usize,
}

impl Spare {
    const fn new(max_bytes: usize) -> Self {
        let kept = Kept {
            bodies: Vec::new(),
            users: Vec::new(),
            attributes: Vec::new(),
            bytes: 0,
        };
        Self {
            kept: Mutex::new(kept),
            max_bytes,
        }
    }

    fn body(&self, capacity: usize) -> Vec<u8> {
        with_room(self.lock().pop(capacity, |kept| &mut kept.bodies), capacity)
    }

    fn places(&self, users: usize, attributes: usize) -> (Vec<BatchUser>, Vec<BatchAttribute>) {
        let (kept_users, kept_attributes) = {
            let mut kept = self.lock();
            let kept_users = kept.pop(users, |kept| &mut kept.users);
            (
                kept_users,
                kept.pop(attributes, |kept| &mut kept.attributes),
            )
        };
        (
            with_room(kept_users, users),
            with_room(kept_attributes, attributes),
        )
    }

    fn keep(&self, text: Vec<u8>, users: Vec<BatchUser>, attributes: Vec<BatchAttribute>) {
        let mut kept = self.lock();
        kept.push(self.max_bytes, text, |kept| &mut kept.bodies);
        kept.push(self.max_bytes, users, |kept| &mut kept.users);
        kept.push(self.max_bytes, attributes, |kept| &mut kept.attributes);
    }

    /// Nothing is left half done while the lock is held: a panic elsewhere leaves it usable.
    fn lock(&self) -> MutexGuard<'_, Kept> {
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `buffer` (empty) when it has room for `capacity` items, else a new buffer that has: a
/// buffer grown in place would have its old room copied for nothing.
fn with_room<T>(buffer: Vec<T>, capacity: usize) -> Vec<T> {
    if buffer.capacity() >= capacity {
        buffer
    } else {
        Vec::with_capacity(capacity)
    }
}

impl Kept {
    /// A kept buffer of `kind`, or a new one with no room: none is taken for no room
    /// (a bulk-delete keeps no attributes).
    fn pop<T>(&mut self, room: usize, kind: impl Fn(&mut Self) -> &mut Vec<Vec<T>>) -> Vec<T> {
        if room == 0 {
            return Vec::new();
        }
        let buffer = kind(self).pop().unwrap_or_default();
        self.bytes -= buffer.capacity() * size_of::<T>();
        buffer
    }

    /// Keeps `buffer`, emptied, unless it has no room or there is no room for it.
    fn push<T>(
        &mut self,
        max_bytes: usize,
        mut buffer: Vec<T>,
        kind: impl Fn(&mut Self) -> &mut Vec<Vec<T>>,
    ) {
        buffer.clear();
        let bytes = buffer.capacity() * size_of::<T>();
        if bytes > 0 && self.bytes + bytes <= max_bytes {
            self.bytes += bytes;
            kind(self).push(buffer);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_buffer_comes_back_empty_with_its_room() {
        let spare = Spare::new(1 << 20);
        let mut text = Vec::with_capacity(1000);
        text.extend_from_slice(b"an earlier body");
        let place = text.as_ptr();
        spare.keep(text, Vec::with_capacity(10), Vec::with_capacity(20));

        let body = spare.body(100);
        assert!(body.is_empty(), "nothing of the earlier body is left");
        assert_eq!((body.as_ptr(), body.capacity()), (place, 1000));
        let (users, attributes) = spare.places(5, 30);
        assert!(users.is_empty() && attributes.is_empty());
        assert_eq!(
            users.capacity(),
            10,
            "room enough: the kept buffer as it was"
        );
        assert!(
            attributes.capacity() >= 30,
            "a new buffer with the room asked for"
        );
        assert_eq!(spare.lock().bytes, 0, "nothing kept once all is taken");
        assert!(spare.body(8).capacity() >= 8, "none kept: a new buffer");
        spare.keep(Vec::with_capacity(100), Vec::new(), Vec::with_capacity(10));
        let (_, attributes) = spare.places(1, 0);
        assert_eq!(attributes.capacity(), 0, "none taken for no room");
        assert_eq!(spare.lock().attributes.len(), 1);
    }

    #[test]
    fn no_more_is_kept_than_the_most_and_no_buffer_without_room() {
        let spare = Spare::new(1500);
        spare.keep(Vec::with_capacity(1000), Vec::new(), Vec::new());
        spare.keep(Vec::with_capacity(1000), Vec::new(), Vec::new());
        let kept = spare.lock();
        assert_eq!((kept.bodies.len(), kept.bytes), (1, 1000));
        assert!(kept.users.is_empty() && kept.attributes.is_empty());
    }
}
