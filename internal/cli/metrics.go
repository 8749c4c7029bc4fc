package cli

import (
	"github.com/prometheus/client_golang/prometheus"
)

// appCollector exports what the subsystems count — events received,
// processed and dropped by the monitoring queue (per input source: the
// queue bounds the sources), the detection pipeline's alerts, drops and
// evictions, the observer's drops, and the SMTP gateway's buffered bytes
// — so that back-pressure is visible, not only logged. It reads the
// counters at scrape time.
type appCollector struct {
	a *App
}

var (
	mEvents = prometheus.NewDesc("airtight_monitor_events_total",
		"Monitoring events by stage: received by the queue, processed by the pipeline.", []string{"stage"}, nil)
	mDropped = prometheus.NewDesc("airtight_monitor_events_dropped_total",
		"Monitoring events dropped because the queue was full or stopped, by input source.", []string{"source"}, nil)
	mQueue = prometheus.NewDesc("airtight_monitor_queue_length",
		"Events waiting in the monitoring queue.", nil, nil)
	mPipeline = prometheus.NewDesc("airtight_detect_total",
		"Detection pipeline counters: detections, alerts (distinct keys), evicted alerts, dropped events, detector panics.", []string{"what"}, nil)
	mSMTPBuffered = prometheus.NewDesc("airtight_smtp_buffered_bytes",
		"Bytes of mail held in memory by the SMTP gateway.", nil, nil)
)

func (c appCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{mEvents, mDropped, mQueue, mPipeline, mSMTPBuffered} {
		ch <- d
	}
}

func (c appCollector) Collect(ch chan<- prometheus.Metric) {
	if m := c.a.monitor; m != nil {
		q := m.queue.Stats()
		ch <- prometheus.MustNewConstMetric(mEvents, prometheus.CounterValue, float64(q.Received), "received")
		ch <- prometheus.MustNewConstMetric(mEvents, prometheus.CounterValue, float64(q.Processed), "processed")
		for src, n := range q.DroppedBySource {
			ch <- prometheus.MustNewConstMetric(mDropped, prometheus.CounterValue, float64(n), src)
		}
		ch <- prometheus.MustNewConstMetric(mQueue, prometheus.GaugeValue, float64(q.Len))
		p := m.pipe.Stats()
		for what, n := range map[string]uint64{"detections": p.Detections, "alerts": p.Alerts, "evicted": p.Evicted,
			"dropped": p.Dropped, "panics": p.Panics} {
			ch <- prometheus.MustNewConstMetric(mPipeline, prometheus.CounterValue, float64(n), what)
		}
	}
	if d := c.a.DLP; d != nil && d.SMTP != nil {
		ch <- prometheus.MustNewConstMetric(mSMTPBuffered, prometheus.GaugeValue, float64(d.SMTP.BufferedBytes()))
	}
}
