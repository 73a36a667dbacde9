//! Where Amazon Bedrock's credentials and region come from, as AWS's SDKs look: the
//! environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`,
//! `AWS_DEFAULT_REGION`), then the profile (`AWS_PROFILE`, else `default`) in the shared
//! credentials and config files (`AWS_SHARED_CREDENTIALS_FILE`, `AWS_CONFIG_FILE`, by default
//! under `~/.aws/`). Profiles that need a program run (SSO, assumed roles,
//! `credential_process`, web identity) are named with what to set instead. The EC2 and ECS
//! metadata services are never asked (they hang where there are none).

use std::collections::HashMap;
use std::path::PathBuf;

use super::sigv4::AwsCredentials;
use crate::env::Env;
use crate::secret::Secret;

/// Found credentials and where they came from (`env`, `profile default in ~/.aws/credentials`).
pub type Found = (AwsCredentials, String);

/// The region: the environment's, else the profile's in the config file.
pub fn region(env: &Env) -> Option<(String, String)> {
    for var in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
        if let Some(r) = env.get(var).map(str::trim).filter(|r| !r.is_empty()) {
            return Some((r.to_string(), var.to_string()));
        }
    }
    let name = profile_name(env);
    let path = config_file(env)?;
    let sections = read_ini(&path)?;
    let r = section(&sections, &name, true)?.get("region")?.clone();
    Some((r, format!("profile `{name}` in {}", path.display())))
}

/// The credentials, if any are set up; `Err` says what is wrong with those that are.
pub fn credentials(env: &Env) -> Result<Option<Found>, String> {
    let id = env
        .get("AWS_ACCESS_KEY_ID")
        .map(str::trim)
        .filter(|v| !v.is_empty());
    let secret = env
        .get("AWS_SECRET_ACCESS_KEY")
        .map(str::trim)
        .filter(|v| !v.is_empty());
    match (id, secret) {
        (Some(id), Some(secret)) => {
            let token = env
                .get("AWS_SESSION_TOKEN")
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(Secret::new);
            return Ok(Some((
                AwsCredentials {
                    access_key_id: id.to_string(),
                    secret_access_key: Secret::new(secret),
                    session_token: token,
                },
                "env (AWS_ACCESS_KEY_ID)".into(),
            )));
        }
        (Some(_), None) => {
            return Err("AWS_ACCESS_KEY_ID is set without AWS_SECRET_ACCESS_KEY: set both".into())
        }
        (None, Some(_)) => {
            return Err("AWS_SECRET_ACCESS_KEY is set without AWS_ACCESS_KEY_ID: set both".into())
        }
        (None, None) => {}
    }
    let name = profile_name(env);
    let named = env.get("AWS_PROFILE").is_some_and(|p| !p.trim().is_empty());
    let mut seen = false;
    for (path, config) in [(credentials_file(env), false), (config_file(env), true)] {
        let Some(path) = path else { continue };
        let Some(sections) = read_ini(&path) else {
            continue;
        };
        let Some(p) = section(&sections, &name, config) else {
            continue;
        };
        seen = true;
        if let Some(how) = [
            "sso_start_url",
            "sso_session",
            "role_arn",
            "credential_process",
            "web_identity_token_file",
        ]
        .iter()
        .find(|k| p.contains_key(**k))
        {
            return Err(format!(
                "profile `{name}` in {} gets its credentials through `{how}`, which llmx does not run; export them first (`aws configure export-credentials --profile {name} --format env`) or set AWS_BEARER_TOKEN_BEDROCK",
                path.display()
            ));
        }
        match (p.get("aws_access_key_id"), p.get("aws_secret_access_key")) {
            (Some(id), Some(secret)) => {
                return Ok(Some((
                    AwsCredentials {
                        access_key_id: id.clone(),
                        secret_access_key: Secret::new(secret.as_str()),
                        session_token: p.get("aws_session_token").map(|t| Secret::new(t.as_str())),
                    },
                    format!("profile `{name}` in {}", path.display()),
                )))
            }
            (Some(_), None) | (None, Some(_)) => {
                return Err(format!(
                    "profile `{name}` in {} has only one of aws_access_key_id and aws_secret_access_key",
                    path.display()
                ))
            }
            (None, None) => {}
        }
    }
    if named && !seen {
        return Err(format!(
            "AWS_PROFILE names profile `{name}`, which neither the credentials nor the config file holds"
        ));
    }
    Ok(None)
}

fn profile_name(env: &Env) -> String {
    env.get("AWS_PROFILE")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .unwrap_or("default")
        .to_string()
}

fn home(env: &Env) -> Option<PathBuf> {
    env.get("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .or_else(dirs::home_dir)
}

fn credentials_file(env: &Env) -> Option<PathBuf> {
    match env
        .get("AWS_SHARED_CREDENTIALS_FILE")
        .filter(|p| !p.is_empty())
    {
        Some(p) => Some(PathBuf::from(p)),
        None => home(env).map(|h| h.join(".aws/credentials")),
    }
}

fn config_file(env: &Env) -> Option<PathBuf> {
    match env.get("AWS_CONFIG_FILE").filter(|p| !p.is_empty()) {
        Some(p) => Some(PathBuf::from(p)),
        None => home(env).map(|h| h.join(".aws/config")),
    }
}

type Sections = HashMap<String, HashMap<String, String>>;

/// An INI file's sections and their `key = value` lines (`#` and `;` start comments).
fn read_ini(path: &std::path::Path) -> Option<Sections> {
    let text = std::fs::read_to_string(path).ok()?;
    Some(parse_ini(&text))
}

fn parse_ini(text: &str) -> Sections {
    let mut out: Sections = HashMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let name = name.trim().to_string();
            out.entry(name.clone()).or_default();
            current = Some(name);
            continue;
        }
        if let (Some(sec), Some((k, v))) = (&current, line.split_once('=')) {
            out.entry(sec.clone())
                .or_default()
                .insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    out
}

/// The profile's section: `[name]` in the credentials file; `[profile name]` (or `[default]`)
/// in the config file.
fn section<'a>(s: &'a Sections, name: &str, config: bool) -> Option<&'a HashMap<String, String>> {
    if config && name != "default" {
        s.get(&format!("profile {name}"))
    } else {
        s.get(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    #[test]
    fn the_environment_then_the_profile_then_nothing() {
        let d = tempfile::tempdir().unwrap();
        let creds = d.path().join("credentials");
        let config = d.path().join("config");
        std::fs::write(
            &creds,
            "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = s3cret\n\n[dev]\n# a comment\naws_access_key_id=AKIDDEV\naws_secret_access_key=devsecret\naws_session_token = tok\n",
        )
        .unwrap();
        std::fs::write(
            &config,
            "[default]\nregion = eu-west-1\n[profile dev]\nregion = us-west-2\n[profile sso]\nsso_session = corp\n",
        )
        .unwrap();
        let files = [
            ("AWS_SHARED_CREDENTIALS_FILE", creds.to_str().unwrap()),
            ("AWS_CONFIG_FILE", config.to_str().unwrap()),
        ];
        let with = |more: &[(&str, &str)]| {
            let mut all = files.to_vec();
            all.extend_from_slice(more);
            env(&all)
        };
        let (c, from) = credentials(&with(&[
            ("AWS_ACCESS_KEY_ID", "AKIDENV"),
            ("AWS_SECRET_ACCESS_KEY", "x"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(
            (c.access_key_id.as_str(), from.as_str()),
            ("AKIDENV", "env (AWS_ACCESS_KEY_ID)")
        );
        let (c, from) = credentials(&with(&[])).unwrap().unwrap();
        assert_eq!(c.access_key_id, "AKIDDEFAULT");
        assert!(from.starts_with("profile `default` in "), "{from}");
        let (c, _) = credentials(&with(&[("AWS_PROFILE", "dev")]))
            .unwrap()
            .unwrap();
        assert_eq!(c.session_token.unwrap().expose(), "tok");
        assert_eq!(
            region(&with(&[("AWS_PROFILE", "dev")])).unwrap().0,
            "us-west-2"
        );
        assert_eq!(region(&with(&[])).unwrap().0, "eu-west-1");
        assert_eq!(
            region(&with(&[("AWS_DEFAULT_REGION", "ap-south-1")])).unwrap(),
            ("ap-south-1".to_string(), "AWS_DEFAULT_REGION".to_string())
        );
        let sso = credentials(&with(&[("AWS_PROFILE", "sso")])).unwrap_err();
        assert!(
            sso.contains("`sso_session`, which llmx does not run"),
            "{sso}"
        );
        let missing = credentials(&with(&[("AWS_PROFILE", "nope")])).unwrap_err();
        assert!(missing.contains("profile `nope`"), "{missing}");
        let half = credentials(&with(&[("AWS_ACCESS_KEY_ID", "AKID")])).unwrap_err();
        assert!(half.contains("without AWS_SECRET_ACCESS_KEY"), "{half}");
        // No files, no variables: nothing, and no error.
        let none = env(&[("HOME", d.path().join("empty").to_str().unwrap())]);
        assert!(credentials(&none).unwrap().is_none());
        assert!(region(&none).is_none());
    }
}
