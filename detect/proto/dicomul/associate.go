package dicomul

import (
	"encoding/binary"
	"fmt"
)

// Associate is an A-ASSOCIATE-RQ or A-ASSOCIATE-AC.
type Associate struct {
	ProtocolVersion    uint16
	CalledAE           string
	CallingAE          string
	ApplicationContext string
	Contexts           []PresentationContext
	UserInfo           UserInfo
}

// PresentationContext is a presentation context item: in a request the
// abstract syntax with its proposed transfer syntaxes, in an accept the
// result and the one transfer syntax chosen.
type PresentationContext struct {
	ID               byte
	Result           byte // AC only: 0 acceptance, 1 user rejection, 2 no reason, 3 abstract syntax not supported, 4 transfer syntaxes not supported
	AbstractSyntax   string
	TransferSyntaxes []string
}

// UserInfo is the user information item. The user identity's credential
// (user name, passcode, Kerberos ticket, SAML assertion or JWT) is never
// kept: only its presence and type.
type UserInfo struct {
	MaxLength             uint32
	ImplementationClass   string
	ImplementationVersion string
	UserIdentity          bool // a user identity negotiation sub-item (0x58 in RQ, 0x59 in AC) was present
	UserIdentityType      byte // RQ only: 1 username, 2 username+passcode, 3 Kerberos, 4 SAML, 5 JWT
}

// Item types in A-ASSOCIATE PDUs.
const (
	itemAppContext   = 0x10
	itemPresCtxRQ    = 0x20
	itemPresCtxAC    = 0x21
	itemAbstract     = 0x30
	itemTransfer     = 0x40
	itemUserInfo     = 0x50
	subMaxLength     = 0x51
	subImplClass     = 0x52
	subImplVersion   = 0x55
	subUserIdentity  = 0x58
	subUserIdentityA = 0x59
)

// associateFixed is the fixed part of an A-ASSOCIATE body: protocol
// version, reserved, called AE, calling AE, 32 reserved bytes.
const associateFixed = 68

func parseAssociate(typ byte, body []byte, lim Limits) (*Associate, error) {
	if len(body) < associateFixed {
		return nil, fmt.Errorf("%w: %s body is %d bytes, fixed part needs %d", ErrMalformed, TypeName(typ), len(body), associateFixed)
	}
	a := &Associate{
		ProtocolVersion: binary.BigEndian.Uint16(body[0:2]),
		CalledAE:        trimAE(body[4:20]),
		CallingAE:       trimAE(body[20:36]),
	}
	count := 0
	err := walkItems(body[associateFixed:], associateFixed, func(t byte, v []byte, off int) error {
		if count++; count > lim.MaxItems {
			return fmt.Errorf("%w: more than %d items", ErrMalformed, lim.MaxItems)
		}
		return a.item(typ, t, v, off, lim)
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", TypeName(typ), err)
	}
	return a, nil
}

// walkItems calls fn for each item (type, reserved, 16-bit length, value)
// in b; base is b's offset in the PDU body, for error messages.
func walkItems(b []byte, base int, fn func(t byte, v []byte, off int) error) error {
	for off := 0; off < len(b); {
		if len(b)-off < 4 {
			return fmt.Errorf("%w: item header truncated at body offset %d", ErrMalformed, base+off)
		}
		t, n := b[off], int(binary.BigEndian.Uint16(b[off+2:off+4]))
		if off+4+n > len(b) {
			return fmt.Errorf("%w: item 0x%02x at body offset %d has length %d beyond its container", ErrMalformed, t, base+off, n)
		}
		if err := fn(t, b[off+4:off+4+n], base+off); err != nil {
			return err
		}
		off += 4 + n
	}
	return nil
}

func (a *Associate) item(pduType, t byte, v []byte, off int, lim Limits) error {
	switch t {
	case itemAppContext:
		a.ApplicationContext = trimUID(v)
	case itemPresCtxRQ, itemPresCtxAC:
		if (t == itemPresCtxRQ) != (pduType == TypeAssociateRQ) {
			return fmt.Errorf("%w: presentation context item 0x%02x at body offset %d in the wrong PDU", ErrMalformed, t, off)
		}
		pc, err := parsePresentationContext(v, off, lim)
		if err != nil {
			return err
		}
		a.Contexts = append(a.Contexts, pc)
	case itemUserInfo:
		return a.UserInfo.parse(v, off)
	}
	return nil // unknown items are skipped, as PS3.8 asks
}

func parsePresentationContext(v []byte, off int, lim Limits) (PresentationContext, error) {
	if len(v) < 4 {
		return PresentationContext{}, fmt.Errorf("%w: presentation context at body offset %d is %d bytes", ErrMalformed, off, len(v))
	}
	pc := PresentationContext{ID: v[0], Result: v[2]}
	err := walkItems(v[4:], off+8, func(t byte, sv []byte, soff int) error {
		switch t {
		case itemAbstract:
			pc.AbstractSyntax = trimUID(sv)
		case itemTransfer:
			if len(pc.TransferSyntaxes) >= lim.MaxItems {
				return fmt.Errorf("%w: more than %d transfer syntaxes at body offset %d", ErrMalformed, lim.MaxItems, soff)
			}
			pc.TransferSyntaxes = append(pc.TransferSyntaxes, trimUID(sv))
		}
		return nil
	})
	return pc, err
}

func (u *UserInfo) parse(v []byte, off int) error {
	return walkItems(v, off+4, func(t byte, sv []byte, soff int) error {
		switch t {
		case subMaxLength:
			if len(sv) != 4 {
				return fmt.Errorf("%w: maximum length sub-item at body offset %d is %d bytes", ErrMalformed, soff, len(sv))
			}
			u.MaxLength = binary.BigEndian.Uint32(sv)
		case subImplClass:
			u.ImplementationClass = trimUID(sv)
		case subImplVersion:
			u.ImplementationVersion = trimAE(sv)
		case subUserIdentity:
			u.UserIdentity = true
			if len(sv) > 0 {
				u.UserIdentityType = sv[0]
			}
		case subUserIdentityA:
			u.UserIdentity = true
		}
		return nil
	})
}
