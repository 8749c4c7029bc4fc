//go:build linux

package pcap

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/gopacket/gopacket/afpacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"

	"github.com/airtight/airtight/detect"
)

// Ring buffer geometry of a live capture: 64 KiB frames (loopback and
// offloaded segments are that large), 2 MiB blocks, 16 blocks.
const (
	frameSize   = 1 << 16
	blockSize   = 1 << 21
	numBlocks   = 16
	pollTimeout = 200 * time.Millisecond
)

// Capture reads packets from a network interface through an AF_PACKET
// ring (no libpcap, no cgo) until ctx ends, and emits events as Read
// does. It needs CAP_NET_RAW. On a loopback interface packets the kernel
// shows twice (outgoing and incoming) are taken once.
func Capture(ctx context.Context, iface string, sink detect.Sink, opts Options) (Stats, error) {
	ifc, err := net.InterfaceByName(iface)
	if err != nil {
		return Stats{}, fmt.Errorf("pcap: capture interface: %w", err)
	}
	h, err := afpacket.NewTPacket(afpacket.OptInterface(iface), afpacket.OptFrameSize(frameSize),
		afpacket.OptBlockSize(blockSize), afpacket.OptNumBlocks(numBlocks), afpacket.OptPollTimeout(pollTimeout))
	if err != nil {
		return Stats{}, fmt.Errorf("pcap: opening AF_PACKET socket on %s: %w", iface, err)
	}
	defer h.Close()
	if ifc.Flags&net.FlagLoopback != 0 {
		if err := h.SetBPF(incomingOnly); err != nil {
			return Stats{}, fmt.Errorf("pcap: loopback filter on %s: %w", iface, err)
		}
	}
	e := newEngine(sink, opts)
	for ctx.Err() == nil {
		data, ci, err := h.ZeroCopyReadPacketData()
		switch {
		case errors.Is(err, afpacket.ErrTimeout):
			e.tick(time.Now())
			continue
		case err != nil:
			e.finish("stop")
			return e.stats, fmt.Errorf("pcap: reading from %s: %w", iface, err)
		}
		e.packet(data, ci, layers.LinkTypeEthernet)
	}
	e.finish("stop")
	return e.stats, nil
}

// packetOutgoing is the kernel's PACKET_OUTGOING packet type.
const packetOutgoing = 4

// incomingOnly is a classic BPF program that drops packets the host sends
// (the loopback interface shows each packet as sent and as received).
var incomingOnly = mustAssemble([]bpf.Instruction{
	bpf.LoadExtension{Num: bpf.ExtType},
	bpf.JumpIf{Cond: bpf.JumpEqual, Val: packetOutgoing, SkipTrue: 1},
	bpf.RetConstant{Val: frameSize},
	bpf.RetConstant{Val: 0},
})

func mustAssemble(prog []bpf.Instruction) []bpf.RawInstruction {
	raw, err := bpf.Assemble(prog)
	if err != nil {
		panic(err) // a constant program: fails at init in every test run
	}
	return raw
}
