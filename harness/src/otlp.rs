//! An OTLP/HTTP receiver: it accepts the protobuf-encoded spans services
//! export to `POST /v1/traces`, decodes them with OpenTelemetry's own protobuf
//! types, and keeps them, flattened, for a test or a check to judge the traces
//! they form.

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use actix_web::{HttpResponse, web};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use prost::Message;

/// What a span stands for: a request served, a call made, work inside.
pub use opentelemetry_proto::tonic::trace::v1::span::SpanKind;

use crate::background::Background;

/// One span as received, with the `service.name` of the process that sent it.
#[derive(Clone, Debug)]
pub struct ReceivedSpan {
    pub service: String,
    pub name: String,
    pub kind: SpanKind,
    pub trace_id: String,
    pub span_id: String,
    /// Empty for a span that starts its trace.
    pub parent_span_id: String,
    /// Start and end, in nanoseconds since the Unix epoch.
    pub start_unix_nano: u64,
    pub end_unix_nano: u64,
}

type Spans = Mutex<Vec<ReceivedSpan>>;

/// A running receiver, stopped when dropped.
pub struct Receiver {
    /// What to set `OTEL_EXPORTER_OTLP_ENDPOINT` to.
    pub endpoint: String,
    spans: Arc<Spans>,
    _app: Background,
}

impl Receiver {
    /// Listens on a free loopback port.
    pub fn start() -> io::Result<Receiver> {
        let spans = Arc::new(Spans::default());
        let kept = Arc::clone(&spans);
        let app = Background::start(SocketAddr::from(([127, 0, 0, 1], 0)), move |config| {
            config
                .app_data(web::Data::from(Arc::clone(&kept)))
                // An exporter's batch of many spans is bigger than actix's 256 KiB default.
                .app_data(web::PayloadConfig::new(16 << 20))
                .route("/v1/traces", web::post().to(receive));
        })?;
        Ok(Receiver {
            endpoint: format!("http://{}", app.addr()),
            spans,
            _app: app,
        })
    }

    /// Every span received so far.
    pub fn spans(&self) -> Vec<ReceivedSpan> {
        self.spans
            .lock()
            .map(|spans| spans.clone())
            .unwrap_or_default()
    }
}

async fn receive(body: web::Bytes, spans: web::Data<Spans>) -> HttpResponse {
    match ExportTraceServiceRequest::decode(body) {
        Ok(request) => {
            if let Ok(mut spans) = spans.lock() {
                spans.extend(flatten(request));
            }
            HttpResponse::Ok()
                .content_type("application/x-protobuf")
                .finish()
        }
        Err(error) => HttpResponse::BadRequest().body(error.to_string()),
    }
}

fn flatten(request: ExportTraceServiceRequest) -> Vec<ReceivedSpan> {
    let mut spans = Vec::new();
    for resource_spans in request.resource_spans {
        let service = resource_spans
            .resource
            .iter()
            .flat_map(|resource| &resource.attributes)
            .find(|attribute| attribute.key == "service.name")
            .and_then(|attribute| attribute.value.as_ref()?.value.as_ref())
            .map(|value| match value {
                Value::StringValue(name) => name.clone(),
                other => format!("{other:?}"),
            })
            .unwrap_or_default();
        for span in resource_spans
            .scope_spans
            .into_iter()
            .flat_map(|scope| scope.spans)
        {
            spans.push(ReceivedSpan {
                service: service.clone(),
                kind: SpanKind::try_from(span.kind).unwrap_or(SpanKind::Unspecified),
                name: span.name,
                trace_id: hex(&span.trace_id),
                span_id: hex(&span.span_id),
                parent_span_id: hex(&span.parent_span_id),
                start_unix_nano: span.start_time_unix_nano,
                end_unix_nano: span.end_time_unix_nano,
            });
        }
    }
    spans
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
