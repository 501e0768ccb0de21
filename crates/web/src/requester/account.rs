//! GetAccountBalance.

use super::errors::api_error;
use openturk_protocol::wire::{self, to_body};
use openturk_protocol::ApiError;
use openturk_service::Service;

pub fn get_account_balance(svc: &Service, rid: &str) -> Result<Vec<u8>, ApiError> {
    let b = svc.balance(rid).map_err(api_error)?;
    Ok(to_body(&wire::GetAccountBalanceResponse {
        available_balance: b.available.to_string(),
        on_hold_balance: b.on_hold.to_string(),
    }))
}
