//! Bad input never crashes the emulator nor grows its memory without bound: garbage bytes,
//! huge bodies, slow clients, endless traffic.

use std::time::Duration;

use okta_identity_source_emulator::{Emulator, Fault, Limits};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{SOURCE, TOKEN, api, builder, start, upsert};

/// Reads until the server closes the connection (or 5 s pass: then the test fails).
async fn read_to_close(stream: &mut TcpStream) -> Vec<u8> {
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the server did not close the connection");
    answer
}

/// Opens a session and, on a connection of its own, starts a bulk-upsert to it that declares
/// `content_length` bytes of body and sends `body` only: the connection, to read the answer.
async fn upload_declaring(emulator: &Emulator, content_length: &str, body: &str) -> TcpStream {
    let session = api(emulator)
        .create_identity_source_session(SOURCE)
        .await
        .unwrap();
    upload_to(emulator, &session.id, content_length, body).await
}

/// The same to session `id`.
async fn upload_to(emulator: &Emulator, id: &str, content_length: &str, body: &str) -> TcpStream {
    let mut stream = TcpStream::connect(emulator.address()).await.unwrap();
    let head = format!(
        "POST /api/v1/identity-sources/{SOURCE}/sessions/{id}/bulk-upsert HTTP/1.1\r\n\
         host: x\r\nauthorization: SSWS {TOKEN}\r\ncontent-type: application/json\r\n\
         content-length: {content_length}\r\n\r\n{body}"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

#[tokio::test]
async fn garbage_bytes_get_a_400_and_the_emulator_keeps_serving() {
    let emulator = start(builder()).await;
    for seed in 0..20u8 {
        let mut stream = TcpStream::connect(emulator.address()).await.unwrap();
        let garbage: Vec<u8> = (0..4096u32)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) | 0x80)
            .collect();
        let _ = stream.write_all(&garbage).await;
        let answer = read_to_close(&mut stream).await;
        let head = String::from_utf8_lossy(&answer);
        assert!(
            answer.is_empty() || head.starts_with("HTTP/1.1 400"),
            "{head}"
        );
    }
    api(&emulator)
        .list_identity_source_sessions(SOURCE)
        .await
        .unwrap();
}

/// The peak resident memory of this process so far (`VmHWM`), in bytes.
#[cfg(target_os = "linux")]
fn peak_resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|line| line.starts_with("VmHWM:"))
        .unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

/// Streams `megabytes` of a never-ending JSON string as a chunked body to a bulk-upsert; the
/// status line of the answer, if the server sent one before closing.
async fn stream_huge_body(
    address: std::net::SocketAddr,
    session: &str,
    megabytes: usize,
) -> String {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /api/v1/identity-sources/{SOURCE}/sessions/{session}/bulk-upsert HTTP/1.1\r\n\
         host: {address}\r\nauthorization: SSWS {TOKEN}\r\ncontent-type: application/json\r\n\
         transfer-encoding: chunked\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, "a".repeat(64 * 1024));
    let _ = stream.write_all(b"e\r\n{\"profiles\":[\"\r\n").await;
    for _ in 0..megabytes * 16 {
        if stream.write_all(chunk.as_bytes()).await.is_err() {
            break;
        }
    }
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn huge_bodies_are_refused_after_the_limit_and_memory_stays_flat() {
    let emulator = start(builder()).await;
    let api = api(&emulator);
    let session = api.create_identity_source_session(SOURCE).await.unwrap();
    stream_huge_body(emulator.address(), &session.id, 1).await;
    let before = peak_resident_bytes();
    for _ in 0..10 {
        let status = stream_huge_body(emulator.address(), &session.id, 20).await;
        assert!(
            status.is_empty() || status.starts_with("HTTP/1.1 400"),
            "{status}"
        );
    }
    let grown = peak_resident_bytes().saturating_sub(before);
    assert!(
        grown < 16 << 20,
        "200 MB of bodies raised the peak memory by {grown} bytes"
    );
    let recorded = emulator.requests();
    let uploads: Vec<_> = recorded
        .iter()
        .filter(|r| r.path.ends_with("/bulk-upsert"))
        .collect();
    assert_eq!(uploads.len(), 11);
    assert!(uploads.iter().all(|r| r.status == Some(400)));
    assert_eq!(emulator.sessions(SOURCE)[0].upload_requests, 0);
    api.list_identity_source_sessions(SOURCE).await.unwrap();
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_refused_before_the_body_is_read() {
    let emulator = start(builder()).await;
    let mut stream = upload_declaring(&emulator, "1000000000", "").await;
    let answer = String::from_utf8_lossy(&read_to_close(&mut stream).await).into_owned();
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(says_it_closes(&answer), "{answer}");
    let body: Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["errorCode"], "E0000001");
}

/// Opens a session, then sends it an upload with `fault` to come, declaring `content_length`
/// bytes and sending `body`; the answer, read until the server closes the connection.
async fn upload_with_fault(
    emulator: &Emulator,
    fault: Fault,
    content_length: &str,
    body: &str,
) -> String {
    let session = api(emulator)
        .create_identity_source_session(SOURCE)
        .await
        .unwrap();
    emulator.inject(fault);
    let mut stream = upload_to(emulator, &session.id, content_length, body).await;
    String::from_utf8_lossy(&read_to_close(&mut stream).await).into_owned()
}

/// A request for the list of the source's sessions, as raw HTTP.
fn list_sessions() -> String {
    format!(
        "GET /api/v1/identity-sources/{SOURCE}/sessions HTTP/1.1\r\n\
         host: x\r\nauthorization: SSWS {TOKEN}\r\n\r\n"
    )
}

/// Whether the answer's head has `Connection: close`.
fn says_it_closes(answer: &str) -> bool {
    let head = answer.split("\r\n\r\n").next().unwrap_or_default();
    head.lines()
        .any(|line| line.eq_ignore_ascii_case("connection: close"))
}

/// A refusal that comes before the body is read (here a 429) says the connection closes, and
/// it closes: a client must not send another request into it, as one taken back into a
/// pool would, racing the close. A refusal of a request with no body keeps the connection.
#[tokio::test]
async fn a_refusal_before_the_body_is_read_closes_the_connection() {
    let emulator = start(builder()).await;
    let too_many = Fault::Status {
        status: 429,
        count: 1,
    };
    let answer = upload_with_fault(
        &emulator,
        too_many.clone(),
        "1000",
        r#"{"entityType":"USERS""#,
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 429"), "{answer}");
    assert!(says_it_closes(&answer), "{answer}");

    emulator.inject(too_many);
    let mut stream = TcpStream::connect(emulator.address()).await.unwrap();
    let mut answers = String::new();
    for _ in 0..2 {
        stream.write_all(list_sessions().as_bytes()).await.unwrap();
        answers.push_str(&read_answer(&mut stream).await);
    }
    assert!(answers.starts_with("HTTP/1.1 429"), "{answers}");
    assert!(
        answers.contains("HTTP/1.1 200"),
        "the same connection answers again: {answers}"
    );
    assert!(!says_it_closes(&answers), "{answers}");
}

/// The answer a fault puts in place of the real one keeps what the real one said: a body too
/// large to read still closes the connection.
#[tokio::test]
async fn an_answer_replaced_by_a_fault_still_closes_when_the_body_was_not_read() {
    let emulator = start(builder()).await;
    let gateway = Fault::StatusAfterCarryingOut {
        status: 504,
        count: 1,
    };
    let answer = upload_with_fault(&emulator, gateway, "1000000000", "{").await;
    assert!(answer.starts_with("HTTP/1.1 504"), "{answer}");
    assert!(says_it_closes(&answer), "{answer}");
}

/// A body read to its end keeps the connection, refused or not; a path that names nothing,
/// whose body is never read, closes it.
#[tokio::test]
async fn a_body_read_to_its_end_keeps_the_connection_and_one_left_unread_closes_it() {
    let emulator = start(builder()).await;
    let session = api(&emulator)
        .create_identity_source_session(SOURCE)
        .await
        .unwrap();
    let refused = r#"{"entityType":"GROUPS","profiles":[]}"#;
    let mut stream = upload_to(&emulator, &session.id, &refused.len().to_string(), refused).await;
    let first = read_answer(&mut stream).await;
    assert!(first.starts_with("HTTP/1.1 400"), "{first}");
    assert!(!says_it_closes(&first), "{first}");
    stream.write_all(list_sessions().as_bytes()).await.unwrap();
    let second = read_answer(&mut stream).await;
    assert!(
        second.starts_with("HTTP/1.1 200"),
        "the same connection answers again: {second}"
    );

    let mut stream = TcpStream::connect(emulator.address()).await.unwrap();
    let nowhere = format!(
        "POST /api/v1/nowhere HTTP/1.1\r\nhost: x\r\nauthorization: SSWS {TOKEN}\r\n\
         content-length: 2\r\n\r\n{{}}"
    );
    stream.write_all(nowhere.as_bytes()).await.unwrap();
    let answer = String::from_utf8_lossy(&read_to_close(&mut stream).await).into_owned();
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    assert!(says_it_closes(&answer), "{answer}");
}

#[tokio::test]
async fn a_token_request_too_large_to_read_closes_the_connection() {
    let emulator = start(builder()).await;
    let mut stream = TcpStream::connect(emulator.address()).await.unwrap();
    let head = "POST /oauth2/v1/token HTTP/1.1\r\nhost: x\r\n\
                content-type: application/x-www-form-urlencoded\r\n\
                content-length: 1000000000\r\n\r\ngrant_type=";
    stream.write_all(head.as_bytes()).await.unwrap();
    let answer = String::from_utf8_lossy(&read_to_close(&mut stream).await).into_owned();
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("invalid_request"), "{answer}");
    assert!(says_it_closes(&answer), "{answer}");
}

/// One answer with a `Content-Length`, read from `stream`.
async fn read_answer(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    let mut byte = [0];
    while !answer.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).await.unwrap();
        answer.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&answer).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length: "))
        .and_then(|length| length.trim().parse().ok())
        .unwrap();
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await.unwrap();
    answer.extend_from_slice(&body);
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn a_declared_length_within_a_limit_set_out_of_reach_reserves_no_memory_for_it() {
    let limits = Limits {
        max_body_bytes: usize::MAX,
        ..Limits::OKTA
    };
    let emulator = start(
        builder()
            .limits(limits)
            .request_timeout(Duration::from_millis(200)),
    )
    .await;
    // More bytes than any memory holds: the body is read as it comes, and never comes.
    let mut stream = upload_declaring(&emulator, "9223372036854775808", "{").await;
    let answer = String::from_utf8_lossy(&read_to_close(&mut stream).await).into_owned();
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("E0000003"), "{answer}");
    api(&emulator)
        .list_identity_source_sessions(SOURCE)
        .await
        .unwrap();
}

#[tokio::test]
async fn slow_clients_are_cut_off_and_do_not_block_others() {
    let emulator = start(builder().request_timeout(Duration::from_millis(200))).await;
    // Headers that never end.
    let mut slow_head = TcpStream::connect(emulator.address()).await.unwrap();
    slow_head
        .write_all(b"GET /api/v1/identity-sources/0oa1/sessions HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    // A body that never arrives.
    let mut slow_body = upload_declaring(&emulator, "1000", "{\"entityType\"").await;
    api(&emulator)
        .list_identity_source_sessions(SOURCE)
        .await
        .unwrap();

    read_to_close(&mut slow_head).await;
    let answer = String::from_utf8_lossy(&read_to_close(&mut slow_body).await).into_owned();
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("E0000003"), "{answer}");
    api(&emulator)
        .list_identity_source_sessions(SOURCE)
        .await
        .unwrap();
}

/// A client that sends requests and never reads the answers is cut off once an answer
/// waits longer than the request timeout for it to read: it does not hold its connection,
/// and the answers it left, for good.
#[tokio::test]
async fn a_client_that_never_reads_its_answers_is_cut_off() {
    let emulator = start(builder().request_timeout(Duration::from_millis(300))).await;
    let mut stream = TcpStream::connect(emulator.address()).await.unwrap();
    // Each 404 says its 60 KB identity source's id again: a few megabytes of answers that
    // fill the sockets' buffers.
    let request = format!(
        "GET /api/v1/identity-sources/{}/sessions HTTP/1.1\r\nhost: x\r\n\
         authorization: SSWS {TOKEN}\r\n\r\n",
        "p".repeat(60_000)
    );
    let mut sent = 0;
    while sent < 200 {
        let write = stream.write_all(request.as_bytes());
        match tokio::time::timeout(Duration::from_secs(10), write).await {
            Ok(Ok(())) => sent += 1,
            // The emulator stopped reading: its writes are stuck, or it closed.
            _ => break,
        }
    }
    // Nothing read for a while: the emulator closed the connection, with answers still to
    // write. (Had it waited, reading now would let it answer every request.)
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut answers = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buffer = vec![0; 1 << 16];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(read) => answers.extend_from_slice(&buffer[..read]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the connection is still open");
    let answered = answers
        .windows(12)
        .filter(|window| window == b"HTTP/1.1 404")
        .count();
    assert!(
        answered > 0 && answered < sent,
        "{answered} of {sent} requests answered"
    );
    api(&emulator)
        .list_identity_source_sessions(SOURCE)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_record_of_requests_keeps_only_the_latest() {
    let emulator = start(builder().record_limit(5)).await;
    let api = api(&emulator);
    for _ in 0..20 {
        api.list_identity_source_sessions(SOURCE).await.unwrap();
    }
    api.get_identity_source_session(SOURCE, "apsLast")
        .await
        .unwrap_err();
    let requests = emulator.requests();
    assert_eq!(requests.len(), 5);
    assert_eq!(
        requests[4].path,
        format!("/api/v1/identity-sources/{SOURCE}/sessions/apsLast")
    );
    assert_eq!(requests[4].status, Some(404));
    assert_eq!(requests[4].header("authorization"), Some("SSWS <redacted>"));
}

#[test]
fn no_secret_is_in_debug_output() {
    let builder = builder().api_token("second-secret-token");
    let text = format!("{builder:?}");
    assert!(
        !text.contains("test-token") && !text.contains("second-secret"),
        "{text}"
    );
    assert!(text.contains("<2 redacted>"), "{text}");
}

#[tokio::test]
async fn durations_too_long_for_the_clock_are_taken_as_a_century() {
    let emulator = start(
        builder()
            .cool_down(Duration::MAX)
            .session_expiry(Duration::MAX)
            .processing_time(Duration::MAX)
            .token_lifetime(Duration::MAX)
            .request_timeout(Duration::MAX)
            .rate_limit(10, Duration::MAX),
    )
    .await;
    let api = api(&emulator);
    let session = api.create_identity_source_session(SOURCE).await.unwrap();
    api.upload_identity_source_data_for_upsert(SOURCE, &session.id, &upsert(0..1))
        .await
        .unwrap();
    let started = api
        .start_import_from_identity_source(SOURCE, &session.id)
        .await
        .unwrap();
    assert_eq!(started.status.as_str(), "TRIGGERED");
    let listed = api
        .list_identity_source_sessions(SOURCE)
        .send()
        .await
        .unwrap();
    assert!(listed.meta().rate_limit.reset.is_some());
}

#[tokio::test]
async fn shutdown_does_not_wait_for_a_free_connection_slot() {
    let emulator = start(builder().max_connections(1)).await;
    // The only slot is held by a kept-alive connection, idle after one answer.
    let mut idle = TcpStream::connect(emulator.address()).await.unwrap();
    let request = format!(
        "GET /api/v1/identity-sources/{SOURCE}/sessions HTTP/1.1\r\nhost: x\r\n\
         authorization: SSWS {TOKEN}\r\n\r\n"
    );
    idle.write_all(request.as_bytes()).await.unwrap();
    let mut head = [0; 12];
    idle.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
    let shutdown = tokio::time::timeout(Duration::from_secs(5), emulator.shutdown()).await;
    assert!(shutdown.is_ok(), "shutdown waited for a connection slot");
}

#[tokio::test]
async fn the_record_of_requests_holds_no_credential_of_any_header() {
    let emulator = start(builder()).await;
    let mut stream = TcpStream::connect(emulator.address()).await.unwrap();
    let request = format!(
        "GET /api/v1/identity-sources/{SOURCE}/sessions HTTP/1.1\r\nhost: x\r\n\
         authorization: SSWS {TOKEN}\r\nproxy-authorization: Basic cHJveHk6c2VjcmV0\r\n\
         cookie: sid=secret-session\r\nconnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let answer = read_to_close(&mut stream).await;
    assert!(answer.starts_with(b"HTTP/1.1 200"));
    let recorded = &emulator.requests()[0];
    assert_eq!(recorded.header("authorization"), Some("SSWS <redacted>"));
    assert_eq!(
        recorded.header("proxy-authorization"),
        Some("Basic <redacted>")
    );
    assert_eq!(recorded.header("cookie"), Some("<redacted>"));
}
