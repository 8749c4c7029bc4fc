//go:build !linux

package pcap

import (
	"context"
	"errors"

	"github.com/airtight/airtight/detect"
)

// Capture is supported on Linux only (AF_PACKET).
func Capture(ctx context.Context, iface string, sink detect.Sink, opts Options) (Stats, error) {
	return Stats{}, errors.New("pcap: live capture is supported on Linux only")
}
