package tophatotel

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/metrics"
)

type streamKey struct {
	transport string
	reason    core.EndReason
}

// A streamEntry holds the attribute sets of one transport, and of one
// reason the stream ended for.
type streamEntry struct {
	transport []metric.AddOption // by transport alone
	ended     []metric.AddOption // by transport and end reason
	lifetime  []metric.RecordOption
}

func (t *Telemetry) streamEntry(k streamKey) *streamEntry {
	if e, ok := t.streamSets.Load(k); ok {
		return e
	}
	byTransport := attribute.NewSet(TransportKey.String(k.transport))
	byReason := attribute.NewSet(TransportKey.String(k.transport), EndReasonKey.String(k.reason.String()))
	return t.streamSets.Store(k, &streamEntry{
		transport: []metric.AddOption{metric.WithAttributeSet(byTransport)},
		ended:     []metric.AddOption{metric.WithAttributeSet(byReason)},
		lifetime:  []metric.RecordOption{metric.WithAttributeSet(byReason)},
	})
}

// stream counts a stream as it begins and as it ends.
func (t *Telemetry) stream(ev core.StreamEvent) {
	ctx := context.Background()
	e := t.streamEntry(streamKey{metrics.Transport(ev.Stream), ev.Reason})
	if !ev.Ended {
		t.streams.Add(ctx, 1, e.transport...)
		t.activeStreams.Add(ctx, 1, e.transport...)
		return
	}
	t.activeStreams.Add(ctx, -1, e.transport...)
	t.closedStreams.Add(ctx, 1, e.ended...)
	t.streamDuration.Record(ctx, ev.Lifetime.Seconds(), e.lifetime...)
}

// rejected counts a request the core refused, by the status of its answer.
func (t *Telemetry) rejected(r core.Rejection) {
	opts, ok := t.statusSets.Load(r.Status)
	if !ok {
		set := attribute.NewSet(semconv.HTTPResponseStatusCode(r.Status))
		opts = t.statusSets.Store(r.Status, []metric.AddOption{metric.WithAttributeSet(set)})
	}
	t.rejections.Add(context.Background(), 1, opts...)
}
