use reqwest::StatusCode;
use serde_json::json;

use crate::support;

#[tokio::test]
async fn sum_adds_two_integers() {
    let addsvc = support::addsvc().await;
    let (status, body) = addsvc.post("/sum", r#"{"a":1,"b":2}"#).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"v": 3}));
}

#[tokio::test]
async fn sum_handles_negative_numbers() {
    let addsvc = support::addsvc().await;
    let (status, body) = addsvc.post("/sum", r#"{"a":-7,"b":2}"#).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"v": -5}));
}

#[tokio::test]
async fn concat_joins_two_strings() {
    let addsvc = support::addsvc().await;
    let (status, body) = addsvc.post("/concat", r#"{"a":"1","b":"2"}"#).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"v": "12"}));
}

#[tokio::test]
async fn malformed_json_is_a_client_error() {
    let addsvc = support::addsvc().await;
    let (status, _) = addsvc.post("/sum", r#"{"a":1,"#).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn unknown_route_is_not_found() {
    let addsvc = support::addsvc().await;
    let (status, _) = addsvc.post("/divide", r#"{"a":1,"b":2}"#).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
