//! S3 objects: put, get, delete, and presigned GET URLs. Path-style addressing
//! (`ENDPOINT/BUCKET/KEY`) with a configured endpoint, as compatible servers expect; AWS's own
//! virtual-hosted style otherwise.

use crate::{Aws, AwsError, Service};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything but SigV4's unreserved characters is encoded; `/` is kept between segments.
const KEY_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

impl Aws {
    /// The URL of `key` in `bucket`.
    pub async fn s3_url(&self, bucket: &str, key: &str) -> String {
        let key: Vec<String> = key.split('/').map(|s| utf8_percent_encode(s, KEY_SEGMENT).to_string()).collect();
        let key = key.join("/");
        match self.endpoint(Service::S3) {
            Some(endpoint) => format!("{endpoint}/{bucket}/{key}"),
            None => format!("https://{bucket}.s3.{}.amazonaws.com/{key}", self.region().await),
        }
    }

    /// Creates `bucket` (in the configured region); an existing bucket of ours is fine.
    pub async fn s3_create_bucket(&self, bucket: &str) -> Result<(), AwsError> {
        let region = self.region().await;
        let url = match self.endpoint(Service::S3) {
            Some(endpoint) => format!("{endpoint}/{bucket}"),
            None => format!("https://{bucket}.s3.{region}.amazonaws.com/"),
        };
        let body = if region == "us-east-1" {
            Vec::new()
        } else {
            format!(
                "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
                 <LocationConstraint>{region}</LocationConstraint></CreateBucketConfiguration>"
            )
            .into_bytes()
        };
        let (status, answer) = self.send(Service::S3, &region, reqwest::Method::PUT, &url, body, None).await?;
        let text = String::from_utf8_lossy(&answer);
        if (200..300).contains(&status) || text.contains("<Code>BucketAlreadyOwnedByYou</Code>") {
            Ok(())
        } else {
            Err(crate::service_error(&url, status, &text))
        }
    }

    /// Whether `bucket` is there and these credentials may use it (S3's HeadBucket): an error
    /// says which it is not.
    pub async fn s3_check_bucket(&self, bucket: &str) -> Result<(), AwsError> {
        let region = self.region().await;
        let url = match self.endpoint(Service::S3) {
            Some(endpoint) => format!("{endpoint}/{bucket}"),
            None => format!("https://{bucket}.s3.{region}.amazonaws.com/"),
        };
        let (status, _) = self.send(Service::S3, &region, reqwest::Method::HEAD, &url, Vec::new(), None).await?;
        match status {
            200..=299 => Ok(()),
            404 => Err(AwsError::Invalid(format!("{url}: there is no bucket {bucket}"))),
            403 => Err(AwsError::Invalid(format!("{url}: these credentials may not use bucket {bucket}"))),
            _ => Err(crate::service_error(&url, status, "")),
        }
    }

    pub async fn s3_put(&self, bucket: &str, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), AwsError> {
        let url = self.s3_url(bucket, key).await;
        let region = self.region().await;
        let (status, answer) =
            self.send(Service::S3, &region, reqwest::Method::PUT, &url, bytes, Some(content_type)).await?;
        if (200..300).contains(&status) {
            Ok(())
        } else {
            Err(crate::service_error(&url, status, &String::from_utf8_lossy(&answer)))
        }
    }

    /// The object's bytes, or `None` when there is no such key.
    pub async fn s3_get(&self, bucket: &str, key: &str) -> Result<Option<Vec<u8>>, AwsError> {
        let url = self.s3_url(bucket, key).await;
        let region = self.region().await;
        let (status, answer) = self.send(Service::S3, &region, reqwest::Method::GET, &url, Vec::new(), None).await?;
        match status {
            200..=299 => Ok(Some(answer)),
            404 => Ok(None),
            _ => Err(crate::service_error(&url, status, &String::from_utf8_lossy(&answer))),
        }
    }

    /// Deletes the object; deleting a key that is not there succeeds, as in S3.
    pub async fn s3_delete(&self, bucket: &str, key: &str) -> Result<(), AwsError> {
        let url = self.s3_url(bucket, key).await;
        let region = self.region().await;
        let (status, answer) = self.send(Service::S3, &region, reqwest::Method::DELETE, &url, Vec::new(), None).await?;
        if (200..300).contains(&status) || status == 404 {
            Ok(())
        } else {
            Err(crate::service_error(&url, status, &String::from_utf8_lossy(&answer)))
        }
    }

    /// A URL that GETs the object without credentials for `expires_secs` from `now_epoch_secs`.
    /// `response` sets S3's response-header overrides (`response-content-disposition`,
    /// `response-content-type`, …), which the signature covers.
    pub async fn s3_presign_get(
        &self,
        bucket: &str,
        key: &str,
        now_epoch_secs: i64,
        expires_secs: i64,
        response: &[(&str, &str)],
    ) -> Result<String, AwsError> {
        let url = self.s3_url(bucket, key).await;
        let parsed = url::Url::parse(&url).map_err(|e| AwsError::Invalid(format!("{url} is not a URL: {e}")))?;
        let host = crate::host_header(&parsed)?;
        let creds = self.credentials().await?;
        let region = self.region().await;
        let overrides: Vec<String> =
            response.iter().map(|(n, v)| format!("{n}={}", utf8_percent_encode(v, KEY_SEGMENT))).collect();
        let query = openturk_protocol::sigv4::presign_s3(
            "GET",
            parsed.path(),
            &overrides.join("&"),
            &host,
            &creds.access_key_id,
            &creds.secret_access_key,
            creds.session_token.as_deref(),
            &region,
            now_epoch_secs,
            expires_secs,
        );
        Ok(format!("{url}?{query}"))
    }
}
