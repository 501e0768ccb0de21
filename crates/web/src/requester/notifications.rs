//! UpdateNotificationSettings and SendTestEventNotification.

use super::errors::api_error;
use openturk_protocol::wire::{parse, to_body, Empty};
use openturk_protocol::wire_notifications as w;
use openturk_protocol::ApiError;
use openturk_service::notifications::SpecInput;
use openturk_service::Service;

type Out = Result<Vec<u8>, ApiError>;

fn spec(n: w::NotificationSpecification) -> SpecInput {
    SpecInput { destination: n.destination, transport: n.transport, version: n.version, event_types: n.event_types }
}

pub fn update_notification_settings(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: w::UpdateNotificationSettingsRequest = parse(body)?;
    let s = r.notification.map(spec);
    svc.update_notification_settings(rid, &r.hit_type_id, s.as_ref(), r.active).map_err(api_error)?;
    Ok(to_body(&Empty {}))
}

pub fn send_test_event_notification(svc: &Service, rid: &str, body: &[u8]) -> Out {
    let r: w::SendTestEventNotificationRequest = parse(body)?;
    svc.send_test_event_notification(rid, &spec(r.notification), &r.test_event_type).map_err(api_error)?;
    Ok(to_body(&Empty {}))
}
