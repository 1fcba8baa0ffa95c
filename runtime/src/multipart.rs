//! `multipart/form-data` bodies (RFC 7578): each property of the body is a part of its own,
//! named after it. A file is sent with its file name and media type; text as it is; an
//! object as JSON, or as the text parts its `encoding`'s style writes (`meta[key]=value`,
//! one part each). The body is made once, in memory, when the request is sent, and every
//! attempt sends the same bytes.

use std::borrow::Cow;
use std::path::Path;

use bytes::{BufMut, Bytes, BytesMut};
use reqwest::header::HeaderValue;
use ring::rand::{SecureRandom, SystemRandom};

/// A file sent as a part of a `multipart/form-data` body: its bytes, and the file name and
/// media type the part is labelled with.
///
/// ```
/// use api_client_runtime::FilePart;
///
/// let photo = FilePart::new(vec![0x89, b'P', b'N', b'G'])
///     .file_name("cat.png")
///     .media_type("image/png");
/// assert_eq!(photo.bytes().len(), 4);
/// ```
///
/// Without a file name the part is labelled with the name of the property it is sent as
/// (servers tell a file from a text field by its file name); without a media type, with
/// the one the API description gives the property, or else `application/octet-stream`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePart {
    bytes: Bytes,
    file_name: Option<String>,
    media_type: Option<String>,
}

impl FilePart {
    /// A file of these bytes, with no file name or media type yet.
    pub fn new(bytes: impl Into<Bytes>) -> Self {
        Self {
            bytes: bytes.into(),
            file_name: None,
            media_type: None,
        }
    }

    /// The file at `path`, read whole, labelled with its file name.
    pub async fn read(path: impl AsRef<Path>) -> std::io::Result<Self> {
        let path = path.as_ref();
        let bytes = tokio::fs::read(path).await?;
        let part = Self::new(bytes);
        Ok(match path.file_name() {
            Some(name) => part.file_name(name.to_string_lossy()),
            None => part,
        })
    }

    /// Labels the part with `file_name`.
    pub fn file_name(mut self, file_name: impl Into<String>) -> Self {
        self.file_name = Some(file_name.into());
        self
    }

    /// Labels the part with `media_type` (`image/png`).
    pub fn media_type(mut self, media_type: impl Into<String>) -> Self {
        self.media_type = Some(media_type.into());
        self
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }
}

impl From<Bytes> for FilePart {
    fn from(bytes: Bytes) -> Self {
        Self::new(bytes)
    }
}

impl From<Vec<u8>> for FilePart {
    fn from(bytes: Vec<u8>) -> Self {
        Self::new(bytes)
    }
}

impl From<&'static [u8]> for FilePart {
    fn from(bytes: &'static [u8]) -> Self {
        Self::new(bytes)
    }
}

impl From<String> for FilePart {
    fn from(text: String) -> Self {
        Self::new(text)
    }
}

impl From<&'static str> for FilePart {
    fn from(text: &'static str) -> Self {
        Self::new(text)
    }
}

/// The parts of a body being described, each with the place of its property in the
/// API description, so that they are sent in that order whatever the order they were set
/// in (some servers read a file only after the fields before it).
#[derive(Debug, Default)]
pub(crate) struct Parts {
    parts: Vec<Part>,
    /// Whether the body is sent even with no part (it is required).
    pub(crate) required: bool,
}

#[derive(Debug)]
struct Part {
    place: u16,
    name: Cow<'static, str>,
    /// `Some` for a file: its name, and the media type it is labelled with.
    file: Option<(String, Cow<'static, str>)>,
    /// The media type of a part that is not a file and not plain text (JSON).
    media_type: Option<&'static str>,
    body: Bytes,
}

impl Parts {
    /// Whether the body is sent: it is required, or a part is set.
    pub(crate) fn is_sent(&self) -> bool {
        self.required || !self.parts.is_empty()
    }

    /// Takes out the parts at `place`.
    pub(crate) fn remove(&mut self, place: u16) {
        self.parts.retain(|part| part.place != place);
    }

    /// A text part.
    pub(crate) fn text(&mut self, place: u16, name: Cow<'static, str>, text: String) {
        self.parts.push(Part {
            place,
            name,
            file: None,
            media_type: None,
            body: Bytes::from(text),
        });
    }

    /// A JSON part.
    pub(crate) fn json(&mut self, place: u16, name: &'static str, json: Vec<u8>) {
        self.parts.push(Part {
            place,
            name: Cow::Borrowed(name),
            file: None,
            media_type: Some("application/json"),
            body: Bytes::from(json),
        });
    }

    /// A file, labelled with `media_type` unless it has its own.
    pub(crate) fn file(
        &mut self,
        place: u16,
        name: &'static str,
        file: FilePart,
        media_type: &'static str,
    ) {
        let FilePart {
            bytes,
            file_name,
            media_type: own,
        } = file;
        let file_name = file_name.unwrap_or_else(|| name.to_owned());
        let media_type = own.map_or(Cow::Borrowed(media_type), Cow::Owned);
        self.parts.push(Part {
            place,
            name: Cow::Borrowed(name),
            file: Some((file_name, media_type)),
            media_type: None,
            body: bytes,
        });
    }

    /// The `Content-Type` and the bytes of the body, the parts in the order of their
    /// places; an error when a file's media type could not be a header's value.
    pub(crate) fn into_body(mut self) -> Result<(String, Bytes), String> {
        self.parts.sort_by_key(|part| part.place);
        let boundary = boundary()?;
        let size = self
            .parts
            .iter()
            .map(|part| part.body.len() + part.name.len() + 160)
            .sum::<usize>();
        let mut body = BytesMut::with_capacity(size + boundary.len() + 8);
        for part in &self.parts {
            body.put_slice(b"--");
            body.put_slice(boundary.as_bytes());
            body.put_slice(b"\r\nContent-Disposition: form-data; name=\"");
            put_quoted(&mut body, &part.name);
            body.put_u8(b'"');
            let media_type = match &part.file {
                Some((file_name, media_type)) => {
                    body.put_slice(b"; filename=\"");
                    put_quoted(&mut body, file_name);
                    body.put_u8(b'"');
                    Some(media_type.as_ref())
                }
                None => part.media_type,
            };
            if let Some(media_type) = media_type {
                if media_type.is_empty() || HeaderValue::from_str(media_type).is_err() {
                    return Err(format!(
                        "the media type {media_type:?} of the part `{}` is no media type",
                        part.name
                    ));
                }
                body.put_slice(b"\r\nContent-Type: ");
                body.put_slice(media_type.as_bytes());
            }
            body.put_slice(b"\r\n\r\n");
            body.put_slice(&part.body);
            body.put_slice(b"\r\n");
        }
        body.put_slice(b"--");
        body.put_slice(boundary.as_bytes());
        body.put_slice(b"--\r\n");
        let content_type = format!("multipart/form-data; boundary={boundary}");
        Ok((content_type, body.freeze()))
    }
}

/// A boundary no part can hold but by chance: 128 random bits, in hex.
fn boundary() -> Result<String, String> {
    let mut random = [0; 16];
    SystemRandom::new()
        .fill(&mut random)
        .map_err(|_| "no random boundary could be drawn for the multipart body".to_owned())?;
    let hex: String = random.iter().map(|byte| format!("{byte:02x}")).collect();
    Ok(format!("----api-client-runtime-{hex}"))
}

/// `text` inside the quotes of a `Content-Disposition` parameter, as browsers write it
/// (the HTML standard's multipart/form-data encoding): a quote, a carriage return and a
/// line feed percent-encoded, so that no name or file name can end the header.
fn put_quoted(body: &mut BytesMut, text: &str) {
    for byte in text.bytes() {
        match byte {
            b'"' => body.put_slice(b"%22"),
            b'\r' => body.put_slice(b"%0D"),
            b'\n' => body.put_slice(b"%0A"),
            byte => body.put_u8(byte),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The body with its random boundary replaced by `B`.
    fn body(parts: Parts) -> String {
        let (content_type, body) = parts.into_body().unwrap();
        let boundary = content_type
            .strip_prefix("multipart/form-data; boundary=")
            .unwrap();
        String::from_utf8(body.to_vec())
            .unwrap()
            .replace(boundary, "B")
    }

    #[test]
    fn parts_are_written_in_the_order_of_their_places() {
        let mut parts = Parts::default();
        parts.file(
            2,
            "file",
            FilePart::new("PNG").file_name("cat.png"),
            "image/png",
        );
        parts.text(0, Cow::Borrowed("name"), "Tom".to_owned());
        parts.json(1, "meta", br#"{"a":1}"#.to_vec());
        assert_eq!(
            body(parts),
            "--B\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nTom\r\n\
             --B\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{\"a\":1}\r\n\
             --B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cat.png\"\r\nContent-Type: image/png\r\n\r\nPNG\r\n\
             --B--\r\n"
        );
    }

    #[test]
    fn a_file_without_a_name_or_media_type_takes_the_part_s_and_the_default() {
        let mut parts = Parts::default();
        parts.file(
            0,
            "upload",
            FilePart::new(vec![0, 255]),
            "application/octet-stream",
        );
        let (_, body) = parts.into_body().unwrap();
        let text = String::from_utf8_lossy(&body);
        assert!(text.contains("name=\"upload\"; filename=\"upload\"\r\nContent-Type: application/octet-stream\r\n\r\n"));
        assert!(body.windows(4).any(|window| window == b"\0\xff\r\n"));
    }

    #[test]
    fn names_cannot_end_their_header_and_media_types_cannot_add_one() {
        let mut parts = Parts::default();
        let file = FilePart::new("x").file_name("a\"b\r\nc.txt");
        parts.file(0, "f", file, "text/plain");
        assert!(body(parts).contains("filename=\"a%22b%0D%0Ac.txt\""));

        let mut parts = Parts::default();
        let file = FilePart::new("x").media_type("text/plain\r\nX-Evil: 1");
        parts.file(0, "f", file, "text/plain");
        let error = parts.into_body().unwrap_err();
        assert!(
            error.contains("of the part `f` is no media type"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn a_file_read_from_a_path_is_labelled_with_its_file_name() {
        let dir = std::env::temp_dir().join(format!("multipart-read-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("report 1.csv");
        std::fs::write(&path, b"a,b\n1,2\n").unwrap();
        let file = FilePart::read(&path).await.unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(file.bytes().as_ref(), b"a,b\n1,2\n");
        assert_eq!(file.file_name.as_deref(), Some("report 1.csv"));
        let missing = FilePart::read(dir.join("missing")).await.unwrap_err();
        assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
    }

    #[test]
    fn an_empty_body_is_its_closing_boundary() {
        assert_eq!(body(Parts::default()), "--B--\r\n");
    }

    #[test]
    fn each_body_has_a_boundary_of_its_own() {
        let (first, _) = Parts::default().into_body().unwrap();
        let (second, _) = Parts::default().into_body().unwrap();
        assert_ne!(first, second);
        assert!(first.len() < "multipart/form-data; boundary=".len() + 70);
    }
}
