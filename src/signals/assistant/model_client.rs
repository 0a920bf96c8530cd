//! The OpenAI-compatible endpoint (Ollama, vLLM, OpenAI and others): one `POST
//! {url}/chat/completions` with the prompt, its first choice's text back. Errors say what failed
//! without the key, the prompt or the endpoint's answer body.

use std::sync::LazyLock;
use std::time::Duration;

use serde::Deserialize;
use serde_json::json;

use super::prompt::Prompt;

/// The most tokens the model may answer with.
const ANSWER_MAX_TOKENS: u32 = 512;

/// One client for every call: connections are kept; each call sets its own timeout.
static CLIENT: LazyLock<reqwest::Client> = LazyLock::new(reqwest::Client::new);

#[derive(Deserialize)]
struct Completion {
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    message: Message,
}

#[derive(Deserialize)]
struct Message {
    content: Option<String>,
}

/// Where and how to ask (from the FLEETDECK_ASSISTANT_* settings).
pub struct Endpoint<'a> {
    /// The base URL, without a trailing `/`.
    pub url: &'a str,
    pub model: &'a str,
    pub api_key: Option<&'a str>,
    pub timeout: Duration,
}

/// The model's answer to `prompt`, or why there is none (for the log; it names no secret).
pub async fn complete(settings: &Endpoint<'_>, prompt: &Prompt) -> Result<String, String> {
    let body = json!({
        "model": settings.model,
        "messages": [
            {"role": "system", "content": prompt.system},
            {"role": "user", "content": prompt.user},
        ],
        "temperature": 0,
        "max_tokens": ANSWER_MAX_TOKENS,
        "stream": false,
    });
    let mut request = CLIENT
        .post(format!("{}/chat/completions", settings.url))
        .timeout(settings.timeout)
        .json(&body);
    if let Some(key) = settings.api_key {
        request = request.bearer_auth(key);
    }
    let response = request.send().await.map_err(|e| {
        if e.is_timeout() {
            "the model did not answer in time".to_string()
        } else {
            "the model endpoint could not be reached".to_string()
        }
    })?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("the model endpoint answered {status}"));
    }
    let completion: Completion = response
        .json()
        .await
        .map_err(|_| "the model endpoint's answer is not a chat completion".to_string())?;
    completion
        .choices
        .into_iter()
        .next()
        .and_then(|c| c.message.content)
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .ok_or_else(|| "the model answered nothing".to_string())
}
