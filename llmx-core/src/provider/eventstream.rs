//! The AWS event-stream framing Bedrock's ConverseStream answers in: binary messages of a
//! 12-byte prelude (total length, headers length, the prelude's CRC-32), typed headers, a
//! payload and the message's CRC-32. Each message becomes one [`SseEvent`] — its
//! `:event-type` as the event name and its payload as the data — so the dialect's stream
//! decoder reads it as it reads server-sent events. A CRC that does not match, a length out of
//! bounds or a header cut short is an error, never text.

use super::error::ProviderError;
use super::sse::SseEvent;

/// The largest message accepted (Bedrock's events are a few KB; AWS's own limit is 16 MiB).
const MAX_MESSAGE: usize = 16 << 20;

/// A decoded message: its headers (string-valued ones; others are skipped) and payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub headers: Vec<(String, String)>,
    pub payload: Vec<u8>,
}

impl Message {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The message as an event: `:event-type` names an event; an exception is
    /// `exception:TYPE` and an error `error:CODE` (its message as the data).
    pub fn event(&self) -> SseEvent {
        let data = String::from_utf8_lossy(&self.payload).into_owned();
        match self.header(":message-type") {
            Some("exception") => SseEvent {
                event: Some(format!(
                    "exception:{}",
                    self.header(":exception-type").unwrap_or("unknown")
                )),
                data,
            },
            Some("error") => SseEvent {
                event: Some(format!(
                    "error:{}",
                    self.header(":error-code").unwrap_or("unknown")
                )),
                data: self
                    .header(":error-message")
                    .unwrap_or_default()
                    .to_string(),
            },
            _ => SseEvent {
                event: self.header(":event-type").map(str::to_string),
                data,
            },
        }
    }
}

/// Reads messages out of a body's chunks, however they were cut.
#[derive(Debug, Default)]
pub struct Reader {
    buf: Vec<u8>,
}

impl Reader {
    pub fn new() -> Reader {
        Reader::default()
    }

    /// Add a chunk; every whole message it completes goes to `out` as an event.
    pub fn push_into(
        &mut self,
        chunk: &[u8],
        out: &mut Vec<SseEvent>,
    ) -> Result<(), ProviderError> {
        self.buf.extend_from_slice(chunk);
        let mut at = 0;
        while let Some(len) = whole(&self.buf[at..])? {
            let m = decode(&self.buf[at..at + len])?;
            out.push(m.event());
            at += len;
        }
        self.buf.drain(..at);
        Ok(())
    }

    /// Bytes held of a message not yet whole.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }
}

/// The length of the message `buf` starts with, once all of it is there.
fn whole(buf: &[u8]) -> Result<Option<usize>, ProviderError> {
    if buf.len() < 12 {
        return Ok(None);
    }
    let total = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
    let headers = u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]) as usize;
    let prelude = u32::from_be_bytes([buf[8], buf[9], buf[10], buf[11]]);
    if crc32(&buf[..8]) != prelude {
        return Err(bad("a message's prelude CRC does not match"));
    }
    if !(16..=MAX_MESSAGE).contains(&total) || headers > total - 16 {
        return Err(bad(&format!(
            "a message's length ({total} bytes, {headers} of headers) is out of bounds"
        )));
    }
    Ok((buf.len() >= total).then_some(total))
}

/// One whole message (its CRCs checked).
pub fn decode(m: &[u8]) -> Result<Message, ProviderError> {
    let Some(total) = whole(m)? else {
        return Err(bad("a message is cut short"));
    };
    if total != m.len() {
        return Err(bad("a message's length does not match its bytes"));
    }
    let crc = u32::from_be_bytes([m[total - 4], m[total - 3], m[total - 2], m[total - 1]]);
    if crc32(&m[..total - 4]) != crc {
        return Err(bad("a message's CRC does not match"));
    }
    let headers_len = u32::from_be_bytes([m[4], m[5], m[6], m[7]]) as usize;
    let headers = parse_headers(&m[12..12 + headers_len])?;
    Ok(Message {
        headers,
        payload: m[12 + headers_len..total - 4].to_vec(),
    })
}

fn parse_headers(mut h: &[u8]) -> Result<Vec<(String, String)>, ProviderError> {
    let cut = || bad("a message's headers are cut short");
    let mut out = Vec::new();
    while !h.is_empty() {
        let n = h[0] as usize;
        let name = h.get(1..1 + n).ok_or_else(cut)?;
        let name = String::from_utf8_lossy(name).into_owned();
        let kind = *h.get(1 + n).ok_or_else(cut)?;
        h = &h[2 + n..];
        let fixed = |len: usize, h: &mut &[u8]| -> Result<(), ProviderError> {
            if h.len() < len {
                return Err(cut());
            }
            *h = &h[len..];
            Ok(())
        };
        match kind {
            0 | 1 => {}
            2 => fixed(1, &mut h)?,
            3 => fixed(2, &mut h)?,
            4 => fixed(4, &mut h)?,
            5 | 8 => fixed(8, &mut h)?,
            9 => fixed(16, &mut h)?,
            6 | 7 => {
                if h.len() < 2 {
                    return Err(cut());
                }
                let len = u16::from_be_bytes([h[0], h[1]]) as usize;
                let value = h.get(2..2 + len).ok_or_else(cut)?;
                if kind == 7 {
                    out.push((name, String::from_utf8_lossy(value).into_owned()));
                }
                h = &h[2 + len..];
            }
            other => {
                return Err(bad(&format!(
                    "a message's header `{name}` has an unknown type ({other})"
                )))
            }
        }
    }
    Ok(out)
}

fn bad(what: &str) -> ProviderError {
    ProviderError::decode(format!("event stream: {what}"))
}

/// CRC-32 (IEEE 802.3, as zlib computes it).
pub fn crc32(data: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut t = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
                k += 1;
            }
            t[i] = c;
            i += 1;
        }
        t
    };
    let mut c = 0xFFFF_FFFFu32;
    for b in data {
        c = TABLE[((c ^ u32::from(*b)) & 0xFF) as usize] ^ (c >> 8);
    }
    c ^ 0xFFFF_FFFF
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn frames() -> serde_json::Value {
        serde_json::from_str(include_str!(
            "../../../tests/fixtures/eventstream/frames.json"
        ))
        .unwrap()
    }

    #[test]
    fn the_reference_implementations_frames_decode_as_it_asserts() {
        for f in frames()["valid"].as_array().unwrap() {
            let bytes = unhex(f["hex"].as_str().unwrap());
            assert_eq!(bytes.len() as u64, f["total_length"].as_u64().unwrap());
            let m = decode(&bytes).unwrap();
            assert_eq!(m.payload, f["payload"].as_str().unwrap().as_bytes());
            let want: Vec<(String, String)> = f["headers"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect();
            assert_eq!(m.headers, want);
        }
    }

    #[test]
    fn a_flipped_crc_bit_is_an_error_not_text() {
        for f in frames()["corrupted"].as_array().unwrap() {
            let bytes = unhex(f["hex"].as_str().unwrap());
            let e = decode(&bytes).unwrap_err();
            assert!(e.message.contains("CRC does not match"), "{}", e.message);
            let mut out = Vec::new();
            assert!(Reader::new().push_into(&bytes, &mut out).is_err());
            assert!(out.is_empty());
        }
    }

    #[test]
    fn messages_cut_anywhere_across_chunks_come_out_whole_and_in_order() {
        let all: Vec<u8> = frames()["valid"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|f| unhex(f["hex"].as_str().unwrap()))
            .collect();
        for size in [1, 3, 7, 16, 29, 1000] {
            let mut r = Reader::new();
            let mut out = Vec::new();
            for chunk in all.chunks(size) {
                r.push_into(chunk, &mut out).unwrap();
            }
            assert_eq!(out.len(), 3, "chunks of {size}");
            assert_eq!(out[2].data, "{'foo':'bar'}");
            assert_eq!(r.pending(), 0);
        }
        // A length past the limit is refused from the prelude, before it is buffered.
        let mut huge = vec![0x7f, 0, 0, 0, 0, 0, 0, 0];
        huge.extend(crc32(&huge.clone()).to_be_bytes());
        assert!(Reader::new().push_into(&huge, &mut Vec::new()).is_err());
    }

    #[test]
    fn crc32_is_zlibs() {
        // The check value of CRC-32/ISO-HDLC.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }
}
