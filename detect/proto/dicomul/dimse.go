package dicomul

import (
	"encoding/binary"
	"fmt"
)

// Command is the part of a DIMSE command set airtight keeps. Instance UIDs
// and message ids are not kept.
type Command struct {
	Field          uint16 // CommandField (0000,0100)
	SOPClassUID    string // AffectedSOPClassUID (0000,0002), else RequestedSOPClassUID (0000,0003)
	Status         uint16 // Status (0000,0900), responses only
	HasStatus      bool
	HasDataSet     bool   // CommandDataSetType (0000,0800) != 0x0101
	MoveOriginator string // MoveOriginatorApplicationEntityTitle (0000,1030)
	MoveDest       string // MoveDestination (0000,0600)
}

// Name is the DIMSE name of the command, e.g. "C-STORE-RQ".
func (c *Command) Name() string { return CommandName(c.Field) }

var commandNames = map[uint16]string{
	0x0001: "C-STORE-RQ", 0x8001: "C-STORE-RSP",
	0x0010: "C-GET-RQ", 0x8010: "C-GET-RSP",
	0x0020: "C-FIND-RQ", 0x8020: "C-FIND-RSP",
	0x0021: "C-MOVE-RQ", 0x8021: "C-MOVE-RSP",
	0x0030: "C-ECHO-RQ", 0x8030: "C-ECHO-RSP",
	0x0100: "N-EVENT-REPORT-RQ", 0x8100: "N-EVENT-REPORT-RSP",
	0x0110: "N-GET-RQ", 0x8110: "N-GET-RSP",
	0x0120: "N-SET-RQ", 0x8120: "N-SET-RSP",
	0x0130: "N-ACTION-RQ", 0x8130: "N-ACTION-RSP",
	0x0140: "N-CREATE-RQ", 0x8140: "N-CREATE-RSP",
	0x0150: "N-DELETE-RQ", 0x8150: "N-DELETE-RSP",
	0x0FFF: "C-CANCEL-RQ",
}

// CommandName is the DIMSE name of a CommandField value.
func CommandName(f uint16) string {
	if n, ok := commandNames[f]; ok {
		return n
	}
	return fmt.Sprintf("DIMSE-0x%04x", f)
}

// Command set element tags (group 0000, so only the element number).
const (
	elAffectedSOPClass  = 0x0002
	elRequestedSOPClass = 0x0003
	elCommandField      = 0x0100
	elMoveDestination   = 0x0600
	elDataSetType       = 0x0800
	elStatus            = 0x0900
	elMoveOriginatorAE  = 0x1030
	noDataSet           = 0x0101
	maxCommandElements  = 512
)

// ParseCommand parses a DIMSE command set, always implicit VR little
// endian (PS3.7 section 6.3.1).
func ParseCommand(b []byte) (*Command, error) {
	c := &Command{}
	seenField := false
	for off, n := 0, 0; off < len(b); n++ {
		if n >= maxCommandElements {
			return nil, fmt.Errorf("%w: command set has more than %d elements", ErrMalformed, maxCommandElements)
		}
		if len(b)-off < 8 {
			return nil, fmt.Errorf("%w: command element header truncated at offset %d", ErrMalformed, off)
		}
		group := binary.LittleEndian.Uint16(b[off:])
		elem := binary.LittleEndian.Uint16(b[off+2:])
		vl := binary.LittleEndian.Uint32(b[off+4:])
		if group != 0 {
			return nil, fmt.Errorf("%w: command element (%04x,%04x) at offset %d is not in group 0000", ErrMalformed, group, elem, off)
		}
		if uint64(vl) > uint64(len(b)-off-8) {
			return nil, fmt.Errorf("%w: command element (0000,%04x) at offset %d has length %d beyond the command set", ErrMalformed, elem, off, vl)
		}
		v := b[off+8 : off+8+int(vl)]
		if elem == elCommandField {
			seenField = true
		}
		if err := c.set(elem, v); err != nil {
			return nil, fmt.Errorf("command element (0000,%04x) at offset %d: %w", elem, off, err)
		}
		off += 8 + int(vl)
	}
	if !seenField {
		return nil, fmt.Errorf("%w: command set has no CommandField", ErrMalformed)
	}
	return c, nil
}

func (c *Command) set(elem uint16, v []byte) error {
	switch elem {
	case elAffectedSOPClass:
		c.SOPClassUID = trimUID(v)
	case elRequestedSOPClass:
		if c.SOPClassUID == "" {
			c.SOPClassUID = trimUID(v)
		}
	case elCommandField, elDataSetType, elStatus:
		if len(v) != 2 {
			return fmt.Errorf("%w: US value is %d bytes", ErrMalformed, len(v))
		}
		u := binary.LittleEndian.Uint16(v)
		switch elem {
		case elCommandField:
			c.Field = u
		case elDataSetType:
			c.HasDataSet = u != noDataSet
		default:
			c.Status, c.HasStatus = u, true
		}
	case elMoveOriginatorAE:
		c.MoveOriginator = trimAE(v)
	case elMoveDestination:
		c.MoveDest = trimAE(v)
	}
	return nil
}

// statusClass maps a DIMSE status (PS3.7 annex C) to detect.Event.Status:
// "success" for success and warnings, "" for pending, "failure" otherwise.
func statusClass(s uint16) string {
	switch {
	case s == 0x0000, s == 0x0001, s == 0x0107, s == 0x0116, s&0xF000 == 0xB000:
		return "success"
	case s == 0xFF00, s == 0xFF01:
		return ""
	}
	return "failure"
}
