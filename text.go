package airtight

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// SafeText reports whether s is valid UTF-8 without control characters
// other than tab (C0, DEL, C1: terminal escape sequences, line breaks) and
// without the bidirectional overrides and isolates that make a value display
// differently from what it is. Names and labels shown in the dashboard, the
// CLI and logs must be safe text.
func SafeText(s string) bool {
	return utf8.ValidString(s) && strings.IndexFunc(s, unsafeRune) < 0
}

func unsafeRune(r rune) bool {
	return (unicode.IsControl(r) && r != '\t') || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}
