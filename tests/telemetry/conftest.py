"""What the app's telemetry sends, caught in memory: OpenTelemetry SDK providers with the SDK's in-memory
span, metric and log exporters stand in for Application Insights (which cannot run here)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from opentelemetry.sdk._logs import LoggerProvider, ReadableLogRecord
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared.telemetry import use_providers
from shared.telemetry.events import CUSTOM_EVENT_NAME


@dataclass
class Captured:
    span_exporter: InMemorySpanExporter
    metric_reader: InMemoryMetricReader
    log_exporter: InMemoryLogRecordExporter

    def spans(self, name: str | None = None) -> list[ReadableSpan]:
        return [span for span in self.span_exporter.get_finished_spans() if name is None or span.name == name]

    def records(self) -> list[ReadableLogRecord]:
        return list(self.log_exporter.get_finished_logs())

    def events(self, name: str) -> list[ReadableLogRecord]:
        return [record for record in self.records()
                if (record.log_record.attributes or {}).get(CUSTOM_EVENT_NAME) == name]

    def metric_points(self, name: str) -> list:
        """The data points of one metric (cumulative: everything recorded since the test began)."""
        data = self.metric_reader.get_metrics_data()
        return [point for resource in (data.resource_metrics if data else ())
                for scope in resource.scope_metrics for metric in scope.metrics if metric.name == name
                for point in metric.data.data_points]


@pytest.fixture
def telemetry() -> Iterator[Captured]:
    spans, metrics, logs = InMemorySpanExporter(), InMemoryMetricReader(), InMemoryLogRecordExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    logger_provider = LoggerProvider()
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(logs))
    meter_provider = MeterProvider(metric_readers=[metrics])
    with use_providers(tracer_provider=tracer_provider, meter_provider=meter_provider,
                       logger_provider=logger_provider):
        yield Captured(spans, metrics, logs)
    meter_provider.shutdown()
