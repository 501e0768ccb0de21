//! Request shapes of UpdateNotificationSettings and SendTestEventNotification, as the `mturk`
//! service model names them. Both answer with an empty body (`wire::Empty`). Transport, Version
//! and event types stay strings here: the service checks them and names the bad value.

use serde::Deserialize;

/// NotificationSpecification: every member is required by the service model; they are
/// optional here so that a missing one gets the service's error naming it, not a parse error.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NotificationSpecification {
    pub destination: Option<String>,
    pub transport: Option<String>,
    pub version: Option<String>,
    pub event_types: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateNotificationSettingsRequest {
    #[serde(rename = "HITTypeId")]
    pub hit_type_id: String,
    pub notification: Option<NotificationSpecification>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SendTestEventNotificationRequest {
    pub notification: NotificationSpecification,
    pub test_event_type: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::parse;

    #[test]
    fn shapes_match_the_service_model() {
        let r: UpdateNotificationSettingsRequest = parse(
            br#"{"HITTypeId":"T1","Notification":{"Destination":"arn:aws:sns:us-east-1:123456789012:t","Transport":"SNS","Version":"2014-08-15","EventTypes":["AssignmentAccepted","HITExpired"]},"Active":true}"#,
        )
        .unwrap();
        assert_eq!(r.hit_type_id, "T1");
        assert_eq!(r.active, Some(true));
        let n = r.notification.unwrap();
        assert_eq!(n.transport.as_deref(), Some("SNS"));
        assert_eq!(n.event_types.unwrap(), ["AssignmentAccepted", "HITExpired"]);
        let r: SendTestEventNotificationRequest = parse(
            br#"{"Notification":{"Destination":"a@b.c","Transport":"Email","Version":"2006-05-05","EventTypes":["Ping"]},"TestEventType":"Ping"}"#,
        )
        .unwrap();
        assert_eq!(r.test_event_type, "Ping");
        assert!(parse::<SendTestEventNotificationRequest>(br#"{"TestEventType":"Ping"}"#).is_err());
    }
}
