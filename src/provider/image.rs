//! Images for a request: what a file's bytes are (PNG, JPEG, WebP or GIF, read from the bytes,
//! never the name), their base64 form, and the size limits each provider documents.

use base64::Engine;

use super::types::{ChatRequest, Image, Inline};

/// The media type of an image's bytes, from their signature; `None` for anything else.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
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
    })
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

/// Gemini's image guide: inline data up to 20 MB for the whole request.
pub const GEMINI: ImageLimits = ImageLimits {
    per_image: 20 * MB,
    per_request: 20 * MB,
    count: 3600,
    source: "Gemini's limit: 20 MB of inline data per request",
};

/// Why `req` is over `limits`, in a sentence; `None` when it fits. Only bytes llmx sends
/// count: an image the dialect sends as a URL is the provider's to fetch and check.
pub fn over_limit(req: &ChatRequest, limits: &ImageLimits, takes_urls: bool) -> Option<String> {
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
            },
        }));
        let req = with(vec![fetched]);
        assert_eq!(over_limit(&req, &ANTHROPIC, true), None);
        assert!(over_limit(&req, &GEMINI, false).is_some());
    }
}
