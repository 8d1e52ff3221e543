//! Solana Actions (the interface `@solana/actions-spec` types, which wallets
//! and blink clients speak): the response and request shapes the indexer's
//! action endpoints serve, in the spec's JSON spelling.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The spec version these endpoints follow (`X-Action-Version`).
pub const ACTION_VERSION: &str = "2.4";

/// `GET /actions.json`: which site paths map to which action endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ActionsJson {
    /// Path rules, first match wins.
    pub rules: Vec<ActionRule>,
}

/// One rule of `actions.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActionRule {
    /// A site path pattern (`*` one segment, `**` any).
    pub path_pattern: String,
    /// The action endpoint it maps to.
    pub api_path: String,
}

/// `GET` of an action: what it does and the ways to take it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActionGetResponse {
    /// Always `action`.
    #[serde(rename = "type")]
    pub kind: ActionType,
    /// Absolute URL of an image.
    pub icon: String,
    /// Short title.
    pub title: String,
    /// What the action does, including its full price.
    pub description: String,
    /// Button text when there are no linked actions.
    pub label: String,
    /// Set when the action cannot be taken now.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disabled: bool,
    /// The actions a client shows as buttons and forms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<ActionLinks>,
    /// Why the action is disabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ActionError>,
}

/// The `type` of an action response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionType {
    /// A GET response.
    Action,
    /// A POST response carrying a transaction.
    Transaction,
}

/// Linked actions of a GET response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ActionLinks {
    /// One button (or form) each.
    pub actions: Vec<LinkedAction>,
}

/// One button or form of an action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LinkedAction {
    /// Always `transaction` here: POSTing `href` returns one to sign.
    #[serde(rename = "type")]
    pub kind: LinkedActionType,
    /// Where to POST; `{name}` is replaced by the parameter's value.
    pub href: String,
    /// Button text.
    pub label: String,
    /// Inputs the client asks for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<ActionParameter>,
}

/// The kind of a linked action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkedActionType {
    /// POST returns a transaction to sign.
    Transaction,
}

/// An input of a linked action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActionParameter {
    /// The input type (`number` here).
    #[serde(rename = "type")]
    pub kind: String,
    /// The placeholder in `href` it fills.
    pub name: String,
    /// Shown to the user.
    pub label: String,
    /// Whether it must be given.
    pub required: bool,
    /// Smallest value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<u64>,
    /// Largest value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u64>,
}

/// `POST` body of an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ActionPostRequest {
    /// The wallet that signs and pays the fee, base58.
    pub account: String,
}

/// `POST` response: the unsigned transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ActionPostResponse {
    /// Always `transaction`.
    #[serde(rename = "type")]
    pub kind: ActionType,
    /// The transaction, serialised and base64-encoded, unsigned, with the
    /// account as fee payer and a recent blockhash.
    pub transaction: String,
    /// What signing it does, for the wallet to show.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Every error of an action endpoint: a 4xx with this body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ActionError {
    /// What is wrong, for the user.
    pub message: String,
}

/// `POST /api/transactions`: a transaction an action built, signed by the
/// wallet, for the API to send (this market's web app relays through it, so
/// a refusal comes back named by the SDK).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SignedTransaction {
    /// The signed transaction, base64 (as the wallet returned it).
    pub transaction: String,
}

/// The answer to a relayed transaction once the cluster confirmed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SentTransaction {
    /// Its signature, base58.
    pub signature: String,
}
