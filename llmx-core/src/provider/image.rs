//! Images for a request: what a file's bytes are (PNG, JPEG, WebP or GIF, read from the bytes,
//! never the name), their base64 form, and the size limits each provider documents.

use base64::Engine;

use super::types::{ChatRequest, Image, Inline};

/// The media type of an image's bytes, from their signature; `None` for anything else.
pub(crate) fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// The bytes of an image, ready to send inline; `None` when they are not PNG, JPEG, WebP or GIF.
pub fn inline(bytes: &[u8]) -> Option<Inline> {
    Some(Inline {
        media_type: sniff(bytes)?.to_string(),
        data: base64::engine::general_purpose::STANDARD.encode(bytes),
        bytes: bytes.len(),
        dims: dimensions(bytes),
    })
}

/// The dimensions of an image given as base64 (standard or URL-safe alphabet).
pub(crate) fn decoded_dims(data: &str) -> Option<(u32, u32)> {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};
    let bytes = STANDARD
        .decode(data)
        .or_else(|_| URL_SAFE.decode(data))
        .ok()?;
    dimensions(&bytes)
}

/// Width and height in pixels from a PNG, GIF, WebP or JPEG header.
pub(crate) fn dimensions(b: &[u8]) -> Option<(u32, u32)> {
    let be32 =
        |i: usize| -> Option<u32> { Some(u32::from_be_bytes(b.get(i..i + 4)?.try_into().ok()?)) };
    let le16 = |i: usize| -> Option<u32> {
        Some(u32::from(u16::from_le_bytes(
            b.get(i..i + 2)?.try_into().ok()?,
        )))
    };
    let byte = |i: usize| -> Option<u32> { b.get(i).map(|v| u32::from(*v)) };
    let dims = match sniff(b)? {
        "image/png" => (be32(16)?, be32(20)?),
        "image/gif" => (le16(6)?, le16(8)?),
        "image/webp" => match b.get(12..16)? {
            b"VP8 " => (le16(26)? & 0x3fff, le16(28)? & 0x3fff),
            b"VP8L" => {
                let (b0, b1, b2, b3) = (byte(21)?, byte(22)?, byte(23)?, byte(24)?);
                (
                    1 + (b0 | (b1 & 0x3f) << 8),
                    1 + (b1 >> 6 | b2 << 2 | (b3 & 0xf) << 10),
                )
            }
            b"VP8X" => (
                1 + (byte(24)? | byte(25)? << 8 | byte(26)? << 16),
                1 + (byte(27)? | byte(28)? << 8 | byte(29)? << 16),
            ),
            _ => return None,
        },
        _ => jpeg_dims(b)?,
    };
    (dims.0 > 0 && dims.1 > 0).then_some(dims)
}

/// A JPEG's size, from its first start-of-frame marker.
fn jpeg_dims(b: &[u8]) -> Option<(u32, u32)> {
    let mut i = 2;
    while i + 4 <= b.len() {
        if b[i] != 0xFF {
            i += 1;
            continue;
        }
        let marker = b[i + 1];
        if marker == 0xFF {
            i += 1;
            continue;
        }
        // Markers without a length: TEM, RSTn, SOI, EOI.
        if marker == 0x01 || (0xD0..=0xD9).contains(&marker) {
            i += 2;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([*b.get(i + 2)?, *b.get(i + 3)?]));
        let sof = (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if sof {
            let h = u16::from_be_bytes([*b.get(i + 5)?, *b.get(i + 6)?]);
            let w = u16::from_be_bytes([*b.get(i + 7)?, *b.get(i + 8)?]);
            return Some((u32::from(w), u32::from(h)));
        }
        i += 2 + len;
    }
    None
}

/// The most input tokens one image can be billed as, by the formula its provider documents
/// for the model (`dims` when llmx has the bytes; without them the formula's maximum).
///
/// - OpenAI (and every compatible server, which documents nothing of its own): the tile
///   formula — fit within 2048×2048, shortest side scaled to 768, 85 tokens plus 170 per
///   512-pixel tile (gpt-4o, gpt-4.1; o1/o3 75 plus 150; gpt-4o-mini 2833 plus 5667) — or, for
///   the models billed by 32-pixel patches (gpt-4.1-mini/nano, o4-mini), at most 1536 patches
///   times the model's multiplier; a model of no known family counts the larger of the two.
/// - Anthropic: width × height / 750 after scaling to a long edge of 1568, at most ~1600.
/// - Bedrock: the larger of the Anthropic and OpenAI counts (it serves both kinds of model).
/// - Gemini: 258 tokens for an image within 384×384, else 258 per 768×768 tile; at least 1120
///   (Gemini 3's high media resolution).
pub(crate) fn worst_tokens(dialect: super::Dialect, model: &str, dims: Option<(u32, u32)>) -> u64 {
    use super::Dialect;
    match dialect {
        // Bedrock serves many families (Claude, Nova, Llama...): the larger of the Anthropic
        // and OpenAI counts bounds it.
        Dialect::Bedrock => worst_tokens(Dialect::Anthropic, model, dims).max(worst_tokens(
            Dialect::OpenAi,
            model,
            dims,
        )),
        Dialect::Anthropic => {
            let Some((w, h)) = dims else { return 1600 };
            let (w, h) = fit(w, h, 1568);
            (u64::from(w) * u64::from(h)).div_ceil(750).min(1600)
        }
        Dialect::Gemini => {
            let tiles = match dims {
                Some((w, h)) if w <= 384 && h <= 384 => 1,
                Some((w, h)) => u64::from(w.div_ceil(768)) * u64::from(h.div_ceil(768)),
                None => 16,
            };
            (258 * tiles).max(1120)
        }
        Dialect::OpenAi => {
            let m = model.rsplit('/').next().unwrap_or(model);
            let patches = |mult: f64| {
                let n = match dims {
                    Some((w, h)) => {
                        (u64::from(w.div_ceil(32)) * u64::from(h.div_ceil(32))).min(1536)
                    }
                    None => 1536,
                };
                (n as f64 * mult).ceil() as u64
            };
            let tiles = |base: u64, per: u64| {
                let (w, h) = dims.unwrap_or((2048, 2048));
                let (w, h) = fit(w, h, 2048);
                let short = w.min(h);
                let (w, h) = if short > 768 {
                    let s = 768.0 / f64::from(short);
                    (
                        (f64::from(w) * s).round() as u32,
                        (f64::from(h) * s).round() as u32,
                    )
                } else {
                    (w, h)
                };
                base + per * u64::from(w.div_ceil(512)) * u64::from(h.div_ceil(512))
            };
            if m.starts_with("gpt-4o-mini") {
                tiles(2833, 5667)
            } else if m.starts_with("gpt-4.1-mini") {
                patches(1.62)
            } else if m.starts_with("gpt-4.1-nano") {
                patches(2.46)
            } else if m.starts_with("o4-mini") {
                patches(1.72)
            } else if m.starts_with("gpt-4o") || m.starts_with("gpt-4.1") {
                tiles(85, 170)
            } else if m.starts_with("o1") || m.starts_with("o3") {
                tiles(75, 150)
            } else {
                tiles(85, 170).max(patches(2.46))
            }
        }
    }
}

/// `(w, h)` scaled down (never up) so the longer side is at most `max`.
fn fit(w: u32, h: u32, max: u32) -> (u32, u32) {
    let long = w.max(h);
    if long <= max {
        return (w, h);
    }
    let s = f64::from(max) / f64::from(long);
    (
        ((f64::from(w) * s).round() as u32).max(1),
        ((f64::from(h) * s).round() as u32).max(1),
    )
}

/// What a provider documents as the most it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageLimits {
    /// One image's decoded bytes.
    pub per_image: usize,
    /// All inline images of one request, as the base64 text that travels.
    pub per_request: usize,
    /// Images in one request.
    pub count: usize,
    /// Where the figures come from, for the error.
    pub source: &'static str,
}

const MB: usize = 1024 * 1024;

/// OpenAI's vision guide: up to 50 MB of payload and 500 images per request. Compatible
/// servers document less or nothing; this is what llmx checks for all of them.
pub const OPENAI: ImageLimits = ImageLimits {
    per_image: 50 * MB,
    per_request: 50 * MB,
    count: 500,
    source: "OpenAI's limit: 50 MB per request",
};

/// Anthropic's vision guide: 5 MB per image and 100 images per API request; the Messages API
/// refuses requests over 32 MB.
pub const ANTHROPIC: ImageLimits = ImageLimits {
    per_image: 5 * MB,
    per_request: 32 * MB,
    count: 100,
    source: "Anthropic's limit: 5 MB per image, 32 MB per request",
};

/// Bedrock's Converse (its image block's documentation): 3.75 MB an image, 20 images a
/// request (so at most 100 MB of base64 text).
pub const BEDROCK: ImageLimits = ImageLimits {
    per_image: 3_750_000,
    per_request: 100 * MB,
    count: 20,
    source: "Bedrock's limit: 3.75 MB per image, 20 images per request",
};

/// Gemini's image guide: inline data up to 20 MB for the whole request.
pub const GEMINI: ImageLimits = ImageLimits {
    per_image: 20 * MB,
    per_request: 20 * MB,
    count: 3600,
    source: "Gemini's limit: 20 MB of inline data per request",
};

/// Why `req` is over `limits`, in a sentence; `None` when it fits. Only bytes llmx sends
/// count: an image the dialect sends as a URL is the provider's to fetch and check.
pub(crate) fn over_limit(
    req: &ChatRequest,
    limits: &ImageLimits,
    takes_urls: bool,
) -> Option<String> {
    let images: Vec<&Image> = req.images().collect();
    if images.len() > limits.count {
        return Some(format!(
            "{} images is more than the {} one request may carry ({})",
            images.len(),
            limits.count,
            limits.source
        ));
    }
    let sent: Vec<&Inline> = images
        .iter()
        .filter_map(|i| {
            if takes_urls {
                i.prefer_url().err()
            } else {
                i.prefer_inline().ok()
            }
        })
        .collect();
    if let Some(big) = sent.iter().find(|i| i.bytes > limits.per_image) {
        return Some(format!(
            "an image of {} is over the provider's size limit ({})",
            size(big.bytes),
            limits.source
        ));
    }
    let total: usize = sent.iter().map(|i| i.data.len()).sum();
    (total > limits.per_request).then(|| {
        format!(
            "the images come to {} as sent, over the provider's size limit ({})",
            size(total),
            limits.source
        )
    })
}

/// `4.2 MB`, `310 KB`.
pub fn size(bytes: usize) -> String {
    if bytes >= MB {
        format!("{:.1} MB", bytes as f64 / MB as f64)
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::types::{Message, Part};

    #[test]
    fn the_bytes_decide_the_type_not_the_name() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some("image/png"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(b"GIF89a\x01\0"), Some("image/gif"));
        assert_eq!(sniff(b"RIFF\x24\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"RIFF\x24\0\0\0WAVEfmt "), None);
        assert_eq!(sniff(b"%PDF-1.7"), None);
        assert_eq!(sniff(b""), None);
        let i = inline(b"GIF89a").unwrap();
        assert_eq!(
            (i.media_type.as_str(), i.data.as_str()),
            ("image/gif", "R0lGODlh")
        );
        assert_eq!(i.bytes, 6);
    }

    #[test]
    fn dimensions_come_from_the_header() {
        let png = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../examples/photo.png"
        ))
        .unwrap();
        assert!(dimensions(&png).is_some());
        let mut gif = b"GIF89a".to_vec();
        gif.extend_from_slice(&[0x40, 0x01, 0xF0, 0x00]);
        assert_eq!(dimensions(&gif), Some((320, 240)));
        // A baseline JPEG: SOI, an APP0 segment, then SOF0 with height 480 and width 640.
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01,
            0xE0, 0x02, 0x80,
        ];
        assert_eq!(dimensions(&jpeg), Some((640, 480)));
        assert_eq!(dimensions(b"GIF89a"), None);
    }

    #[test]
    fn image_tokens_follow_each_providers_formula() {
        use crate::provider::Dialect;
        // OpenAI's own examples: 1024×1024 is 765 tokens, 2048×4096 is 1105, on the tile formula.
        assert_eq!(
            worst_tokens(Dialect::OpenAi, "gpt-4o", Some((1024, 1024))),
            765
        );
        assert_eq!(
            worst_tokens(Dialect::OpenAi, "gpt-4o", Some((2048, 4096))),
            1105
        );
        // A model of no known family: the larger of the two formulas.
        assert_eq!(
            worst_tokens(Dialect::OpenAi, "some-model", Some((1024, 1024))),
            2520
        );
        assert_eq!(
            worst_tokens(Dialect::OpenAi, "gpt-4o-mini", Some((1024, 1024))),
            2833 + 4 * 5667
        );
        // Patches: 1024×1024 is 1024 patches; gpt-4.1-mini multiplies by 1.62.
        assert_eq!(
            worst_tokens(Dialect::OpenAi, "gpt-4.1-mini", Some((1024, 1024))),
            1659
        );
        // Anthropic: 1092×1092 is about 1590 tokens.
        assert_eq!(
            worst_tokens(Dialect::Anthropic, "x", Some((1092, 1092))),
            1590
        );
        assert_eq!(worst_tokens(Dialect::Anthropic, "x", None), 1600);
        // Gemini: at least its high media resolution.
        assert_eq!(worst_tokens(Dialect::Gemini, "x", Some((300, 300))), 1120);
        assert_eq!(
            worst_tokens(Dialect::Gemini, "x", Some((3000, 3000))),
            258 * 16
        );
    }

    fn with(parts: Vec<Part>) -> ChatRequest {
        ChatRequest {
            messages: vec![Message {
                role: crate::provider::Role::User,
                content: parts,
            }],
            ..Default::default()
        }
    }

    #[test]
    fn limits_count_only_what_travels_inline() {
        let big = Part::Image(std::sync::Arc::new(Image::Inline(Inline {
            media_type: "image/png".into(),
            data: "x".repeat(8 * MB),
            bytes: 6 * MB,
            dims: None,
        })));
        let req = with(vec![big.clone()]);
        assert_eq!(over_limit(&req, &OPENAI, true), None);
        let e = over_limit(&req, &ANTHROPIC, true).unwrap();
        assert_eq!(
            e,
            "an image of 6.0 MB is over the provider's size limit (Anthropic's limit: 5 MB per \
             image, 32 MB per request)"
        );
        // Three images under 20 MB each come to more than Gemini takes in one request.
        let req = with(vec![big.clone(), big.clone(), big]);
        assert!(over_limit(&req, &GEMINI, false)
            .unwrap()
            .starts_with("the images come to 24.0 MB as sent"));
        // A URL is the provider's to fetch: only a dialect that takes none sends the bytes.
        let fetched = Part::Image(std::sync::Arc::new(Image::Fetched {
            url: "https://example.com/a.png".into(),
            inline: Inline {
                media_type: "image/png".into(),
                data: "x".repeat(30 * MB),
                bytes: 22 * MB,
                dims: None,
            },
        }));
        let req = with(vec![fetched]);
        assert_eq!(over_limit(&req, &ANTHROPIC, true), None);
        assert!(over_limit(&req, &GEMINI, false).is_some());
    }
}
